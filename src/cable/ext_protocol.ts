/**
 * AnyCable's extended Action Cable protocol (`actioncable-v1-ext-json`): the commands and frames it
 * adds to the plain one (session restore, stream history, pongs, whispers). Pure functions, like
 * protocol.ts. See ../shared/reference/ext-protocol.md and AnyCable's "Action Cable Extended
 * protocol" page.
 */
import { randomBytes } from "node:crypto";
import type { StreamPosition } from "../pubsub/adapter.js";
import { type Command, commandOf, type ParseResult, quote } from "./protocol.js";

export { EXT_PROTOCOL } from "./protocol.js";

/** A `history` request: per stream, the last position the client has; `since` for the others. */
export interface HistoryRequest {
  readonly since?: number;
  readonly streams: ReadonlyMap<string, StreamPosition>;
  /**
   * Set by the server on a `history` command (a restore), never read from the wire: `since` goes
   * no further back than the subscription itself, so a broadcast to an earlier subscription of the
   * same streams in the same second is not replayed to this one.
   */
  readonly fromSubscription?: boolean;
}

export type ExtCommand =
  | Command
  | { command: "subscribe"; identifier: string; history: HistoryRequest }
  | { command: "history"; identifier: string; history: HistoryRequest }
  | { command: "whisper"; identifier: string; data: unknown }
  | { command: "pong" }
  | { command: "ping" };

export type ExtParseResult = { ok: true; value: ExtCommand } | { ok: false; error: string };

/** Parses one text frame of an extended-protocol socket: the plain commands and the extended ones. */
export function parseExtCommand(raw: string): ExtParseResult {
  let frame: unknown;
  try {
    frame = JSON.parse(raw);
  } catch {
    return { ok: false, error: `frame is not JSON: ${quote(raw)}` };
  }
  if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
    return { ok: false, error: `frame is not a JSON object: ${quote(raw)}` };
  }
  const { command, identifier } = frame as Record<string, unknown>;
  if (command === "pong" || command === "ping") return { ok: true, value: { command } };
  const extended = command === "history" || command === "whisper";
  if (!extended) {
    const plain: ParseResult = commandOf(frame as Record<string, unknown>);
    if (!plain.ok || plain.value.command !== "subscribe" || !("history" in frame)) return plain;
  }
  if (typeof identifier !== "string")
    return { ok: false, error: `${quote(command)} without a string identifier` };
  if (command === "whisper") {
    const data = (frame as Record<string, unknown>).data;
    if (typeof data !== "object" || data === null)
      return { ok: false, error: "whisper without a data object" };
    return { ok: true, value: { command, identifier, data } };
  }
  const history = parseHistory((frame as Record<string, unknown>).history);
  if (!history.ok) return history;
  return {
    ok: true,
    value: { command: command as "history" | "subscribe", identifier, history: history.value },
  };
}

function parseHistory(value: unknown): { ok: true; value: HistoryRequest } | { ok: false; error: string } {
  const streams = new Map<string, StreamPosition>();
  if (value === undefined || value === null) return { ok: true, value: { streams } };
  if (typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, error: `history is not an object: ${quote(value)}` };
  }
  const { since, streams: given } = value as Record<string, unknown>;
  // `false` is what AnyCable's client sends with its history timestamp turned off: no `since`.
  if (
    since !== undefined &&
    since !== null &&
    since !== false &&
    !(typeof since === "number" && Number.isFinite(since))
  ) {
    return { ok: false, error: `history.since is not a number: ${quote(since)}` };
  }
  if (given !== undefined && given !== null) {
    if (typeof given !== "object" || Array.isArray(given)) {
      return { ok: false, error: `history.streams is not an object: ${quote(given)}` };
    }
    for (const [stream, position] of Object.entries(given as Record<string, unknown>)) {
      const { epoch, offset } = (position ?? {}) as Record<string, unknown>;
      if (typeof epoch !== "string" || !(Number.isInteger(offset) && (offset as number) >= 0)) {
        return {
          ok: false,
          error: `history of ${quote(stream)} needs an epoch and an offset: ${quote(position)}`,
        };
      }
      streams.set(stream, { epoch, offset: offset as number });
    }
  }
  return { ok: true, value: typeof since === "number" ? { since, streams } : { streams } };
}

// Frames to the client.

export function extWelcomeFrame(sid: string, restoredIds?: readonly string[]): string {
  return restoredIds
    ? JSON.stringify({ type: "welcome", sid, restored: true, restored_ids: restoredIds })
    : JSON.stringify({ type: "welcome", sid });
}

/** A broadcast with its place in the stream: `payloadJson` is already JSON text. */
export function positionedFrame(
  identifierJson: string,
  payloadJson: string,
  stream: string,
  position: StreamPosition,
): string {
  return `{"identifier":${identifierJson},"message":${payloadJson}${positionSuffix(stream, position)}`;
}

// One broadcast reaches every subscriber of its stream with the same position object: the end of
// its frames is built once, not once per subscriber.
let lastPosition: StreamPosition | undefined;
let lastSuffix = "";

/** `,"stream_id":…,"epoch":…,"offset":…}`: the end of a positioned frame. */
export function positionSuffix(stream: string, position: StreamPosition): string {
  if (position !== lastPosition) {
    lastPosition = position;
    lastSuffix = `,"stream_id":${JSON.stringify(stream)},"epoch":${JSON.stringify(position.epoch)},"offset":${position.offset}}`;
  }
  return lastSuffix;
}

export function confirmHistoryFrame(identifierJson: string): string {
  return `{"identifier":${identifierJson},"type":"confirm_history"}`;
}

export function rejectHistoryFrame(identifierJson: string): string {
  return `{"identifier":${identifierJson},"type":"reject_history"}`;
}

export const PONG = '{"type":"pong"}';

// Whispers travel through the pub/sub like broadcasts, behind a mark no JSON payload starts with,
// naming their sender (this process's tag and the connection id) so that it does not get its own.
const WHISPER = "\u0001";
const PROCESS_TAG = randomBytes(6).toString("base64url");

/** The pub/sub payload of a whisper from connection `senderId`: never kept in history. */
export function whisperPayload(senderId: string, dataJson: string): string {
  return `${WHISPER}${PROCESS_TAG}:${senderId}${WHISPER}${dataJson}`;
}

/** Whether a pub/sub payload is a whisper. */
export function isWhisper(payload: string): boolean {
  return payload.charCodeAt(0) === 1;
}

/** The data of a whisper for connection `receiverId`, or `undefined` when it sent it itself. */
export function whisperFor(receiverId: string, payload: string): string | undefined {
  const end = payload.indexOf(WHISPER, 1);
  if (end < 0 || payload.slice(1, end) === `${PROCESS_TAG}:${receiverId}`) return undefined;
  return payload.slice(end + 1);
}
