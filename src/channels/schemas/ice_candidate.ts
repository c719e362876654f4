import { z } from "zod";
import { signalLimits } from "../../protocol/session_messages.js";
import { describe } from "./describe.js";

const MAX_CANDIDATE = signalLimits.maxCandidate;
const MAX_CANDIDATE_FIELD = 256;

const shortString = (name: string) =>
  z
    .string({ error: `candidate.${name} must be a short string or null` })
    .max(MAX_CANDIDATE_FIELD, { error: `candidate.${name} must be a short string or null` })
    .nullable()
    .optional();

/**
 * An `RTCIceCandidateInit`, or `null` (end of candidates). Only its four standard fields are
 * relayed: anything else a client adds is dropped, so nothing unvetted reaches the other peer.
 */
export const iceCandidate = z
  .object(
    {
      candidate: z
        .string({ error: `candidate.candidate must be a string of at most ${MAX_CANDIDATE} characters` })
        .max(MAX_CANDIDATE, {
          error: `candidate.candidate must be a string of at most ${MAX_CANDIDATE} characters`,
        }),
      sdpMid: shortString("sdpMid"),
      sdpMLineIndex: z
        .int({ error: "candidate.sdpMLineIndex must be a integer or null" })
        .min(0, { error: "candidate.sdpMLineIndex must be a integer or null" })
        .max(65535, { error: "candidate.sdpMLineIndex must be a integer or null" })
        .nullable()
        .optional(),
      usernameFragment: shortString("usernameFragment"),
    },
    {
      error: (issue) =>
        issue.input === undefined
          ? 'candidate needs "candidate": an RTCIceCandidateInit or null'
          : `candidate must be an RTCIceCandidateInit or null, got ${describe(issue.input)}`,
    },
  )
  .nullable();

export type IceCandidate = z.output<typeof iceCandidate>;
