/**
 * The Action Cable wire protocol (`actioncable-v1-json`): frame shapes and the parsing of client
 * commands. Pure functions only, so that "frame in, frames out" is unit-testable.
 * See ../shared/reference/cable-protocol.md for the sources behind every rule here.
 */

export const PROTOCOL = "actioncable-v1-json";
/** AnyCable's extended protocol (ext_protocol.ts), chosen when a client offers it. */
export const EXT_PROTOCOL = "actioncable-v1-ext-json";
export const UNSUPPORTED_PROTOCOL = "actioncable-unsupported";

export type Command =
  | { command: "subscribe"; identifier: string }
  | { command: "unsubscribe"; identifier: string }
  | { command: "message"; identifier: string; data: string };

export type ParseResult = { ok: true; value: Command } | { ok: false; error: string };

const MAX_QUOTE = 80;

/** Shortens a hostile or huge string for a log line. */
export function quote(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}

/** Parses `text` as a JSON object, or says why it is not one; `what` names it in the error. */
function parseObject(
  text: string,
  what: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: `${what} is not JSON: ${quote(text)}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: `${what} is not a JSON object: ${quote(text)}` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** Parses one text frame into a command, or says precisely why it is not one. */
export function parseCommand(raw: string): ParseResult {
  const frame = parseObject(raw, "frame");
  return frame.ok ? commandOf(frame.value) : frame;
}

/**
 * Reads a command out of a frame already parsed as a JSON object: the extended protocol parses
 * each frame once and hands the plain commands here, rather than parsing the text again.
 */
export function commandOf(frame: Record<string, unknown>): ParseResult {
  const { command, identifier, data } = frame;
  if (command !== "subscribe" && command !== "unsubscribe" && command !== "message") {
    return { ok: false, error: `unknown command ${quote(command)}` };
  }
  if (typeof identifier !== "string") {
    return { ok: false, error: `${command} without a string identifier` };
  }
  if (command === "message") {
    if (typeof data !== "string") return { ok: false, error: "message without a string data field" };
    return { ok: true, value: { command, identifier, data } };
  }
  return { ok: true, value: { command, identifier } };
}

/** An inbound socket frame as the connection sees it: a command, or why it is dropped. */
export type Frame<C = Command> =
  | { kind: "command"; command: C }
  | { kind: "binary" }
  | { kind: "oversize" }
  | { kind: "invalid"; error: string };

/**
 * Reads one socket frame: binary ones and those over `maxBytes` are refused before any parsing.
 * `parse` is the protocol's: `parseCommand` for the plain one.
 */
export function readFrame<C = Command>(
  data: Buffer,
  isBinary: boolean,
  maxBytes: number,
  parse: (raw: string) => { ok: true; value: C } | { ok: false; error: string } = parseCommand as never,
): Frame<C> {
  if (isBinary) return { kind: "binary" };
  if (data.length > maxBytes) return { kind: "oversize" };
  const parsed = parse(data.toString("utf8"));
  return parsed.ok ? { kind: "command", command: parsed.value } : { kind: "invalid", error: parsed.error };
}

export type IdentifierResult =
  | { ok: true; channel: string; params: Record<string, unknown> }
  | { ok: false; error: string };

/** Reads `channel` and the params out of an identifier. The identifier itself stays the key, verbatim. */
export function parseIdentifier(identifier: string): IdentifierResult {
  const parsed = parseObject(identifier, "identifier");
  if (!parsed.ok) return parsed;
  const params = parsed.value;
  if (typeof params.channel !== "string" || params.channel === "") {
    return { ok: false, error: `identifier has no channel: ${quote(identifier)}` };
  }
  return { ok: true, channel: params.channel, params };
}

/** Decodes a `message` command's data: a JSON object whose `action` names the channel action. */
export function parseActionData(
  data: string,
): { ok: true; action: string; payload: Record<string, unknown> } | { ok: false; error: string } {
  const parsed = parseObject(data, "message data");
  if (!parsed.ok) return parsed;
  const payload = parsed.value;
  const action = payload.action === undefined || payload.action === "" ? "receive" : payload.action;
  if (typeof action !== "string") return { ok: false, error: `action is not a string: ${quote(action)}` };
  return { ok: true, action, payload };
}

// Frames to the client. Built by string concatenation where it is hot: identifiers are
// echoed verbatim, and a broadcast payload is already JSON.

export const WELCOME = '{"type":"welcome"}';

export function pingFrame(nowMs: number): string {
  return `{"type":"ping","message":${Math.floor(nowMs / 1000)}}`;
}

export function confirmFrame(identifierJson: string): string {
  return `{"identifier":${identifierJson},"type":"confirm_subscription"}`;
}

export function rejectFrame(identifierJson: string): string {
  return `{"identifier":${identifierJson},"type":"reject_subscription"}`;
}

/** `reconnect` is always an explicit boolean: the Rails client treats a missing one as `false`. */
export function disconnectFrame(reason: string, reconnect: boolean): string {
  return JSON.stringify({ type: "disconnect", reason, reconnect });
}

/** `payloadJson` must already be JSON text (a broadcast payload or `JSON.stringify(data)`). */
export function dataFrame(identifierJson: string, payloadJson: string): string {
  return `{"identifier":${identifierJson},"message":${payloadJson}}`;
}

/**
 * Picks the subprotocol the way Rails does: ours if offered, else the sentinel that stops the
 * client. The extended one wins when offered (and `extended` is on): only AnyCable clients offer it.
 */
export function selectProtocol(offered: Set<string>, extended = true): string | false {
  if (extended && offered.has(EXT_PROTOCOL)) return EXT_PROTOCOL;
  if (offered.has(PROTOCOL)) return PROTOCOL;
  if (offered.has(UNSUPPORTED_PROTOCOL)) return UNSUPPORTED_PROTOCOL;
  return false;
}
