import type { TestContext } from "node:test";
import { WebSocket } from "ws";
import { Channel, type ChannelClass } from "../../src/cable/channel.js";
import { CableServer, type CableServerOptions } from "../../src/cable/server.js";
import { P2pError, Reasons } from "../../src/protocol/errors.js";
import type { Logger } from "../../src/protocol/logger.js";

export const TEST_SECRET = "test-secret-0123456789abcdef";

/** Resolves with `promise`, or fails naming `description` once `timeoutMs` has passed. */
export function withDeadline<T>(promise: Promise<T>, description: string, timeoutMs = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A promise with its resolve function outside, for callbacks of the official clients. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export interface LogLine {
  level: keyof Logger;
  message: string;
  details: Record<string, unknown> | undefined;
}

/** A Logger that keeps every line, to assert that bad input leaves exactly one trace. */
export interface RecordingLogger extends Logger {
  readonly lines: LogLine[];
  /** Resolves with the first line (already written or to come) whose message is `message`. */
  waitFor(message: string, timeoutMs?: number): Promise<LogLine>;
}

export function recordingLogger(): RecordingLogger {
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  const at = (level: keyof Logger) => (message: string, details?: Record<string, unknown>) => {
    lines.push({ level, message, details });
    for (const wake of waiters) wake();
  };
  const waitFor = (message: string, timeoutMs = 5000): Promise<LogLine> => {
    const find = () => lines.find((line) => line.message === message);
    const found = find();
    if (found) return Promise.resolve(found);
    let wake!: () => void;
    const waiting = new Promise<LogLine>((resolve) => {
      wake = () => {
        const line = find();
        if (line) {
          waiters.delete(wake);
          resolve(line);
        }
      };
      waiters.add(wake);
    });
    return withDeadline(waiting, `log line "${message}"`, timeoutMs).finally(() => waiters.delete(wake));
  };
  return { lines, waitFor, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** What the test channel saw, in order: `subscribed:<identifier>`, `unsubscribed:<identifier>`. */
export type ChannelEvents = string[];

/**
 * A channel class for tests, with its own event log. Params: `room` picks the stream
 * `test:<room>`; `reject: true` refuses; `hello: true` transmits before the confirm.
 */
export function createTestChannel(events: ChannelEvents = []): ChannelClass {
  return class TestChannel extends Channel {
    static override readonly channelName = "TestChannel";
    static override readonly actions = ["speak", "echo", "stop", "boom", "refuse"];
    static readonly events = events;

    get stream(): string {
      return `test:${String(this.params.room ?? "all")}`;
    }

    override async subscribed(): Promise<void> {
      events.push(`subscribed:${this.identifier}`);
      if (this.params.reject) return this.reject();
      if (this.params.hello) this.transmit({ type: "hello" });
      await this.streamFrom(this.stream);
    }

    override unsubscribed(): void {
      events.push(`unsubscribed:${this.identifier}`);
    }

    speak(data: Record<string, unknown>): Promise<void> {
      return this.broadcast(this.stream, { text: data.text });
    }

    echo(data: Record<string, unknown>): void {
      this.transmit({ type: "echo", data });
    }

    async stop(): Promise<void> {
      await this.stopAllStreams();
      this.transmit({ type: "stopped" });
    }

    boom(): void {
      throw new Error("boom");
    }

    refuse(): void {
      throw new P2pError(Reasons.rateLimited, "slow down");
    }

    /** Public method that is not whitelisted in `actions`: clients must not reach it. */
    secret(): void {
      events.push("secret called");
    }
  };
}

export interface RunningCable {
  cable: CableServer;
  port: number;
  url: string;
}

/** A CableServer on its own port (0 unless given) on 127.0.0.1, closed when the test ends. */
export async function startCable(
  t: TestContext,
  options: Partial<CableServerOptions> = {},
  port = 0,
): Promise<RunningCable> {
  const cable = new CableServer({ channels: [], secret: TEST_SECRET, ...options });
  const bound = await cable.listen(port);
  t.after(() => cable.close());
  return { cable, port: bound, url: `ws://127.0.0.1:${bound}/cable` };
}

export interface RawClientOptions {
  /** Subprotocols offered; default what the Rails client offers. */
  protocols?: string[];
  /** `Origin` header, as a browser would send it. */
  origin?: string;
  /** Answer native pings (default true); false plays a dead peer. */
  autoPong?: boolean;
}

/**
 * A bare WebSocket speaking the cable protocol by hand: every frame it receives is kept, and
 * `next` waits for the first one not yet taken that matches.
 */
export class RawClient {
  readonly socket: WebSocket;
  readonly frames: unknown[] = [];
  readonly #taken = new Set<number>();
  readonly #waiters = new Set<() => void>();
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, options: RawClientOptions = {}) {
    const protocols = options.protocols ?? ["actioncable-v1-json", "actioncable-unsupported"];
    this.socket = new WebSocket(url, protocols, {
      ...(options.origin ? { origin: options.origin } : {}),
      autoPong: options.autoPong ?? true,
    });
    this.socket.on("message", (data, isBinary) => {
      this.frames.push(isBinary ? data : JSON.parse(String(data)));
      for (const wake of this.#waiters) wake();
    });
    this.closed = new Promise((resolve) => {
      this.socket.on("close", (code, reason) => {
        resolve({ code, reason: String(reason) });
        for (const wake of this.#waiters) wake();
      });
    });
    this.socket.on("error", () => {});
  }

  static async open(url: string, options?: RawClientOptions): Promise<RawClient> {
    const client = new RawClient(url, options);
    await withDeadline(
      new Promise<void>((resolve, reject) => {
        client.socket.once("open", () => resolve());
        client.socket.once("error", reject);
      }),
      "the socket to open",
    );
    return client;
  }

  /** Opens a socket and waits for `welcome`. */
  static async connect(url: string): Promise<RawClient> {
    const client = await RawClient.open(url);
    await client.next((f) => f.type === "welcome", "welcome");
    return client;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  subscribe(identifier: string): void {
    this.send({ command: "subscribe", identifier });
  }

  perform(identifier: string, data: Record<string, unknown>): void {
    this.send({ command: "message", identifier, data: JSON.stringify(data) });
  }

  /** Subscribes and waits for the confirm of that exact identifier. */
  async subscribed(identifier: string): Promise<void> {
    this.subscribe(identifier);
    await this.next(
      (f) => f.identifier === identifier && f.type === "confirm_subscription",
      `confirm of ${identifier}`,
    );
  }

  /** Frames received so far that match, taken or not. */
  all(predicate: (frame: Record<string, unknown>) => boolean): Record<string, unknown>[] {
    return (this.frames as Record<string, unknown>[]).filter((f) => typeof f === "object" && predicate(f));
  }

  /** The first frame not yet taken that matches, waiting up to `timeoutMs` for it. */
  next(
    predicate: (frame: Record<string, unknown>) => boolean,
    description: string,
    timeoutMs = 5000,
  ): Promise<Record<string, unknown>> {
    const find = () => {
      for (let i = 0; i < this.frames.length; i++) {
        const frame = this.frames[i] as Record<string, unknown>;
        if (this.#taken.has(i) || typeof frame !== "object" || frame === null || Buffer.isBuffer(frame))
          continue;
        if (predicate(frame)) {
          this.#taken.add(i);
          return frame;
        }
      }
      return undefined;
    };
    const found = find();
    if (found) return Promise.resolve(found);
    let wake!: () => void;
    const waiting = new Promise<Record<string, unknown>>((resolve, reject) => {
      wake = () => {
        const frame = find();
        if (frame) {
          // Leave at once: a later frame of the same batch must not be taken by a settled waiter.
          this.#waiters.delete(wake);
          resolve(frame);
        } else if (this.socket.readyState === WebSocket.CLOSED) {
          reject(
            new Error(`socket closed while waiting for ${description}; got ${JSON.stringify(this.frames)}`),
          );
        }
      };
      this.#waiters.add(wake);
    });
    return withDeadline(
      waiting,
      `${description}; got ${JSON.stringify(this.frames).slice(0, 600)}`,
      timeoutMs,
    ).finally(() => this.#waiters.delete(wake));
  }

  close(): void {
    this.socket.close();
  }
}

/** The identifier the Rails client would send for these params: `JSON.stringify` in insertion order. */
export function identifier(params: Record<string, unknown>): string {
  return JSON.stringify(params);
}
