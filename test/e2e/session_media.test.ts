import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { waitInPage } from "../support/browser.js";
import { demoInBrowser } from "../support/demo_browser.js";
import {
  allConnected,
  openPeer,
  openSession,
  type PeerPage,
  received,
  sendText,
} from "../support/session_pages.js";

// Media in one-to-many sessions: `addStream` on the host reaches every client, current and later,
// and a client's stream reaches the host. Fake camera (Chromium's test pattern), iceServers [].
// Run `npm run build` first, and run this file through ../shared/tools/netns-run.

declare global {
  interface Window {
    /** Remote media by the peer it came from, each in a playing <video>. */
    __media: Record<string, HTMLVideoElement>;
  }
}

/** Plays every `p2p:stream` in a muted <video> keyed by the sending peer, so the test can see frames. */
const MEDIA_SINK = `(() => {
  window.__media = {};
  document.addEventListener("p2p:stream", (event) => {
    const { peerId, stream } = event.detail;
    const video = document.createElement("video");
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.srcObject = stream;
    video.dataset.from = peerId;
    document.body.append(video);
    window.__media[peerId] = video;
  });
})();`;

/** Waits until `peer` plays video from `from`: frames decoded and the clock moving. */
async function playing(peer: PeerPage, from: string): Promise<void> {
  await waitInPage(
    peer.page,
    `${peer.name} to play ${from}'s video`,
    (sender: string) => {
      const video = window.__media[sender];
      return video !== undefined && video.videoWidth > 0 && video.currentTime > 0;
    },
    from,
  );
  const first = await peer.page.evaluate((sender) => window.__media[sender]!.currentTime, from);
  await waitInPage(
    peer.page,
    `${peer.name}'s video from ${from} to keep playing`,
    ([sender, since]: [string, number]) => window.__media[sender]!.currentTime > since,
    [from, first] as [string, number],
  );
}

/** Streams the page's fake camera into the session through `<p2p-frame>.addStream`. */
function streamCamera(peer: PeerPage): Promise<void> {
  return peer.page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: 320, height: 240, frameRate: 15 },
      audio: false,
    });
    (document.querySelector("p2p-frame") as unknown as { addStream(s: MediaStream): void }).addStream(stream);
  });
}

describe("media in a one-to-many session", () => {
  const demo = demoInBrowser();
  const logger = demo.logger;
  const chatUrl = (name: string) => `${demo.base}/chat?name=${name}&session=broadcast`;
  let peers: Map<string, PeerPage>;
  const open = async (name: string) => {
    const peer = await openPeer(demo.browser, chatUrl(name), name, MEDIA_SINK);
    peers.set(name, peer);
    return peer;
  };
  const live = () => [...peers.values()];

  before(async () => {
    peers = await openSession(demo.browser, chatUrl, ["host", "bob", "carol"], MEDIA_SINK);
  });

  test("the host's stream plays at every connected client", async () => {
    await streamCamera(peers.get("host")!);
    await Promise.all(["bob", "carol"].map((name) => playing(peers.get(name)!, "host")));
  });

  test("a client that joins later gets the host's stream without the host doing anything", async () => {
    const dave = await open("dave");
    await Promise.all(live().map((p) => allConnected(p, [...peers.keys()])));
    await playing(dave, "host");
  });

  test("a client's stream reaches the host, and only the host", async () => {
    await streamCamera(peers.get("bob")!);
    await playing(peers.get("host")!, "bob");
    // The star has no client-to-client links: the others must not have received bob's media.
    for (const name of ["carol", "dave"]) {
      const senders = await peers.get(name)!.page.evaluate(() => Object.keys(window.__media));
      assert.deepEqual(senders, ["host"], `${name} holds media from the host only`);
    }
    // Adding tracks renegotiated over the data channel; data must still reach everyone.
    await sendText(peers.get("bob")!, "after media");
    await Promise.all(live().map((p) => received(p, "bob", "after media")));
    assert.deepEqual(
      live().flatMap((p) => p.errors),
      [],
    );
    assert.deepEqual(
      logger.lines.filter((l) => l.level === "error"),
      [],
    );
  });
});
