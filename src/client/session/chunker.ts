import { P2pError, Reasons } from "../../protocol/errors.js";

/**
 * Session data channel framing. A message (see message_codec.ts) of any size is cut into frames of
 * at most `chunkSize` bytes, each sent as one binary RTCDataChannel message:
 *
 *   [u8 flags][payload]      flags bit 0 = 1 on the last frame of its message, 0 when more follow
 *
 * The channel is ordered and reliable and a sender never interleaves two messages, so frames need
 * no message id: the receiver appends payloads until a last frame completes the message.
 * Backpressure: the sender hands frames to the channel only while `bufferedAmount` is at most
 * `highWaterMark`, then waits for `bufferedamountlow` (threshold `lowWaterMark`). It queues, never drops.
 */
export interface DataChannelLike {
  readonly readyState: RTCDataChannelState;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  /** Hands one frame to the channel. */
  send(data: ArrayBuffer): void;
  /** As `RTCDataChannel`'s, for the three events the sender waits on. */
  addEventListener(type: "open" | "close" | "bufferedamountlow", listener: () => void): void;
  /** As `RTCDataChannel`'s. */
  removeEventListener(type: "open" | "close" | "bufferedamountlow", listener: () => void): void;
}

/** Framing of large messages over a data channel: chunk size, back-pressure marks and the largest message. */
export interface ChunkerOptions {
  /** Bytes per frame, flag byte included. Default 16 KiB. */
  chunkSize?: number;
  /** Stop handing frames over above this many buffered bytes. Default 1 MiB. */
  highWaterMark?: number;
  /** Resume once the buffer drains to this. Default 256 KiB. */
  lowWaterMark?: number;
  /** Largest message the receiver reassembles. Default 64 MiB. */
  maxMessageBytes?: number;
}

/** Defaults of `ChunkerOptions`: 16 KiB chunks, pausing above 1 MiB buffered and resuming below 256 KiB, 64 MiB messages at most. */
export const chunkerDefaults = {
  chunkSize: 16 * 1024,
  highWaterMark: 1024 * 1024,
  lowWaterMark: 256 * 1024,
  maxMessageBytes: 64 * 1024 * 1024,
} as const;

const LAST = 0x01;

interface Outgoing {
  bytes: Uint8Array | Promise<Uint8Array>;
  offset: number;
  resolve(): void;
  reject(error: unknown): void;
}

/** Sends whole messages over one data channel as frames, in order, honouring `bufferedAmount`. */
export class FrameSender {
  readonly #channel: DataChannelLike;
  readonly #chunkSize: number;
  readonly #highWaterMark: number;
  readonly #queue: Outgoing[] = [];
  #pumping = false;
  #closed = false;
  #handed = 0;

  constructor(channel: DataChannelLike, options: ChunkerOptions = {}) {
    this.#channel = channel;
    this.#chunkSize = Math.max(2, options.chunkSize ?? chunkerDefaults.chunkSize);
    this.#highWaterMark = options.highWaterMark ?? chunkerDefaults.highWaterMark;
    channel.bufferedAmountLowThreshold = options.lowWaterMark ?? chunkerDefaults.lowWaterMark;
    channel.addEventListener("open", this.#pump);
    channel.addEventListener("bufferedamountlow", this.#pump);
    channel.addEventListener("close", this.#onClose);
  }

  /** Queues one message; resolves once its last frame is handed to the channel. */
  send(bytes: Uint8Array | Promise<Uint8Array>): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ bytes, offset: 0, resolve, reject });
      void this.#pump();
    });
  }

  /** Messages queued and not yet fully handed to the channel. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Stops sending; queued messages are rejected with `channel_closed`. Idempotent. */
  close(cause?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#channel.removeEventListener("open", this.#pump);
    this.#channel.removeEventListener("bufferedamountlow", this.#pump);
    this.#channel.removeEventListener("close", this.#onClose);
    for (const item of this.#queue.splice(0)) item.reject(closedError(cause));
  }

  /** Bytes the channel has taken off its buffer so far: it grows while the other side takes data. */
  get progress(): number {
    return this.#handed - this.#channel.bufferedAmount;
  }

  #onClose = (): void => this.close();

  #pump = async (): Promise<void> => {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0 && !this.#closed && this.#channel.readyState === "open") {
        const item = this.#queue[0]!;
        let bytes: Uint8Array;
        try {
          bytes = await item.bytes;
        } catch (error) {
          this.#queue.shift();
          item.reject(error);
          continue;
        }
        if (this.#closed) return;
        item.bytes = bytes;
        while (item.offset < bytes.byteLength) {
          if (this.#channel.bufferedAmount > this.#highWaterMark || this.#channel.readyState !== "open")
            return;
          const end = Math.min(bytes.byteLength, item.offset + this.#chunkSize - 1);
          const frame = new Uint8Array(1 + end - item.offset);
          frame[0] = end === bytes.byteLength ? LAST : 0;
          frame.set(bytes.subarray(item.offset, end), 1);
          this.#channel.send(frame.buffer);
          this.#handed += frame.byteLength;
          item.offset = end;
        }
        this.#queue.shift();
        item.resolve();
      }
    } catch (error) {
      // send() throws once the channel is closing: everything still queued goes with it.
      this.close(error);
    } finally {
      this.#pumping = false;
    }
  };
}

/**
 * Cuts one message into frames of at most `chunkSize` bytes (flag byte included), as `FrameSender`
 * hands them to a data channel: for a path that is not a data channel (the cable relay).
 */
export function cutFrames(bytes: Uint8Array, chunkSize: number): Uint8Array[] {
  const size = Math.max(2, chunkSize) - 1;
  const frames: Uint8Array[] = [];
  let offset = 0;
  do {
    const end = Math.min(bytes.byteLength, offset + size);
    const frame = new Uint8Array(1 + end - offset);
    frame[0] = end === bytes.byteLength ? LAST : 0;
    frame.set(bytes.subarray(offset, end), 1);
    frames.push(frame);
    offset = end;
  } while (offset < bytes.byteLength);
  return frames;
}

/** Reassembles frames into messages. Throws `invalid_message` on a frame it cannot use. */
export class FrameReceiver {
  readonly #maxMessageBytes: number;
  #parts: Uint8Array[] = [];
  #size = 0;
  #discarding = false;

  constructor(options: ChunkerOptions = {}) {
    this.#maxMessageBytes = options.maxMessageBytes ?? chunkerDefaults.maxMessageBytes;
  }

  /** Whether part of a message has arrived and the rest is due. */
  get receiving(): boolean {
    return this.#parts.length > 0 || this.#discarding;
  }

  /** Takes one frame; returns the message it completes, or `null` while more frames are due. */
  push(frame: ArrayBuffer | ArrayBufferView | string): Uint8Array | null {
    if (typeof frame === "string")
      throw new P2pError(Reasons.invalidMessage, "Session frame is text, expected binary");
    const bytes = ArrayBuffer.isView(frame)
      ? new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength)
      : new Uint8Array(frame);
    if (bytes.byteLength === 0) throw new P2pError(Reasons.invalidMessage, "Session frame is empty");
    const last = (bytes[0]! & LAST) === LAST;
    const payload = bytes.subarray(1);
    if (this.#discarding) {
      if (last) this.#discarding = false;
      return null;
    }
    if (this.#size + payload.byteLength > this.#maxMessageBytes) {
      this.#reset();
      this.#discarding = !last;
      throw new P2pError(
        Reasons.messageTooBig,
        `Session message exceeds ${this.#maxMessageBytes} bytes: dropped by the receiver`,
      );
    }
    if (last && this.#parts.length === 0) return payload.slice();
    this.#parts.push(payload.slice());
    this.#size += payload.byteLength;
    if (!last) return null;
    const message = new Uint8Array(this.#size);
    let offset = 0;
    for (const part of this.#parts) {
      message.set(part, offset);
      offset += part.byteLength;
    }
    this.#reset();
    return message;
  }

  #reset(): void {
    this.#parts = [];
    this.#size = 0;
  }
}

function closedError(cause?: unknown): P2pError {
  return new P2pError(Reasons.channelClosed, "The data channel closed before the message was sent", {
    cause,
  });
}
