import { WebSocket } from "ws";

/** A bare Action Cable client for bench/redis_scale.ts: BenchChannel subscriptions, no checks beyond the protocol. */
export class BenchClient {
  readonly #socket: WebSocket;
  readonly #handlers = new Map<string, (message: Record<string, unknown>) => void>();
  readonly #confirmed = new Map<string, () => void>();
  readonly #replies = new Map<number, (message: Record<string, unknown>) => void>();

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on("message", (data) => this.#received(JSON.parse(String(data))));
  }

  static async connect(port: number): Promise<BenchClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/cable`, ["actioncable-v1-json"]);
    const client = new BenchClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("message", () => resolve());
      socket.once("error", reject);
    });
    return client;
  }

  async subscribe(room: string): Promise<void> {
    const identifier = BenchClient.identifier(room);
    const confirmed = new Promise<void>((resolve) => this.#confirmed.set(identifier, resolve));
    this.#socket.send(JSON.stringify({ command: "subscribe", identifier }));
    await confirmed;
  }

  perform(room: string, data: Record<string, unknown>): void {
    const identifier = BenchClient.identifier(room);
    this.#socket.send(JSON.stringify({ command: "message", identifier, data: JSON.stringify(data) }));
  }

  /** Resolves once `total` broadcasts arrived on `room`, calling `each` with every body. */
  collect(room: string, total: number, each: (body: unknown) => void): Promise<void> {
    return new Promise((resolve) => {
      let seen = 0;
      this.#handlers.set(BenchClient.identifier(room), (message) => {
        each(message);
        if (++seen === total) resolve();
      });
    });
  }

  /** Performs an action carrying `seq` and resolves with the reply that echoes it. */
  request(room: string, data: Record<string, unknown> & { seq: number }): Promise<Record<string, unknown>> {
    const reply = new Promise<Record<string, unknown>>((resolve) => this.#replies.set(data.seq, resolve));
    this.perform(room, data);
    return reply;
  }

  close(): void {
    this.#socket.close();
  }

  static identifier(room: string): string {
    return JSON.stringify({ channel: "BenchChannel", room });
  }

  #received(frame: Record<string, unknown>): void {
    const identifier = frame.identifier as string | undefined;
    if (frame.type === "confirm_subscription" && identifier) this.#confirmed.get(identifier)?.();
    if (frame.type !== undefined || !identifier) return;
    const message = frame.message as Record<string, unknown>;
    if (message && typeof message === "object" && message.type === "joined") {
      const resolve = this.#replies.get(message.seq as number);
      this.#replies.delete(message.seq as number);
      resolve?.(message);
      return;
    }
    if (message && typeof message === "object" && message.type === "error") {
      throw new Error(`server error: ${JSON.stringify(message)}`);
    }
    this.#handlers.get(identifier)?.(message);
  }
}
