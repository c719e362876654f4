/**
 * Who is in each mesh room, shared by every server process, so a room's size can be capped.
 * Contract (proven for each implementation by test/support/room_store_contract.ts):
 * - a `join` that would exceed `maxMembers` live members throws `P2pError` with reason
 *   `room_full` and changes nothing; any number of concurrent joins admit at most `maxMembers`;
 * - a client already in the room counts once: joining again renews its lease and makes `joinId`
 *   its current membership;
 * - memberships are **leases** (docs/protocol.md, "Room size"): `refresh` extends one; a member
 *   whose lease lapsed is gone, silently, and frees its place, so a crashed server's members do not
 *   count for long;
 * - `leave` frees the place at once (with `joinId`, only if that is still the current membership).
 */
export interface RoomStore {
  /** Adds `clientId` to the room (or renews it), atomically across processes. */
  join(roomId: string, clientId: string, options?: RoomJoinOptions): Promise<RoomJoinResult>;
  /**
   * Extends the lease of `clientId` to `leaseMs` from now (default `storeDefaults.leaseMs`). False
   * when it is not a member: it left, or its lease lapsed (then only a `join` brings it back).
   */
  refresh(roomId: string, clientId: string, leaseMs?: number): Promise<boolean>;
  /** Removes `clientId` from the room; false when it was not a member (or not with `joinId`). */
  leave(roomId: string, clientId: string, options?: RoomLeaveOptions): Promise<boolean>;
  /** The live members, sorted by id; empty when the room does not exist. */
  members(roomId: string): Promise<string[]>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Limits of one `RoomStore.join`. */
export interface RoomJoinOptions {
  /** Most live members the room holds. Default: unlimited. */
  maxMembers?: number;
  /** Milliseconds the membership lasts without a `refresh`. Default `storeDefaults.leaseMs`. */
  leaseMs?: number;
  /**
   * Names this membership, so that only its own `leave` removes it (an older subscription of the
   * same client closing late leaves the newer one in place). Default a random UUID.
   */
  joinId?: string;
}

/** The room after a successful join. */
export interface RoomJoinResult {
  /** Live members after the join, the joiner included, sorted by id. */
  members: string[];
}

/** Options of `RoomStore.leave`. */
export interface RoomLeaveOptions {
  /** Leave only if this is the client's current membership; otherwise nothing changes. */
  joinId?: string;
}
