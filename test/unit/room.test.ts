import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CableConsumer, CableMixin } from "../../src/client/room/cable_subscription.js";
import { Room } from "../../src/client/room/room.js";

/** A cable consumer double: records subscriptions and performs; the test confirms and delivers. */
class FakeConsumer implements CableConsumer {
  readonly created: Array<{
    params: Record<string, unknown>;
    mixin: CableMixin;
    performed: unknown[];
    closed: boolean;
  }> = [];
  readonly subscriptions = {
    create: (params: { channel: string }, mixin: CableMixin) => {
      const entry = { params, mixin, performed: [] as unknown[], closed: false };
      this.created.push(entry);
      return {
        perform: (action: string, data?: object) => entry.performed.push({ action, ...data }),
        unsubscribe: () => {
          entry.closed = true;
        },
      };
    },
  };

  channel(name: string) {
    return this.created.find((entry) => entry.params.channel === name);
  }
}

class FakeTrack {
  enabled = true;
  stopped = false;
  constructor(readonly kind: "audio" | "video") {}
  stop() {
    this.stopped = true;
  }
  addEventListener() {}
}

class FakeSender {
  constructor(public track: FakeTrack | null) {}
  async replaceTrack(track: FakeTrack | null) {
    this.track = track;
  }
}

class FakePeerConnection extends EventTarget {
  signalingState: RTCSignalingState = "stable";
  iceConnectionState: RTCIceConnectionState = "new";
  readonly senders: FakeSender[] = [];
  readonly candidates: unknown[] = [];
  closed = false;
  addTrack(track: FakeTrack) {
    this.senders.push(new FakeSender(track));
  }
  getSenders() {
    return this.senders;
  }
  async addIceCandidate(candidate: unknown) {
    this.candidates.push(candidate);
  }
  close() {
    this.closed = true;
  }
  setIceState(state: RTCIceConnectionState) {
    this.iceConnectionState = state;
    this.dispatchEvent(new Event("iceconnectionstatechange"));
  }
}

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
      const pc = new FakePeerConnection();
      pcs.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
  });
  const entered = room.enter();
  for (const channel of ["RoomSignalingChannel", "RoomChannel"]) {
    for (let i = 0; i < 50 && !consumer.channel(channel); i++) await new Promise((r) => setImmediate(r));
    consumer.channel(channel)!.mixin.connected!();
  }
  await entered;
  const presence = consumer.channel("RoomChannel")!;
  const signaling = consumer.channel("RoomSignalingChannel")!;
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
    presence.mixin.received!({ type: "joined", from: "b" });
    presence.mixin.received!({ type: "joined", from: "c" });
    assert.deepEqual(presence.performed, [{ action: "greet", to: "c" }]);
  });

  test("as the newcomer: negotiates impolitely, greets back, and streams once ICE checking begins", async () => {
    const { room, presence, pcs } = await enteredRoom("b");
    room.mediumConnected("a", { reply: false });
    assert.equal(room.negotiations.get("a")!.polite, false);
    assert.deepEqual(presence.performed, [{ action: "greet", to: "a", reply: true }]);
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
    presence.mixin.received!({ type: "joined", from: "c" });
    room.mediumConnected("c", { reply: true });
    assert.equal(room.negotiations.get("c")!.polite, true);
    assert.equal(pcs[0]!.senders.length, 2);
    assert.deepEqual(presence.performed, [{ action: "greet", to: "c" }], "a member does not greet back");
  });

  test("breaks a mutual greeting by client id: the smaller id takes the polite role", async () => {
    const small = await enteredRoom("a");
    const large = await enteredRoom("z");
    small.presence.mixin.received!({ type: "joined", from: "z" });
    large.presence.mixin.received!({ type: "joined", from: "a" });
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
    signaling.mixin.received!({ type: "signal", from: "a", candidate });
    room.mediumConnected("a");
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(pcs[0]!.candidates, [candidate]);
  });

  test("sends its signals to the addressed client through the signaling channel", async () => {
    const { room, signaling, pcs } = await enteredRoom("b");
    room.mediumConnected("a");
    const event = new Event("icecandidate");
    Object.assign(event, { candidate: { toJSON: () => ({ candidate: "candidate:2" }) } });
    pcs[0]!.dispatchEvent(event);
    assert.deepEqual(signaling.performed, [
      { action: "signal", to: "a", candidate: { candidate: "candidate:2" } },
    ]);
  });

  test("tears a peer down when it leaves or its element goes, and leave() unsubscribes and stops the camera", async () => {
    const { room, presence, signaling, pcs, tracks } = await enteredRoom("b");
    room.mediumConnected("a");
    room.mediumConnected("c");
    const closed: string[] = [];
    room.on("peer-closed", ({ clientId }) => closed.push(clientId));
    presence.mixin.received!({ type: "left", from: "a" });
    room.mediumDisconnected("c");
    assert.deepEqual(closed, ["a", "c"]);
    assert.deepEqual(
      pcs.map((pc) => pc.closed),
      [true, true],
    );
    room.leave();
    assert.equal(presence.closed && signaling.closed, true);
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
