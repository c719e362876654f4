import type { Logger } from "../../protocol/logger.js";
import { type VideoCapOptions, videoCapDefaults } from "../../protocol/room_messages.js";

export { type VideoCapOptions, videoCapDefaults };

/** The encoding limits of each video sender: `null` sends as the browser pleases. */
export interface VideoCap {
  maxBitrate: number;
  scaleResolutionDownBy: number;
}

/**
 * The cap for a room of `members` (this page included): `null` up to `capAbove`, else an equal
 * share of `videoUplinkBps` per remote member and the scaled-down resolution.
 *
 * @example
 * videoCapFor(6); // { maxBitrate: 800000, scaleResolutionDownBy: 2 }
 */
export function videoCapFor(members: number, options: VideoCapOptions = {}): VideoCap | null {
  const capAbove = options.capAbove ?? videoCapDefaults.capAbove;
  if (members <= capAbove || members < 2) return null;
  const uplink = options.videoUplinkBps ?? videoCapDefaults.videoUplinkBps;
  return {
    maxBitrate: Math.floor(uplink / (members - 1)),
    scaleResolutionDownBy: options.scaleResolutionDownBy ?? videoCapDefaults.scaleResolutionDownBy,
  };
}

/**
 * Sets `cap` on every video sender of `pc` (or lifts it, for `null`) with `setParameters`, which
 * needs no renegotiation. A sender not negotiated yet has no encodings and is skipped: the room
 * applies the cap again once the connection is up. Failures are logged, never thrown.
 */
export async function applyVideoCap(
  pc: RTCPeerConnection,
  cap: VideoCap | null,
  logger: Logger,
): Promise<void> {
  const senders = pc.getSenders().filter((sender) => sender.track?.kind === "video");
  await Promise.all(
    senders.map(async (sender) => {
      try {
        const parameters = sender.getParameters();
        if (!parameters.encodings?.length) return;
        let changed = false;
        for (const encoding of parameters.encodings) {
          const scale = cap?.scaleResolutionDownBy ?? 1;
          if (encoding.maxBitrate === cap?.maxBitrate && (encoding.scaleResolutionDownBy ?? 1) === scale)
            continue;
          changed = true;
          if (cap) encoding.maxBitrate = cap.maxBitrate;
          else delete encoding.maxBitrate;
          encoding.scaleResolutionDownBy = scale;
        }
        if (changed) await sender.setParameters(parameters);
      } catch (error) {
        logger.warn("video cap not applied", { error: String(error) });
      }
    }),
  );
}
