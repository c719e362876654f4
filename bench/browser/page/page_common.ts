// What both bench pages (ours and PeerJS) offer the orchestrator, and the helpers they share.

/** Epoch milliseconds every page shares. */
export const now = () => performance.timeOrigin + performance.now();

/** Messages received from one sender since the last reset. */
export interface Tally {
  count: number;
  bytes: number;
  lastAt: number;
}

/** Counts one message of `size` bytes from `sender`. */
export function countArrival(tallies: Map<string, Tally>, sender: string, size: number): void {
  const tally = tallies.get(sender) ?? { count: 0, bytes: 0, lastAt: 0 };
  tallies.set(sender, tally);
  tally.count++;
  tally.bytes += size;
  tally.lastAt = now();
}

/** Message `i` of a `sendMany`: binary from 1 KiB, text below. */
export const payload = (i: number, bytes: number): Uint8Array | string =>
  bytes >= 1024 ? new Uint8Array(bytes) : `m${i}:`.padEnd(bytes, "x");

/** Round trips one at a time: sends `ping:<i>` and waits until the page reports it `arrived`. */
export class EchoTimer {
  #waiting: { value: string; resolve: () => void } | null = null;

  /** Whether `value` is the echo awaited now; settles it if so. */
  arrived(value: unknown): boolean {
    const waiting = this.#waiting;
    if (!waiting || waiting.value !== value) return false;
    this.#waiting = null;
    waiting.resolve();
    return true;
  }

  /** Resolves to each round trip's milliseconds. */
  async run(count: number, send: (value: string) => void): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const value = `ping:${i}`;
      const started = performance.now();
      await new Promise<void>((resolve) => {
        this.#waiting = { value, resolve };
        send(value);
      });
      times.push(performance.now() - started);
    }
    return times;
  }
}

/** Who a page is and whom it reaches out to. Ours needs none of it: the signed token says who it is. */
export interface JoinPlan {
  id: string;
  /** PeerServer port (PeerJS only). */
  port?: number;
  /** Ids to open a data connection to (PeerJS: a star client connects to the host). */
  connect?: string[];
  /** Ids to call with camera and microphone (PeerJS mesh). */
  call?: string[];
  /** Get camera and microphone on join (PeerJS mesh). */
  media?: boolean;
  /**
   * Show the local stream and each remote one in `#media`, a remote one as the demo room does
   * (`<div id="medium_<id>"><video autoplay playsinline>`): the room figure (PeerJS).
   */
  show?: boolean;
  /**
   * A message to send to the host as soon as the library lets it (ours: `send` right after the
   * element is inserted, whatever its state; PeerJS: on its DataConnection's `open`).
   */
  first?: string;
}

/**
 * The join of a page that joins as it loads (`?join=now`, the first-message figure): its plan from
 * the query (`id` or ours' `name`, `port`, `connect`, `first`), or undefined for a scheduled join.
 */
export function planFromQuery(): JoinPlan | undefined {
  const query = new URLSearchParams(location.search);
  if (query.get("join") !== "now") return undefined;
  const connect = query.get("connect");
  const port = query.get("port");
  const first = query.get("first");
  return {
    id: query.get("id") ?? query.get("name") ?? "",
    ...(port ? { port: Number(port) } : {}),
    ...(connect ? { connect: [connect] } : {}),
    ...(first !== null ? { first } : {}),
  };
}

export interface BenchPage {
  /** Received messages by sender id. */
  tally: Map<string, Tally>;
  /** Joins (ours: inserts `<p2p-frame>`; PeerJS: `new Peer`) at the epoch-ms instant `at`. */
  join(at: number, plan: JoinPlan): void;
  /** `count` round trips, one in flight; resolves to each one's milliseconds. */
  roundTrips(count: number): Promise<number[]>;
  /**
   * Sends `count` messages of `bytes` bytes (binary from 1 KiB, text below), as fast as the
   * library lets it; resolves to the epoch-ms instant the first was sent.
   */
  sendMany(count: number, bytes: number): Promise<number>;
}

declare global {
  interface Window {
    /** The page's `BenchPage` (ours or PeerJS): the orchestrator casts it to the page's own type. */
    bench?: unknown;
  }
}
