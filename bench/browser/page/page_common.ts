// What both bench pages (ours and PeerJS) offer the orchestrator, and the helpers they share.

/** Messages received from one sender since the last reset. */
export interface Tally {
  count: number;
  bytes: number;
  lastAt: number;
}

export const emptyTally = (): Tally => ({ count: 0, bytes: 0, lastAt: 0 });

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

/** Times `count` echoes of `ping:<i>` one after the other. */
export async function echoRoundTrips(
  count: number,
  echo: (value: string) => Promise<void>,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await echo(`ping:${i}`);
    times.push(performance.now() - started);
  }
  return times;
}

declare global {
  interface Window {
    /** The page's `BenchPage` (ours or PeerJS): the orchestrator casts it to the page's own type. */
    bench?: unknown;
  }
}
