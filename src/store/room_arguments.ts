import { randomUUID } from "node:crypto";
import { P2pError, Reasons } from "../protocol/errors.js";
import { checkId, leaseMs } from "./arguments.js";
import type { RoomJoinOptions } from "./room_adapter.js";

// Argument checks shared by both room stores, so that they refuse the same input with the same
// words before anything is stored.

/** A room `join`'s arguments, checked, with defaults applied. */
export interface RoomJoinArguments {
  /** Most live members; `undefined` for unlimited. */
  maxMembers: number | undefined;
  leaseMs: number;
  joinId: string;
}

/** Checks the ids and options of a room `join`; throws `TypeError` naming the culprit. */
export function roomJoinArguments(
  roomId: string,
  clientId: string,
  options: RoomJoinOptions,
): RoomJoinArguments {
  checkRoomMember(roomId, clientId);
  const { maxMembers } = options;
  if (maxMembers !== undefined && !(Number.isInteger(maxMembers) && maxMembers > 0)) {
    throw new TypeError(`maxMembers must be a positive integer, got ${maxMembers}`);
  }
  const joinId = options.joinId ?? randomUUID();
  checkId("joinId", joinId);
  return { maxMembers, leaseMs: leaseMs(options.leaseMs), joinId };
}

/** Throws unless the room and client ids are non-empty strings. */
export function checkRoomMember(roomId: string, clientId: string): void {
  checkId("roomId", roomId);
  checkId("clientId", clientId);
}

/** The `room_full` refusal of a `join`, worded the same by both stores: it names the cap. */
export function roomFull(roomId: string, maxMembers: number | undefined): P2pError {
  const members = maxMembers === 1 ? "member" : "members";
  return new P2pError(
    Reasons.roomFull,
    `Room "${roomId.slice(0, 80)}" is full: ${maxMembers} ${members} at most`,
  );
}

/** Members as both stores list them: sorted by id, so their answers compare equal. */
export function sortedMembers(members: Iterable<string>): string[] {
  return [...members].sort();
}
