import { P2pError, Reasons } from "../../protocol/errors.js";
import type { Logger } from "../../protocol/logger.js";
import type { RelayLimits } from "../../protocol/session_messages.js";
import { cutFrames, FrameReceiver } from "./chunker.js";
import { Heartbeat, relayedHeartbeat } from "./heartbeat.js";
import { type DecodedMessage, decodeMessage, encodeMessage } from "./message_codec.js";
import type { EncodedMessage } from "./outbox.js";
import { RelayPacer } from "./relay_pacer.js";
import type { Clock, HeartbeatOptions } from "./types.js";

/** One frame for the cable, as the `relay` action carries it. */
export interface RelayFrame {
  to: string;
  join: string;
  seq: number;
  data: string;
}

/** The part of a `PeerLink` a path sends on once its data channel is open. */
export interface OpenLink {
  send(bytes: EncodedMessage): Promise<void>;
}

export interface DataPathOptions {
  /** The peer at the other end. */
  peerId: string;
  /** The member's join id this path belongs to: frames naming another are not this path's. */
  join: string;
  /** The server's relay limits (from `ready`); `null` when it does not relay: then only the link carries. */
  relay: RelayLimits | null;
  clock: Clock;
  logger: Logger;
  /** Performs one `relay`; `false` when the cable cannot take it now (it is tried again later). */
  perform(frame: RelayFrame): boolean;
  /** Paces every path of this page's cable socket together (the socket's own frame limit), besides this path's own pacer. */
  socketPacer?: RelayPacer;
  /** One message from the other end, in the order it was sent, once. */
  deliver(message: DecodedMessage): void;
  error(error: P2pError): void;
  /** The link is open and the cable has nothing left to carry on this path, either way. */
  settled?(): void;
}

/** A message `send` took and has not handed over yet; `close` gives them back for the next path. */
export interface PendingMessage {
  bytes: EncodedMessage;
  resolve(): void;
  reject(error: unknown): void;
}

interface Relaying extends PendingMessage {
  frames: string[];
  first: number;
  next: number;
}

// A frame not performed because the cable was away is tried again after this long.
const RETRY_MS = 250;
// Frames kept after they were performed, to send again one the server refused as over its rate.
const HELD_FRAMES = 1024;
// Frames from the cable held while an earlier one is missing, at most.
const MAX_EARLY_FRAMES = 4096;
// The data channel's messages wait at most this long for cable frames that should come before
// them: frames the server refused for good (the session changed under them) never come.
const LINK_WAIT_MS = 10_000;

/**
 * The messages between the host and one member, in both directions, over whichever way is open:
 * through the cable (`relay`, frames numbered from 0 and paced below the server's limits) until the
 * data channel opens, over the data channel after. The switch loses, duplicates and reorders
 * nothing: the first message on the channel is a mark (`sq`) naming the first frame number the
 * cable did not carry, and the receiver holds the channel's messages until every frame below it
 * has arrived. Frames arriving twice or out of order are put right by their number.
 */
export class DataPath {
  readonly peerId: string;
  readonly join: string;
  readonly #options: DataPathOptions;
  #relay: RelayLimits | null;
  readonly #pacer: RelayPacer | null;
  readonly #chunkSize: number;
  #link: OpenLink | null = null;
  #closed = false;
  // ── sending ──
  readonly #queue: PendingMessage[] = [];
  #current: Relaying | null = null;
  readonly #resend: number[] = [];
  readonly #held = new Map<number, string>();
  #seq = 0;
  #timer: unknown = null;
  #pumping = false;
  #settledTold = false;
  // ── receiving ──
  #expected = 0;
  readonly #early = new Map<number, string>();
  readonly #receiver = new FrameReceiver();
  #linkAfter: number | null = null;
  readonly #linkWaiting: DecodedMessage[] = [];
  #linkTimer: unknown = null;
  /** While the peer is `relayed`: beats through the cable, heard from every frame that comes through it. */
  #beat: Heartbeat | null = null;

  constructor(options: DataPathOptions) {
    this.peerId = options.peerId;
    this.join = options.join;
    this.#options = options;
    this.#relay = options.relay;
    this.#pacer = options.relay ? new RelayPacer(options.relay, options.clock) : null;
    this.#chunkSize = options.relay ? Math.floor(options.relay.maxBytes / 4) * 3 : 0;
  }

  /** Whether a message sent now goes somewhere at once: the link is open, or the cable relays. */
  get usable(): boolean {
    return this.#link !== null || this.#relay !== null;
  }

  /** Whether the link is open and the cable has nothing left to send or receive on this path. */
  get settled(): boolean {
    return (
      this.#link !== null &&
      this.#current === null &&
      this.#resend.length === 0 &&
      this.#queue.length === 0 &&
      (this.#options.relay === null || (this.#linkAfter !== null && this.#expected >= this.#linkAfter))
    );
  }

  /** Sends one message; resolves once it is handed to the link or its last frame to the cable. */
  send(bytes: EncodedMessage): Promise<void> {
    if (this.#closed) return Promise.reject(closedError(this.peerId));
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ bytes, resolve, reject });
      void this.#pump();
    });
  }

  /** Takes over messages another path of this peer did not hand over (they go first). */
  adopt(pending: PendingMessage[]): void {
    this.#queue.unshift(...pending);
    void this.#pump();
  }

  /** The data channel opened: the mark goes first on it, then everything the cable has not begun. */
  linkOpened(link: OpenLink): void {
    if (this.#closed || this.#link === link) return;
    this.#link = link;
    if (this.#options.relay) {
      link.send(encodeMessage({ t: "sq", q: this.#seq }) as Uint8Array).catch((error) => {
        this.#options.logger.warn("sequence mark lost with the channel", {
          peer: this.peerId,
          error: String(error),
        });
      });
    }
    void this.#pump();
  }

  /**
   * While the peer is `relayed` (the link's own beats need an open link): beats through the cable
   * every `options.intervalMs`, and calls `silent` once nothing came through it for
   * `max(options.idleTimeoutMs, 15 s)`. Until `stopBeating` or `close`; a second call does nothing.
   */
  beatThroughCable(options: HeartbeatOptions, silent: (silentForMs: number) => void): void {
    if (this.#closed || this.#beat) return;
    this.#beat = new Heartbeat(relayedHeartbeat(options), this.#options.clock, {
      beat: () => void this.send(encodeMessage({ t: "hb" }) as Uint8Array).catch(() => undefined),
      silent,
    });
    this.#beat.start();
  }

  stopBeating(): void {
    this.#beat?.stop();
    this.#beat = null;
  }

  /** One frame through the cable, numbered `seq`. */
  receiveRelay(seq: number, data: string): void {
    if (this.#closed) return;
    this.#beat?.heard();
    if (seq < this.#expected || this.#early.has(seq)) return;
    if (this.#early.size >= MAX_EARLY_FRAMES) {
      this.#options.error(
        new P2pError(
          Reasons.invalidMessage,
          `Too many relayed frames from ${this.peerId} wait for frame ${this.#expected}`,
        ),
      );
      return;
    }
    this.#early.set(seq, data);
    for (
      let frame = this.#early.get(this.#expected);
      frame !== undefined;
      frame = this.#early.get(this.#expected)
    ) {
      this.#early.delete(this.#expected);
      this.#expected += 1;
      this.#takeFrame(frame);
    }
    this.#flushLink();
  }

  /** One message from the data channel (a mark, or a message that may have to wait for the cable's). */
  receiveFromLink(message: DecodedMessage): void {
    if (this.#closed) return;
    if (message.envelope.t === "sq") {
      this.#linkAfter = typeof message.envelope.q === "number" ? message.envelope.q : 0;
      this.#flushLink();
      return;
    }
    if (this.#linkAfter !== null && (this.#expected < this.#linkAfter || this.#linkWaiting.length > 0)) {
      this.#linkWaiting.push(message);
      this.#linkTimer ??= this.#options.clock.setTimeout(() => this.#giveUpOnCable(), LINK_WAIT_MS);
      return;
    }
    this.#options.deliver(message);
  }

  /** The server refused frame `seq`: over its rate it goes again, anything else is lost (and said so). */
  refused(seq: number, reason: string, message: string): void {
    if (this.#closed) return;
    if (reason === Reasons.relayLimited && this.#held.has(seq)) {
      this.#options.logger.info("relayed frame refused over the rate: sending it again", {
        peer: this.peerId,
        seq,
      });
      this.#resend.push(seq);
      this.#resend.sort((a, b) => a - b);
      this.#later(RETRY_MS);
      return;
    }
    if (reason === Reasons.relayDisabled) this.#relay = null;
    this.#options.error(new P2pError(asRelayReason(reason), message));
  }

  /** Stops; returns the messages not handed over yet (a message half through the cable whole), for the next path. */
  close(): PendingMessage[] {
    if (this.#closed) return [];
    this.#closed = true;
    this.#clearTimer();
    this.stopBeating();
    if (this.#linkTimer !== null) this.#options.clock.clearTimeout(this.#linkTimer);
    const current = this.#current;
    this.#current = null;
    const pending = this.#queue.splice(0);
    return current ? [current, ...pending] : pending;
  }

  // ── sending ──

  #pump = async (): Promise<void> => {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    try {
      while (!this.#closed) {
        if (this.#resend.length > 0 || this.#current) {
          if (!this.#relayFrame()) return;
          continue;
        }
        const head = this.#queue[0];
        if (!head) break;
        if (this.#link) {
          const link = this.#link;
          for (const item of this.#queue.splice(0)) link.send(item.bytes).then(item.resolve, item.reject);
          break;
        }
        if (!this.#relay) return; // waits for the link
        let bytes: Uint8Array;
        try {
          bytes = await head.bytes;
        } catch (error) {
          this.#queue.shift();
          head.reject(error);
          continue;
        }
        if (this.#closed || this.#link) continue; // the link opened meanwhile: the message goes there
        this.#queue.shift();
        const frames = cutFrames(bytes, this.#chunkSize).map(toBase64);
        this.#current = { ...head, frames, first: this.#seq, next: this.#seq };
        this.#seq += frames.length;
      }
    } finally {
      this.#pumping = false;
    }
    this.#checkSettled();
  };

  /** Performs the next frame (one to send again first); `false` when it has to wait. */
  #relayFrame(): boolean {
    const relay = this.#relay;
    const resend = this.#resend[0];
    const current = this.#current;
    const seq = resend ?? current!.next;
    const data = resend !== undefined ? this.#held.get(resend) : current!.frames[seq - current!.first];
    if (!relay || data === undefined) {
      // Nothing can carry it any more (the server stopped relaying): the message is lost.
      this.#resend.length = 0;
      if (current) {
        this.#current = null;
        current.reject(
          new P2pError(Reasons.relayDisabled, `Cannot relay to ${this.peerId}: the server does not relay`),
        );
      }
      return true;
    }
    const socket = this.#options.socketPacer;
    const wait = Math.max(this.#pacer!.delay(data.length), socket?.delay(data.length) ?? 0);
    if (wait > 0) return this.#later(wait);
    if (!this.#options.perform({ to: this.peerId, join: this.join, seq, data })) return this.#later(RETRY_MS);
    this.#pacer!.spend(data.length);
    socket?.spend(data.length);
    this.#held.set(seq, data);
    if (this.#held.size > HELD_FRAMES) this.#held.delete(this.#held.keys().next().value!);
    if (resend !== undefined) {
      this.#resend.shift();
    } else if (++current!.next === current!.first + current!.frames.length) {
      this.#current = null;
      current!.resolve();
    }
    return true;
  }

  #later(ms: number): false {
    if (this.#timer === null) {
      this.#timer = this.#options.clock.setTimeout(() => {
        this.#timer = null;
        void this.#pump();
      }, ms);
    }
    return false;
  }

  #clearTimer(): void {
    if (this.#timer === null) return;
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  // ── receiving ──

  #takeFrame(frame: string): void {
    try {
      const bytes = this.#receiver.push(fromBase64(frame));
      if (bytes) this.#options.deliver(decodeMessage(bytes));
    } catch (error) {
      this.#options.error(
        error instanceof P2pError
          ? error
          : new P2pError(Reasons.invalidMessage, `Bad relayed frame from ${this.peerId}`, { cause: error }),
      );
    }
  }

  /** Frames below the mark never came: what the link brought goes on, the loss is reported. */
  #giveUpOnCable(): void {
    this.#linkTimer = null;
    if (this.#closed || this.#linkAfter === null || this.#expected >= this.#linkAfter) return;
    const missing = this.#linkAfter - this.#expected;
    this.#options.logger.warn("relayed frames never arrived: going on without them", {
      peer: this.peerId,
      missing,
    });
    this.#options.error(
      new P2pError(
        Reasons.channelClosed,
        `${missing} relayed frames from ${this.peerId} never arrived: their messages are lost`,
      ),
    );
    this.#expected = this.#linkAfter;
    this.#early.clear();
    this.#flushLink();
  }

  #flushLink(): void {
    if (this.#linkAfter === null || this.#expected < this.#linkAfter) return;
    if (this.#linkTimer !== null) {
      this.#options.clock.clearTimeout(this.#linkTimer);
      this.#linkTimer = null;
    }
    for (const message of this.#linkWaiting.splice(0)) this.#options.deliver(message);
    this.#checkSettled();
  }

  #checkSettled(): void {
    if (this.#settledTold || this.#closed || !this.settled) return;
    this.#settledTold = true;
    this.#options.settled?.();
  }
}

function closedError(peerId: string): P2pError {
  return new P2pError(Reasons.channelClosed, `No path to ${peerId} any more`);
}

function asRelayReason(
  reason: string,
): typeof Reasons.relayDisabled | typeof Reasons.relayTooLarge | typeof Reasons.relayLimited {
  if (reason === Reasons.relayDisabled || reason === Reasons.relayTooLarge) return reason;
  return Reasons.relayLimited;
}

/** Base64 of a frame: what the cable's JSON carries. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.byteLength; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** A frame back from base64; throws on text that is not base64. */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
