import { randomUUID } from "node:crypto";
import type { Signer } from "../cable/signer.js";
import { P2pError, Reasons } from "../protocol/errors.js";

/** The purpose every room token is signed with, so a session token can never open a room. */
export const ROOM_TOKEN_PURPOSE = "room";

/** Who a room subscription speaks for: the server decides both, the client only carries them. */
export interface RoomIdentity {
  readonly roomId: string;
  readonly clientId: string;
}

/** Everything a room page needs to render for one client: its id, its token, its streams. */
export interface RoomClient extends RoomIdentity {
  readonly token: string;
}

// Ids end up in stream names, element ids and CSS selectors: letters, digits, "-" and "_" only.
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether `value` may be used as a room or client id: 1–64 of `A–Z a–z 0–9 - _` (UUIDs fit). */
export function isSafeId(value: unknown): value is string {
  return typeof value === "string" && SAFE_ID.test(value);
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
 *
 * @example
 * const client = issueRoomClient(cable.signer, roomId);
 * html`<div data-controller="room" data-room-client-id-value="${client.clientId}" data-room-token-value="${client.token}">`;
 */
export function issueRoomClient(
  signer: Signer,
  roomId: string,
  options: { expiresIn?: number } = {},
): RoomClient {
  if (!isSafeId(roomId)) {
    throw new P2pError(Reasons.invalidMessage, `Room id "${String(roomId).slice(0, 80)}" is not a safe id`);
  }
  const clientId = randomUUID();
  const token = signer.sign(
    { roomId, clientId },
    { purpose: ROOM_TOKEN_PURPOSE, expiresIn: options.expiresIn ?? 12 * 3600 },
  );
  return { roomId, clientId, token };
}

/**
 * Reads the identity out of a room token. Throws `P2pError` (`invalid_token` / `expired_token`)
 * when the signature, purpose or expiry does not hold, or the signed value is not a room identity.
 */
export function verifyRoomToken(signer: Signer, token: unknown): RoomIdentity {
  const value = signer.verify<Record<string, unknown>>(token, { purpose: ROOM_TOKEN_PURPOSE });
  if (typeof value !== "object" || value === null || !isSafeId(value.roomId) || !isSafeId(value.clientId)) {
    throw new P2pError(Reasons.invalidToken, "room token does not hold a { roomId, clientId } identity");
  }
  return { roomId: value.roomId, clientId: value.clientId };
}
