import { Channel } from "../cable/channel.js";
import { P2pError, Reasons } from "../cable/errors.js";
import { isSafeId, type RoomIdentity, roomStreams, verifyRoomToken } from "./room_token.js";

/** A directed SDP or ICE message, as the addressed client receives it. */
export interface RoomSignalMessage {
  type: "signal";
  /** The verified sender: never taken from the client. */
  from: string;
  description?: { type: "offer" | "answer" | "pranswer" | "rollback"; sdp?: string };
  candidate?: Record<string, unknown> | null;
}

const DESCRIPTION_TYPES = new Set(["offer", "answer", "pranswer", "rollback"]);
const MAX_SDP = 32 * 1024;
const MAX_CANDIDATE = 2048;

/**
 * Perfect-negotiation signaling of a room: SDP and ICE go to the addressed client only. Identifier
 * `{"channel":"RoomSignalingChannel","token":"<signed room token>"}`; each client streams from its
 * own `room:<roomId>:signal:<clientId>`, so a message cannot leave the room of the caller's token.
 *
 * Action `signal {to, description?, candidate?}` → `{type:"signal", from, description?, candidate?}`
 * to `to`, with `from` stamped from the token.
 */
export class RoomSignalingChannel extends Channel {
  static override readonly channelName = "RoomSignalingChannel";
  static override readonly actions: readonly string[] = ["signal"];

  #identity: RoomIdentity | undefined;

  override async subscribed(): Promise<void> {
    try {
      this.#identity = verifyRoomToken(this.cable.signer, this.params.token);
    } catch (error) {
      const reason = error instanceof P2pError ? error.reason : Reasons.invalidToken;
      this.logger.info("room signaling subscription rejected", { connection: this.connection.id, reason });
      this.reject(reason, error instanceof Error ? error.message : "invalid room token");
      return;
    }
    await this.streamFrom(roomStreams.signal(this.#identity.roomId, this.#identity.clientId));
  }

  /** Relays one description or candidate to `to`, stamped with the caller's verified id. */
  async signal(data: Record<string, unknown>): Promise<void> {
    const { roomId, clientId } = this.#identity!;
    const { to } = data;
    if (!isSafeId(to)) {
      throw new P2pError(
        Reasons.invalidMessage,
        `signal needs "to": a client id, got ${JSON.stringify(to) ?? "nothing"}`,
      );
    }
    if (to === clientId) throw new P2pError(Reasons.invalidMessage, "a client cannot signal itself");
    const message: RoomSignalMessage = { type: "signal", from: clientId };
    if (data.description !== undefined) message.description = readDescription(data.description);
    else if (data.candidate !== undefined) message.candidate = readCandidate(data.candidate);
    else throw new P2pError(Reasons.invalidMessage, "signal needs a description or a candidate");
    await this.broadcast(roomStreams.signal(roomId, to), message);
  }
}

function readDescription(value: unknown): NonNullable<RoomSignalMessage["description"]> {
  const { type, sdp } = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof type !== "string" || !DESCRIPTION_TYPES.has(type)) {
    throw new P2pError(
      Reasons.invalidMessage,
      `description type must be offer, answer, pranswer or rollback, got ${JSON.stringify(type) ?? "nothing"}`,
    );
  }
  if (sdp !== undefined && (typeof sdp !== "string" || sdp.length > MAX_SDP)) {
    throw new P2pError(
      Reasons.invalidMessage,
      `description sdp must be a string of at most ${MAX_SDP} characters`,
    );
  }
  return { type: type as "offer", ...(sdp === undefined ? {} : { sdp }) };
}

function readCandidate(value: unknown): RoomSignalMessage["candidate"] {
  if (value === null) return null;
  if (typeof value !== "object" || Array.isArray(value) || JSON.stringify(value).length > MAX_CANDIDATE) {
    throw new P2pError(
      Reasons.invalidMessage,
      `candidate must be an RTCIceCandidateInit object or null (at most ${MAX_CANDIDATE} characters)`,
    );
  }
  const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = value as Record<string, unknown>;
  if (typeof candidate !== "string")
    throw new P2pError(Reasons.invalidMessage, "candidate.candidate must be a string");
  return { candidate, sdpMid, sdpMLineIndex, usernameFragment };
}
