import { P2pError, Reasons } from "../../protocol/errors.js";
import type { SessionData } from "./types.js";

/**
 * One session message as it travels between two peers, before chunking (see chunker.ts):
 *
 *   [u32 big-endian header length][header: UTF-8 JSON][body bytes]
 *
 * The header is an `Envelope`: `t` says what the message is, `b` how to turn the body back into
 * the value that was sent (so a `Float32Array` arrives as a `Float32Array` and a `Blob` keeps its
 * MIME type), `s` is the sender, stamped by the host.
 */
export interface Envelope {
  /**
   * `d` app data, `st` the whole status map (to a newly connected client), `sd` a status map delta
   * (`{ peerId: state | null }`, `null` = left the map), `rp` replaced (the host tells a client's
   * link that another page of the same peer joined in its place), `sig` negotiation signal (after
   * the channel opened), `hb` heartbeat, `sq` sequence mark (the first message on a data channel
   * after frames went through the cable relay: `q` is the number of the first frame that did not).
   */
  t: "d" | "st" | "sd" | "rp" | "sig" | "hb" | "sq";
  s?: string;
  /** Of `sq`: the cable frames numbered below `q` come before the data channel's messages. */
  q?: number;
  /** Body kind: `s` string, `j` JSON, `ab` ArrayBuffer, `v` typed array or DataView (`n` = its name), `blob` (`ct` = type). */
  b?: "s" | "j" | "ab" | "v" | "blob";
  n?: string;
  ct?: string;
}

export interface DecodedMessage {
  envelope: Envelope;
  body: Uint8Array;
}

const VIEWS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
} as const;
type ViewName = keyof typeof VIEWS;
const MAX_HEADER_BYTES = 64 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Encodes a message without body, or with `data` (async only for a `Blob`). */
export function encodeMessage(envelope: Envelope, data?: SessionData): Uint8Array | Promise<Uint8Array> {
  if (data === undefined) return pack(envelope, new Uint8Array(0));
  if (typeof data === "string") return pack({ ...envelope, b: "s" }, encoder.encode(data));
  if (data instanceof ArrayBuffer) return pack({ ...envelope, b: "ab" }, new Uint8Array(data));
  if (ArrayBuffer.isView(data)) {
    const name = data.constructor.name;
    if (!(name in VIEWS))
      throw new P2pError(Reasons.invalidMessage, `Cannot send a ${name}: not a typed array`);
    return pack(
      { ...envelope, b: "v", n: name },
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
  }
  if (typeof Blob !== "undefined" && data instanceof Blob) {
    return data
      .arrayBuffer()
      .then((buffer) => pack({ ...envelope, b: "blob", ct: data.type }, new Uint8Array(buffer)));
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (error) {
    throw new P2pError(Reasons.invalidMessage, `Cannot send this value: ${String(error)}`, { cause: error });
  }
  if (json === undefined) throw new P2pError(Reasons.invalidMessage, `Cannot send a ${typeof data}`);
  return pack({ ...envelope, b: "j" }, encoder.encode(json));
}

/** Splits message bytes into envelope and body; throws `invalid_message` naming what is wrong. */
export function decodeMessage(bytes: Uint8Array): DecodedMessage {
  if (bytes.byteLength < 4)
    throw new P2pError(Reasons.invalidMessage, `Session message of ${bytes.byteLength} bytes is too short`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  if (headerLength > MAX_HEADER_BYTES || 4 + headerLength > bytes.byteLength) {
    throw new P2pError(
      Reasons.invalidMessage,
      `Session message header of ${headerLength} bytes does not fit`,
    );
  }
  let envelope: Envelope;
  try {
    envelope = JSON.parse(decoder.decode(bytes.subarray(4, 4 + headerLength)));
  } catch (error) {
    throw new P2pError(Reasons.invalidMessage, "Session message header is not JSON", { cause: error });
  }
  if (typeof envelope !== "object" || envelope === null || typeof envelope.t !== "string") {
    throw new P2pError(Reasons.invalidMessage, "Session message header has no type");
  }
  return { envelope, body: bytes.subarray(4 + headerLength) };
}

/** Turns a body back into the value that was sent. */
export function decodeBody({ envelope, body }: DecodedMessage): unknown {
  switch (envelope.b) {
    case undefined:
      return undefined;
    case "s":
      return decoder.decode(body);
    case "j":
      return JSON.parse(decoder.decode(body));
    case "ab":
      return body.slice().buffer;
    case "blob":
      return new Blob([body.slice()], { type: envelope.ct ?? "" });
    case "v": {
      const name = envelope.n as ViewName;
      const View = Object.hasOwn(VIEWS, name) ? VIEWS[name] : undefined;
      if (!View) throw new P2pError(Reasons.invalidMessage, `Unknown typed array "${String(envelope.n)}"`);
      const buffer = body.slice().buffer;
      if (View === DataView) return new DataView(buffer);
      const size = (View as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
      if (buffer.byteLength % size !== 0) {
        throw new P2pError(
          Reasons.invalidMessage,
          `${name} body of ${buffer.byteLength} bytes is not whole elements`,
        );
      }
      return new (View as new (buffer: ArrayBuffer) => ArrayBufferView)(buffer);
    }
    default:
      throw new P2pError(Reasons.invalidMessage, `Unknown body kind "${String(envelope.b)}"`);
  }
}

/** The same message with a new envelope and the same body: how the host stamps `s` before relaying. */
export function reEnvelope(message: DecodedMessage, envelope: Envelope): Uint8Array {
  return pack(envelope, message.body);
}

function pack(envelope: Envelope, body: Uint8Array): Uint8Array {
  const header = encoder.encode(JSON.stringify(envelope));
  const bytes = new Uint8Array(4 + header.byteLength + body.byteLength);
  new DataView(bytes.buffer).setUint32(0, header.byteLength);
  bytes.set(header, 4);
  bytes.set(body, 4 + header.byteLength);
  return bytes;
}
