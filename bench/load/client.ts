/** What travels in every relayed message: same shape and size for every server under test. */
export interface RelayBody {
  /** Send time on the load generator's clock (`performance.now()`, ms). */
  t: number;
  /** Which token of the pair (closed loop) or which broadcast (fan-out). */
  k: number;
  /** Filler shaped like an ICE candidate, so frames have the size of real signaling. */
  c: string;
}

/** Called for every relayed message a client receives. */
export type Deliver = (from: string, body: RelayBody) => void;

/** One connected bench client, whatever the server's protocol. */
export interface BenchClient {
  readonly id: string;
  /** Sends `body` to the client(s) named `to`, in the server's own idiom. */
  send(to: string, body: RelayBody): void;
  /** Closes the socket; resolves once it is closed. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  port: number;
  id: string;
  deliver: Deliver;
  /**
   * `accepted`: resolve as soon as the server has accepted the connection (cable `welcome`,
   * PeerServer `OPEN`, Socket.IO `connect`, ws `open`). `ready`: also able to receive relayed
   * messages (the cable subscription confirmed), which is what a real idle client is.
   */
  until: "accepted" | "ready";
}

/** Connects one client of one server kind. Rejects with the reason if the server refuses it. */
export type Connect = (options: ConnectOptions) => Promise<BenchClient>;

/** A candidate line of typical length (about 110 bytes). */
export const CANDIDATE_FILLER =
  "candidate:842163049 1 udp 1677729535 10.233.0.1 58231 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag";

const CONNECT_DEADLINE_MS = 15_000;

/** Rejects `promise` naming `what` if it has not settled in time: a stuck handshake fails loudly. */
export function withDeadline<T>(promise: Promise<T>, what: string, ms = CONNECT_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
