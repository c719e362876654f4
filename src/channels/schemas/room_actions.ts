import { z } from "zod";
import { isSafeId } from "../../identity/room_token.js";
import { describe } from "./describe.js";
import { iceCandidate } from "./ice_candidate.js";

// Schemas of the `perform` data of `RoomChannel` and `RoomSignalingChannel` (docs/protocol.md,
// "Rooms"). Client ids end up in stream names and element ids, hence the safe-id check.

/** Longest SDP relayed between room members. */
export const MAX_ROOM_SDP = 32 * 1024;

function clientId(action: string) {
  const error = (issue: { input?: unknown }) =>
    `${action} needs "to": a client id, got ${describe(issue.input)}`;
  return z.string({ error }).refine(isSafeId, { error });
}

/** `greet { to, reply? }`: any `from` is dropped, the greeter is the token's client. */
export const greetAction = z.object({
  to: clientId("greet"),
  reply: z.boolean({ error: 'greet "reply" must be true or false' }).optional(),
});

/** `media { muted, cameraOff }`: the caller's microphone and camera state, both required. */
export const mediaAction = z.object(
  {
    muted: z.boolean({
      error: (issue) => `media "muted" must be true or false, got ${describe(issue.input)}`,
    }),
    cameraOff: z.boolean({
      error: (issue) => `media "cameraOff" must be true or false, got ${describe(issue.input)}`,
    }),
  },
  { error: (issue) => `media needs { muted, cameraOff }, got ${describe(issue.input)}` },
);

const DESCRIPTION_TYPES = ["offer", "answer", "pranswer", "rollback"] as const;

/** An `RTCSessionDescriptionInit`: its type and, but for `rollback`, its SDP. */
export const roomDescription = z.object(
  {
    type: z.enum(DESCRIPTION_TYPES, {
      error: (issue) =>
        `description type must be offer, answer, pranswer or rollback, got ${describe(issue.input)}`,
    }),
    sdp: z
      .string({ error: `description sdp must be a string of at most ${MAX_ROOM_SDP} characters` })
      .max(MAX_ROOM_SDP, { error: `description sdp must be a string of at most ${MAX_ROOM_SDP} characters` })
      .optional(),
  },
  { error: (issue) => `description must be an RTCSessionDescriptionInit, got ${describe(issue.input)}` },
);

/** `signal { to, description? | candidate? }`: one of the two; a description wins if both come. */
export const roomSignalAction = z
  .object({
    to: clientId("signal"),
    description: roomDescription.optional(),
    candidate: iceCandidate.optional(),
  })
  .refine((data) => data.description !== undefined || data.candidate !== undefined, {
    error: "signal needs a description or a candidate",
  });
