import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Room } from "../../src/client/room/room.js";
import { FakeConsumer, type FakeSubscription } from "../../src/testing/fake_consumer.js";
import { FakePeerConnection, type FakeRtpSender } from "../../src/testing/fake_peer_connection.js";

class FakeTrack {
  enabled = true;
  stopped = false;
  constructor(readonly kind: "audio" | "video") {}
  stop() {
    this.stopped = true;
  }
  addEventListener() {}
}

/** The shipped fake, whose senders also take `replaceTrack`: sharing the screen swaps the video track. */
class ScreenSharingPeerConnection extends FakePeerConnection {
  override addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): FakeRtpSender {
    const sender = super.addTrack(track, ...streams);
    return Object.assign(sender, {
      replaceTrack: async (next: MediaStreamTrack | null) => {
        sender.track = next;
      },
    });
  }
}

/** What a subscription performed, each action with its data: `{ action, ...data }`. */
const performed = (subscription: FakeSubscription) =>
  subscription.performed.map(({ action, data }) => ({ action, ...data }));

const camera = [new FakeTrack("audio"), new FakeTrack("video")];
const screen = new FakeTrack("video");
const fakeStream = (tracks: FakeTrack[]) => ({
  getTracks: () => tracks,
  getAudioTracks: () => tracks.filter((t) => t.kind === "audio"),
  getVideoTracks: () => tracks.filter((t) => t.kind === "video"),
});

async function enteredRoom(clientId: string) {
  const consumer = new FakeConsumer();
  const pcs: FakePeerConnection[] = [];
  const tracks = camera.map((t) => new FakeTrack(t.kind));
  const room = new Room({
    clientId,
    token: "signed-token",
    consumer,
    mediaDevices: {
      getUserMedia: async () => fakeStream(tracks) as unknown as MediaStream,
      getDisplayMedia: async () => fakeStream([screen]) as unknown as MediaStream,
    },
    createPeerConnection: () => {
      const pc = new ScreenSharingPeerConnection(clientId);
      pcs.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
  });
  const entered = room.enter();
  const subscription = (name: string) => consumer.created.find((entry) => entry.params.channel === name);
  for (const channel of ["RoomSignalingChannel", "RoomChannel"]) {
    for (let i = 0; i < 50 && !subscription(channel); i++) await new Promise((r) => setImmediate(r));
    subscription(channel)!.connected();
  }
  await entered;
  const presence = subscription("RoomChannel")!;
  const signaling = subscription("RoomSignalingChannel")!;
  return { room, consumer, pcs, tracks, presence, signaling };
}

describe("Room", () => {
  test("subscribes signaling before presence, both with the page's token", async () => {
    const { consumer, room } = await enteredRoom("b");
    assert.deepEqual(
      consumer.created.map((c) => c.params),
      [
        { channel: "RoomSignalingChannel", token: "signed-token" },
        { channel: "RoomChannel", token: "signed-token" },
      ],
    );
    assert.equal(room.state, "entered");
  });

  test("greets every other client that joins, and not itself", async () => {
    const { presence } = await enteredRoom("b");
    presence.received({ type: "joined", from: "b" });
    presence.received({ type: "joined", from: "c" });
    assert.deepEqual(performed(presence), [{ action: "greet", to: "c" }]);
  });

  test("as the newcomer: negotiates impolitely, greets back, and streams once ICE checking begins", async () => {
    const { room, presence, pcs } = await enteredRoom("b");
    room.mediumConnected("a", { reply: false });
    assert.equal(room.negotiations.get("a")!.polite, false);
    assert.deepEqual(performed(presence), [{ action: "greet", to: "a", reply: true }]);
    assert.equal(pcs[0]!.senders.length, 0, "no tracks before ICE checking");
    pcs[0]!.setIceState("checking");
    assert.deepEqual(
      pcs[0]!.senders.map((s) => s.track!.kind),
      ["audio", "video"],
    );
    room.mediumConnected("a", { reply: false });
    assert.equal(pcs.length, 1, "a second connect of the same element is ignored");
  });

  test("as a member: negotiates politely and streams at once when the newcomer greets back", async () => {
    const { room, presence, pcs } = await enteredRoom("b");
    presence.received({ type: "joined", from: "c" });
    room.mediumConnected("c", { reply: true });
    assert.equal(room.negotiations.get("c")!.polite, true);
    assert.equal(pcs[0]!.senders.length, 2);
    assert.deepEqual(performed(presence), [{ action: "greet", to: "c" }], "a member does not greet back");
  });

  test("breaks a mutual greeting by client id: the smaller id takes the polite role", async () => {
    const small = await enteredRoom("a");
    const large = await enteredRoom("z");
    small.presence.received({ type: "joined", from: "z" });
    large.presence.received({ type: "joined", from: "a" });
    small.room.mediumConnected("z", { reply: false });
    large.room.mediumConnected("a", { reply: false });
    assert.equal(small.room.negotiations.get("z")!.polite, true);
    assert.equal(large.room.negotiations.get("a")!.polite, false);
    assert.equal(small.pcs[0]!.senders.length, 2);
    assert.equal(large.pcs[0]!.senders.length, 2);
  });

  test("holds signals that arrive before the sender's element and applies them when it connects", async () => {
    const { room, signaling, pcs } = await enteredRoom("b");
    const candidate = { candidate: "candidate:1", sdpMid: "0" };
    // As a browser would, the connection takes a candidate only after the offer it belongs to.
    signaling.received({ type: "signal", from: "a", description: { type: "offer", sdp: "a's offer" } });
    signaling.received({ type: "signal", from: "a", candidate });
    room.mediumConnected("a");
    for (let i = 0; i < 50 && pcs[0]!.candidates.length === 0; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(pcs[0]!.candidates, [candidate]);
  });

  test("sends its signals to the addressed client through the signaling channel", async () => {
    const { room, signaling, pcs } = await enteredRoom("b");
    room.mediumConnected("a");
    const event = new Event("icecandidate");
    Object.assign(event, { candidate: { toJSON: () => ({ candidate: "candidate:2" }) } });
    pcs[0]!.dispatchEvent(event);
    assert.deepEqual(performed(signaling), [
      { action: "signal", to: "a", candidate: { candidate: "candidate:2" } },
    ]);
  });

  test("tears a peer down when it leaves or its element goes, and leave() unsubscribes and stops the camera", async () => {
    const { room, presence, signaling, pcs, tracks } = await enteredRoom("b");
    room.mediumConnected("a");
    room.mediumConnected("c");
    const closed: string[] = [];
    room.on("peer-closed", ({ clientId }) => closed.push(clientId));
    presence.received({ type: "left", from: "a" });
    room.mediumDisconnected("c");
    assert.deepEqual(closed, ["a", "c"]);
    assert.deepEqual(
      pcs.map((pc) => pc.signalingState === "closed"),
      [true, true],
    );
    room.leave();
    assert.equal(presence.unsubscribed && signaling.unsubscribed, true);
    assert.deepEqual(
      tracks.map((t) => t.stopped),
      [true, true],
    );
    assert.equal(room.state, "left");
  });

  test("replaces the video track on every sender to share the screen, and back", async () => {
    const { room, pcs, tracks } = await enteredRoom("b");
    room.mediumConnected("a", { reply: true });
    room.setMuted(true);
    room.setCameraOff(true);
    assert.deepEqual(
      tracks.map((t) => t.enabled),
      [false, false],
    );
    await room.startScreenShare();
    assert.equal(pcs[0]!.senders[1]!.track, screen);
    await room.stopScreenShare();
    assert.equal(pcs[0]!.senders[1]!.track, tracks[1]);
    assert.equal(screen.stopped, true);
  });
});
