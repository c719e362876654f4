// A Node member that counts the frames of its host's video, in a process of its own:
// `node --import tsx test/support/node_media_probe.ts BASE SESSION`. It prints one JSON line when
// connected, one when 30 frames are decoded, then closes and exits with process.exit(): a process
// that received a video track through @roamhq/wrtc 0.10.0 and ends by draining its event loop
// crashes (SIGSEGV) in the module's teardown (docs/node.md), which would fail the whole test file.
import { createRequire } from "node:module";
import { joinNodePeer } from "./node_peer.js";

type VideoSinkClass = new (
  track: MediaStreamTrack,
) => { onframe: ((event: { frame: { width: number; height: number } }) => void) | null; stop(): void };

const { RTCVideoSink } = (
  createRequire(import.meta.url)("@roamhq/wrtc") as { nonstandard: { RTCVideoSink: VideoSinkClass } }
).nonstandard;
const [base, session] = process.argv.slice(2) as [string, string];
const bot = await joinNodePeer(base, "bot", session);
let frames = 0;
bot.session.on("stream", ({ peerId, stream }) => {
  const [track] = stream.getVideoTracks();
  if (!track) return;
  const sink = new RTCVideoSink(track);
  sink.onframe = ({ frame }) => {
    frames += 1;
    if (frames !== 30) return;
    console.log(JSON.stringify({ type: "frames", peerId, frames, size: `${frame.width}x${frame.height}` }));
    sink.stop();
    bot.session.close();
    process.exit(0);
  };
});
await bot.allConnected(["host", "bot"], 30_000);
console.log(JSON.stringify({ type: "connected" }));
