/**
 * Where a broadcast sits in its stream's history: `offset` counts the stream's broadcasts within
 * one `epoch` (a new epoch begins when the history is lost: a restart of a memory pub/sub, an
 * expired Redis key). The extended protocol's `stream_id` / `epoch` / `offset`.
 */
export interface StreamPosition {
  readonly epoch: string;
  readonly offset: number;
}

/** A broadcast kept in a stream's history. */
export interface HistoryEntry {
  readonly payload: string;
  readonly position: StreamPosition;
}

/**
 * Which part of a stream's history to read: everything after `offset` of `epoch`, or everything
 * broadcast at or after `since` (unix seconds) when the reader knows no offset.
 */
export type HistoryCursor = StreamPosition | { readonly since: number };

/**
 * Receives a broadcast payload: JSON text, exactly as published, and its place in the stream's
 * history when it was published with `publishWithHistory`.
 */
export type PubSubHandler = (payload: string, position?: StreamPosition) => void;

/**
 * Moves a broadcast to every subscriber of a stream, possibly across processes.
 * Contract (proven for each implementation by test/support/pubsub_contract.ts):
 * - `subscribe` resolves once the subscription is live: a publish that starts after it resolves
 *   reaches the handler;
 * - every live handler gets each payload exactly once, in publish order per stream;
 * - the function `subscribe` resolves to removes that one handler, and no payload reaches it after.
 */
export interface PubSub {
  /** Calls `handler` with every payload published on `stream`; resolves, once live, to the function that unsubscribes. */
  subscribe(stream: string, handler: PubSubHandler): Promise<() => Promise<void>>;
  /** Delivers `payload` (JSON text) to every subscriber of `stream`, in every process sharing this pub/sub. */
  publish(stream: string, payload: string): Promise<void>;
  /** Drops every subscription and releases connections. */
  close(): Promise<void>;
  /**
   * Appends `payload` to the stream's bounded history, at the next offset for every process
   * sharing this pub/sub, and publishes it with that position (handlers get it as their second
   * argument). Optional: without it, broadcasts carry no position and `history` is rejected.
   */
  publishWithHistory?(stream: string, payload: string): Promise<StreamPosition>;
  /**
   * The broadcasts after `cursor`, oldest first; `undefined` when they cannot all be given: the
   * epoch is not the stream's, or some were already dropped (too old, or past the length kept).
   */
  readHistory?(stream: string, cursor: HistoryCursor): Promise<HistoryEntry[] | undefined>;
}

/** How much history each stream keeps, for pub/subs that keep one. */
export interface HistoryOptions {
  /** Broadcasts kept per stream. Default 100, as AnyCable. 0 turns history off. */
  historyLimit?: number;
  /** Seconds a broadcast is kept. Default 300, as AnyCable. */
  historyTtlSeconds?: number;
}

/** Defaults of `HistoryOptions`. */
export const historyDefaults = { historyLimit: 100, historyTtlSeconds: 300 } as const;
