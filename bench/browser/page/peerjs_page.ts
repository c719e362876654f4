// The bench page for PeerJS: `peerjs.min.js` (served from node_modules) defines `window.Peer`;
// `bench.join(at, plan)` creates the Peer at the scheduled instant, against the local PeerServer,
// with `config: { iceServers: [] }`. The host echoes `ping:` strings back to their sender. With
// `show`, streams play in `#media` as in the demo room (the room figure's end condition).
import type { DataConnection, Peer as PeerClass } from "peerjs";
import {
  type BenchPage,
  countArrival,
  EchoTimer,
  type JoinPlan,
  now,
  payload,
  planFromQuery,
  type Tally,
} from "./page_common.js";

const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

export interface PeerjsPage extends BenchPage {
  /** When each data connection first opened, by remote id (`open` may fire twice: first wins). */
  opened: Record<string, number>;
  errors: string[];
  /** When the PeerServer confirmed this page's id (`open`). */
  openAt: number | null;
  /** When the plan's `first` message was sent (its DataConnection's `open`). */
  firstSentAt: number | null;
  /**
   * Creates the Peer now, ahead of the join: a mesh registers every id first, as our room pages
   * hold their cable socket before Enter is clicked. A star's pages create theirs on join.
   */
  register(plan: JoinPlan): void;
  /** `join` now, no scheduling: the 4th member of a room gets its media and calls the others. */
  joinNow(plan: JoinPlan): Promise<void>;
}

const connections = new Map<string, DataConnection>();
let peer: PeerClass | undefined;
let show = false;
let startMedia: (stream: Promise<MediaStream>) => void = () => {};
let markOpen: () => void = () => {};
// PeerJS's socket drops (silently) what is sent after it has an id and before the WebSocket is
// open, so offers wait for `open`, as its docs say.
const open = new Promise<void>((resolve) => {
  markOpen = resolve;
});
const media = new Promise<MediaStream>((resolve) => {
  startMedia = (stream) => resolve(stream);
});
const echoes = new EchoTimer();

const page: PeerjsPage = {
  opened: {},
  errors: [],
  tally: new Map<string, Tally>(),
  openAt: null,
  firstSentAt: null,
  register(plan) {
    show = plan.show === true;
    peer = new window.Peer(plan.id, {
      host: "127.0.0.1",
      port: plan.port!,
      path: "/",
      key: "peerjs",
      secure: false,
      debug: Number(new URLSearchParams(location.search).get("debug") ?? 0) as 0,
      config: { iceServers: [] },
    });
    peer.on("open", () => {
      page.openAt ??= now();
      markOpen();
    });
    peer.on("error", (error) => page.errors.push(`${error.type}: ${error.message}`));
    peer.on("connection", adopt);
    // A call can arrive while this page still waits for its camera: answer once it has it.
    peer.on("call", (call) => {
      call.on("stream", (remote) => showStream(call.peer, remote));
      void media.then((stream) => call.answer(stream));
    });
  },
  join(at, plan) {
    setTimeout(() => void page.joinNow(plan), at - now());
  },
  async joinNow(plan) {
    if (!peer) page.register(plan);
    await open;
    if (plan.media) {
      startMedia(navigator.mediaDevices.getUserMedia({ video: true, audio: true }));
      const stream = await media;
      showStream(null, stream);
      for (const id of plan.call ?? [])
        peer!.call(id, stream).on("stream", (remote) => showStream(id, remote));
    }
    for (const id of plan.connect ?? []) {
      const connection = peer!.connect(id, { reliable: true });
      adopt(connection);
      const first = plan.first;
      if (first === undefined) continue;
      // `open` may fire twice: the message goes once.
      connection.on("open", () => {
        if (page.firstSentAt !== null) return;
        page.firstSentAt = now();
        void connection.send(first);
      });
    }
  },
  roundTrips: (count) => echoes.run(count, (value) => void only().send(value)),
  async sendMany(count, bytes) {
    const startedAt = now();
    for (let i = 0; i < count; i++) {
      const message = payload(i, bytes);
      for (const connection of connections.values()) {
        // Keep the channel's buffer between 1 and 4 MiB, as bench/README.md says.
        const channel = connection.dataChannel;
        if (channel.bufferedAmount > HIGH_WATER) {
          channel.bufferedAmountLowThreshold = LOW_WATER;
          await new Promise((resolve) =>
            channel.addEventListener("bufferedamountlow", resolve, { once: true }),
          );
        }
        void connection.send(message);
      }
    }
    return startedAt;
  },
};

function adopt(connection: DataConnection): void {
  connections.set(connection.peer, connection);
  connection.on("open", () => {
    page.opened[connection.peer] ??= now();
  });
  connection.on("data", (data) => {
    countArrival(
      page.tally,
      connection.peer,
      data instanceof ArrayBuffer ? data.byteLength : String(data).length,
    );
    if (typeof data !== "string" || echoes.arrived(data)) return;
    if (data.startsWith("ping:")) void connection.send(data);
  });
}

/**
 * With `show`: plays `stream` in `#media`, the local one muted, a remote one in `#medium_<id>`
 * (PeerJS fires `stream` once per track: the second finds the element). Laid out as the room.
 */
function showStream(id: string | null, stream: MediaStream): void {
  if (!show) return;
  let media = document.getElementById("media");
  if (!media) {
    media = document.createElement("div");
    media.id = "media";
    media.style.cssText = "display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr));";
    document.body.append(media);
  }
  const key = id === null ? "local" : `medium_${id}`;
  let video = document.querySelector<HTMLVideoElement>(`#${CSS.escape(key)} video`);
  if (!video) {
    const medium = document.createElement("div");
    medium.id = key;
    video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.muted = id === null;
    video.style.cssText = "width: 100%; aspect-ratio: 4 / 3;";
    medium.append(video);
    media.append(medium);
  }
  if (video.srcObject !== stream) video.srcObject = stream;
}

/** The one connection of a star client (to its host). */
function only(): DataConnection {
  return connections.values().next().value!;
}

declare global {
  interface Window {
    Peer: typeof PeerClass;
  }
}
window.bench = page;
const auto = planFromQuery();
if (auto) void page.joinNow(auto);
