import { randomUUID } from "node:crypto";
import type { Signer } from "../cable/signer.js";
import { P2pError, Reasons } from "../protocol/errors.js";

/** The purpose every room token is signed with, so a session token can never open a room. */
export const ROOM_TOKEN_PURPOSE = "room";

/** Who a room subscription speaks for: the server decides all three, the client only carries them. */
export interface RoomIdentity {
  readonly roomId: string;
  readonly clientId: string;
  /**
   * The member's display name, as `roomMemberName` bounds it. Optional for identities built by
   * hand; `issueRoomClient` and `verifyRoomToken` always fill it (default: `shortClientId`).
   */
  readonly name?: string;
}

/** Everything a room page needs to render for one client: its id, its token, its streams. */
export interface RoomClient extends RoomIdentity {
  readonly token: string;
}

/** Longest member name, in code points, after `roomMemberName` cleaned it. */
export const MAX_ROOM_NAME = 40;

// Ids end up in stream names, element ids and CSS selectors: letters, digits, "-" and "_" only.
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether `value` may be used as a room or client id: 1–64 of `A–Z a–z 0–9 - _` (UUIDs fit). */
export function isSafeId(value: unknown): value is string {
  return typeof value === "string" && SAFE_ID.test(value);
}

/** The name of a member who gave none: the first 8 characters of its client id. */
export function shortClientId(clientId: string): string {
  return clientId.slice(0, 8);
}

// Controls (C0, DEL, C1) and line/paragraph separators become spaces; bidi embeddings, overrides,
// isolates and marks go, so a name cannot reorder the text around it (an RTL override); so do
// lone surrogates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const BREAKS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|\p{Cs}/gu;

/**
 * A member name fit for display: controls and bidi formatting removed, whitespace collapsed,
 * trimmed and cut to `MAX_ROOM_NAME` code points. `undefined` when nothing is left (or `raw` is
 * not a string). HTML escaping is still the renderer's job: `<script>` stays `<script>` here.
 */
export function roomMemberName(raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  // Cut long input early: the result keeps at most MAX_ROOM_NAME code points anyway.
  const cleaned = raw
    .slice(0, MAX_ROOM_NAME * 16)
    .replace(BREAKS, " ")
    .replace(BIDI, "")
    .replace(/\s+/g, " ")
    .trim();
  const name = [...cleaned].slice(0, MAX_ROOM_NAME).join("").trim();
  return name === "" ? undefined : name;
}

/** Stream names of a room. Clients never name them: they come from the verified token. */
export const roomStreams = {
  /** Room-wide Turbo Stream HTML (the `remove` of a leaving member's element). */
  room: (roomId: string) => `room:${roomId}`,
  /** Turbo Stream HTML for one client only (the `append` of a greeting member's element). */
  client: (roomId: string, clientId: string) => `room:${roomId}:client:${clientId}`,
  /** Presence messages (`joined`, `left`) of `RoomChannel`. */
  presence: (roomId: string) => `room:${roomId}:presence`,
  /** Directed SDP and ICE for one client, on `RoomSignalingChannel`. */
  signal: (roomId: string, clientId: string) => `room:${roomId}:signal:${clientId}`,
} as const;

/**
 * Assigns a fresh client identity for one page load of a room and signs it. Render `clientId`
 * and `token` into the page, and subscribe its Turbo streams `roomStreams.room` and `.client`.
 * `name` (say, from the page's query) is cleaned by `roomMemberName`; without one, or when nothing
 * of it is left, the member is called by `shortClientId`.
 *
 * @example
 * const client = issueRoomClient(cable.signer, roomId, { name: query.get("name") });
 * html`<div data-controller="room" data-room-client-id-value="${client.clientId}" data-room-token-value="${client.token}">`;
 */
export function issueRoomClient(
  signer: Signer,
  roomId: string,
  options: { expiresIn?: number; name?: string | null } = {},
): RoomClient & { readonly name: string } {
  if (!isSafeId(roomId)) {
    throw new P2pError(Reasons.invalidMessage, `Room id "${String(roomId).slice(0, 80)}" is not a safe id`);
  }
  const clientId = randomUUID();
  const name = roomMemberName(options.name) ?? shortClientId(clientId);
  const token = signer.sign(
    { roomId, clientId, name },
    { purpose: ROOM_TOKEN_PURPOSE, expiresIn: options.expiresIn ?? 12 * 3600 },
  );
  return { roomId, clientId, name, token };
}

/**
 * Reads the identity out of a room token. Throws `P2pError` (`invalid_token` / `expired_token`)
 * when the signature, purpose or expiry does not hold, or the signed value is not a room identity:
 * safe ids, and a `name` that `roomMemberName` leaves as it is. A token without a name (signed
 * before names existed) names its member by `shortClientId`.
 */
export function verifyRoomToken(signer: Signer, token: unknown): RoomIdentity & { readonly name: string } {
  const value = signer.verify<Record<string, unknown>>(token, { purpose: ROOM_TOKEN_PURPOSE });
  if (typeof value !== "object" || value === null || !isSafeId(value.roomId) || !isSafeId(value.clientId)) {
    throw new P2pError(Reasons.invalidToken, "room token does not hold a { roomId, clientId } identity");
  }
  if (value.name !== undefined && roomMemberName(value.name) !== value.name) {
    throw new P2pError(
      Reasons.invalidToken,
      `room token name must be 1–${MAX_ROOM_NAME} characters without controls, got ${JSON.stringify(String(value.name).slice(0, 80))}`,
    );
  }
  const name = typeof value.name === "string" ? value.name : shortClientId(value.clientId);
  return { roomId: value.roomId, clientId: value.clientId, name };
}
