import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Room, type RoomOptions } from "../../src/client/room/room.js";
import { FakeConsumer, type FakeSubscription } from "../../src/testing/fake_consumer.js";
import { FakePeerConnection } from "../../src/testing/fake_peer_connection.js";

class FakeTrack {
  enabled = true;
  stopped = false;
  constructor(readonly kind: "audio" | "video") {}
  stop() {
    this.stopped = true;
  }
  addEventListener() {}
}

/** What a subscription performed, each action with its data: `{ action, ...data }`. */
const performed = (subscription: FakeSubscription) =>
  subscription.performed.map(({ action, data }) => ({ action, ...data }) as Record<string, unknown>);

/** The types of the descriptions a signaling subscription sent, in order. */
const descriptions = (subscription: FakeSubscription) =>
  performed(subscription).flatMap((s) => {
    const description = s.description as { type?: string } | undefined;
    return description?.type ? [description.type] : [];
  });

const camera = [new FakeTrack("audio"), new FakeTrack("video")];
const screen = new FakeTrack("video");
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (done()) return;
    await turns(1);
  }
  throw new Error(`never reached: ${what}`);
}

const fakeStream = (tracks: FakeTrack[]) => ({
  getTracks: () => tracks,
  getAudioTracks: () => tracks.filter((t) => t.kind === "audio"),
  getVideoTracks: () => tracks.filter((t) => t.kind === "video"),
});

/** A value whose settling the test decides: a getUserMedia still asking, say. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A room whose camera the test grants (`grant()`) and whose consumer the room makes and owns. */
function enteringRoom(options: Partial<RoomOptions> = {}) {
  const cable = FakeConsumer.factory();
  const tracks = camera.map((t) => new FakeTrack(t.kind));
  const asking = deferred<MediaStream>();
  const room = new Room({
    clientId: "b",
    token: "signed-token",
    createConsumer: cable.createConsumer,
    mediaDevices: {
      getUserMedia: () => asking.promise,
      getDisplayMedia: async () => fakeStream([screen]) as unknown as MediaStream,
    },
    createPeerConnection: () => new FakePeerConnection("b") as unknown as RTCPeerConnection,
    ...options,
  });
  const entered = room.enter();
  entered.catch(() => {}); // each test awaits it in its own time
  const subscription = async (channel: string) => {
    await until(
      () => cable.consumers[0]?.created.some((c) => c.params.channel === channel) ?? false,
      channel,
    );
    return cable.consumers[0]!.created.find((c) => c.params.channel === channel)!;
  };
  return {
    room,
    entered,
    tracks,
    cable,
    subscription,
    grant: () => asking.resolve(fakeStream(tracks) as unknown as MediaStream),
  };
}

/** Nothing of the room is left running: subscriptions gone, camera off, its own socket closed. */
function assertNothingRunning(fixture: ReturnType<typeof enteringRoom>) {
  const consumers = fixture.cable.consumers;
  assert.deepEqual(
    consumers.flatMap((c) => c.created.filter((s) => !s.unsubscribed).map((s) => s.params.channel)),
    [],
    "no subscription left",
  );
  assert.deepEqual(
    consumers.map((c) => c.closed),
    consumers.map(() => true),
    "the consumer the room made is disconnected",
  );
  assert.deepEqual(
    fixture.tracks.map((t) => t.stopped),
    [true, true],
    "the camera and microphone are stopped",
  );
  assert.equal(fixture.room.state, "left");
}

async function enteredRoom(clientId: string, options: Partial<RoomOptions> = {}) {
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
    createPeerConnection: (configuration) => {
      const pc = new FakePeerConnection(clientId);
      pc.configuration = configuration;
      pcs.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
    ...options,
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

  test("as the newcomer: greets back, and adds its tracks to its answer to the first offer", async () => {
    const { room, presence, signaling, pcs } = await enteredRoom("b");
    room.mediumConnected("a", { reply: false });
    assert.equal(room.negotiations.get("a")!.polite, true, "of a pair, the larger id is polite");
    assert.deepEqual(performed(presence), [{ action: "greet", to: "a", reply: true }]);
    assert.equal(pcs[0]!.senders.length, 0, "no tracks before the member's offer");
    signaling.received({ type: "signal", from: "a", description: { type: "offer", sdp: "a's offer" } });
    await until(() => descriptions(signaling).includes("answer"), "the answer");
    assert.deepEqual(
      pcs[0]!.senders.map((s) => s.track!.kind),
      ["audio", "video"],
    );
    await turns(10);
    assert.equal(pcs[0]!.negotiated, pcs[0]!.changes, "the tracks rode the answer: no offer of its own");
    assert.deepEqual(descriptions(signaling), ["answer"]);
    room.mediumConnected("a", { reply: false });
    assert.equal(pcs.length, 1, "a second connect of the same element is ignored");
  });

  test("as a member with the smaller id: offers as it greets, before the newcomer greets back", async () => {
    const { room, presence, signaling, pcs } = await enteredRoom("b");
    presence.received({ type: "joined", from: "c" });
    assert.equal(room.negotiations.get("c")!.polite, false, "of a pair, the smaller id is impolite");
    assert.equal(pcs[0]!.senders.length, 2, "streaming to the newcomer starts at once");
    await until(() => descriptions(signaling).includes("offer"), "the offer sent");
    room.mediumConnected("c", { reply: true });
    assert.equal(pcs.length, 1, "the newcomer's element finds the connection made");
    assert.deepEqual(performed(presence), [{ action: "greet", to: "c" }], "a member does not greet back");
  });

  test("as a member with the larger id: offers as it greets too, and keeps that connection when the newcomer greets back", async () => {
    const { room, presence, signaling, pcs } = await enteredRoom("b");
    presence.received({ type: "joined", from: "a" });
    assert.equal(room.negotiations.get("a")!.polite, true);
    assert.equal(pcs[0]!.senders.length, 2, "streaming to the newcomer starts at once");
    await until(() => pcs[0]!.signalingState === "have-local-offer", "the offer made");
    pcs[0]!.gather({ candidate: "candidate:1", sdpMid: "0" });
    await turns(5);
    assert.deepEqual(
      performed(signaling).map((s) => (s.description ? "offer" : "candidate")),
      ["offer", "candidate"],
      "the offer and its candidate leave before the newcomer greets back",
    );
    room.mediumConnected("a", { reply: true });
    assert.equal(pcs.length, 1, "the connection offered on is the one used");
    assert.equal(performed(signaling).length, 2, "nothing sent twice");
  });

  test("breaks a mutual greeting by client id: the smaller id's offer wins, the other answers it", async () => {
    const small = await enteredRoom("a");
    const large = await enteredRoom("z");
    small.presence.received({ type: "joined", from: "z" });
    large.presence.received({ type: "joined", from: "a" });
    await until(() => descriptions(large.signaling).includes("offer"), "the larger id's offer, sent at once");
    small.room.mediumConnected("z", { reply: false });
    large.room.mediumConnected("a", { reply: false });
    const offering = small.room.negotiations.get("z")!;
    const answering = large.room.negotiations.get("a")!;
    assert.equal(offering.polite, false);
    assert.equal(answering.polite, true);
    assert.equal(offering.peerConnection, small.pcs[0], "the prepared offer is the one used");
    assert.equal(small.pcs[0]!.senders.length, 2, "the offering side streams at once");
    assert.equal(large.pcs[0]!.signalingState, "closed", "the larger id's prepared offer is dropped");
    assert.equal(answering.peerConnection, large.pcs[1]);
    assert.equal(large.pcs[1]!.senders.length, 0, "the answering side waits for the offer");
    await until(() => small.pcs[0]!.signalingState === "have-local-offer", "the smaller id's offer");
    // The larger id's offer reaches the smaller one while its own is out: impolite, it ignores it.
    const [dropped] = performed(large.signaling).filter((s) => s.description);
    small.signaling.received({ type: "signal", from: "z", description: dropped!.description });
    await turns(10);
    assert.equal(small.pcs[0]!.signalingState, "have-local-offer", "the smaller id keeps its own offer");
    assert.equal(small.pcs.length, 1);
    assert.deepEqual(performed(small.presence), [{ action: "greet", to: "z" }], "neither greets back");
    assert.deepEqual(performed(large.presence), [{ action: "greet", to: "a" }]);
  });

  test("answers an offer that outruns the offerer's element, and greets back when the element connects", async () => {
    const { room, presence, signaling, pcs } = await enteredRoom("b");
    const candidate = { candidate: "candidate:1", sdpMid: "0" };
    signaling.received({ type: "signal", from: "a", description: { type: "offer", sdp: "a's offer" } });
    signaling.received({ type: "signal", from: "a", candidate });
    await until(() => descriptions(signaling).includes("answer"), "the answer, before a's element");
    assert.equal(room.negotiations.get("a")!.polite, true);
    assert.deepEqual(
      pcs[0]!.senders.map((s) => s.track!.kind),
      ["audio", "video"],
      "the tracks rode the answer",
    );
    // As a browser would, the connection takes a candidate only after the offer it belongs to.
    await until(() => pcs[0]!.candidates.length === 1, "a's candidate applied");
    assert.deepEqual(pcs[0]!.candidates, [candidate]);
    assert.deepEqual(performed(presence), [], "no greeting back before a's element");
    room.mediumConnected("a");
    room.mediumConnected("a");
    assert.deepEqual(performed(presence), [{ action: "greet", to: "a", reply: true }], "greeted back once");
    assert.equal(pcs.length, 1, "the element finds the connection made");
  });

  test("drops its prepared offer for an offer from a smaller id that outruns the greeting", async () => {
    const { room, presence, signaling, pcs } = await enteredRoom("b");
    presence.received({ type: "joined", from: "a" });
    await until(() => pcs[0]!.signalingState === "have-local-offer", "the prepared offer");
    signaling.received({ type: "signal", from: "a", description: { type: "offer", sdp: "a's offer" } });
    await until(() => descriptions(signaling).includes("answer"), "the answer");
    assert.equal(pcs[0]!.signalingState, "closed", "the prepared offer gave way");
    assert.equal(room.negotiations.get("a")!.peerConnection, pcs[1]);
    assert.deepEqual(
      descriptions(signaling),
      ["offer", "answer"],
      "the prepared offer had left, then the answer",
    );
    room.mediumConnected("a");
    assert.deepEqual(performed(presence), [{ action: "greet", to: "a" }], "a member does not greet back");
    assert.equal(pcs.length, 2);
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

  describe("leave() at each step of enter() leaves nothing running", () => {
    test("while the browser asks for the camera: the camera it grants later is stopped", async () => {
      const fixture = enteringRoom();
      fixture.room.leave();
      fixture.grant();
      await assert.rejects(fixture.entered, { name: "P2pError", reason: "room_left" });
      assertNothingRunning(fixture);
    });

    test("while signaling waits for its confirmation", async () => {
      const fixture = enteringRoom();
      fixture.grant();
      await fixture.subscription("RoomSignalingChannel");
      fixture.room.leave();
      await assert.rejects(fixture.entered, { reason: "room_left" });
      assertNothingRunning(fixture);
    });

    test("while presence waits for its confirmation", async () => {
      const fixture = enteringRoom();
      fixture.grant();
      (await fixture.subscription("RoomSignalingChannel")).connected();
      await fixture.subscription("RoomChannel");
      fixture.room.leave();
      await assert.rejects(fixture.entered, { reason: "room_left" });
      assertNothingRunning(fixture);
    });

    test("after entering, and then enters again on a fresh consumer", async () => {
      const fixture = enteringRoom();
      fixture.grant();
      (await fixture.subscription("RoomSignalingChannel")).connected();
      (await fixture.subscription("RoomChannel")).connected();
      await fixture.entered;
      fixture.room.leave();
      assertNothingRunning(fixture);
      const again = fixture.room.enter();
      await until(() => fixture.cable.consumers.length === 2, "a second consumer");
      fixture.room.leave();
      await assert.rejects(again, { reason: "room_left" });
      assert.deepEqual(
        fixture.cable.consumers.map((c) => c.closed),
        [true, true],
      );
    });
  });

  test("a refused subscription rejects enter() with the server's reason and message", async () => {
    const fixture = enteringRoom();
    fixture.grant();
    (await fixture.subscription("RoomSignalingChannel")).connected();
    const presence = await fixture.subscription("RoomChannel");
    presence.received({ type: "error", reason: "room_full", message: "Room is full: 8 members at most" });
    presence.rejected();
    await assert.rejects(fixture.entered, {
      name: "P2pError",
      reason: "room_full",
      message: "Room is full: 8 members at most",
    });
    assertNothingRunning(fixture);
  });

  test("does not disconnect a consumer it was given", async () => {
    const { room, consumer } = await enteredRoom("b");
    room.leave();
    assert.equal(consumer.closed, false);
  });

  test("caps every video sender above capAbove members, and lifts the cap when the room shrinks", async () => {
    const { room, pcs } = await enteredRoom("b");
    const caps = () =>
      pcs
        .filter((pc) => pc.signalingState !== "closed")
        .map((pc) => pc.senders.find((s) => s.track?.kind === "video")?.parameters.encodings[0]);
    for (const id of ["c", "d", "e"]) room.mediumConnected(id, { reply: true });
    await turns(5);
    assert.deepEqual(caps(), [{ active: true }, { active: true }, { active: true }], "4 members: uncapped");
    room.mediumConnected("f", { reply: true });
    await turns(5);
    const capped = { active: true, maxBitrate: 1_000_000, scaleResolutionDownBy: 2 };
    assert.deepEqual(caps(), [capped, capped, capped, capped], "5 members: 4 Mbit/s shared by 4 uplinks");
    room.mediumDisconnected("f");
    await turns(5);
    const lifted = { active: true, scaleResolutionDownBy: 1 };
    assert.deepEqual(caps(), [lifted, lifted, lifted], "back to 4: lifted");
  });

  test("reports each link's connection state, and its mute and camera state to the room", async () => {
    const { room, pcs, presence } = await enteredRoom("b");
    const states: string[] = [];
    room.on("peer-state", ({ clientId, state }) => states.push(`${clientId}:${state}`));
    room.mediumConnected("a", { reply: true });
    pcs[0]!.setConnectionState("connecting");
    pcs[0]!.setConnectionState("connected");
    assert.deepEqual(states, ["a:connecting", "a:connected"]);
    room.setMuted(true);
    room.setCameraOff(true);
    assert.deepEqual(performed(presence).slice(-2), [
      { action: "media", muted: true, cameraOff: false },
      { action: "media", muted: true, cameraOff: true },
    ]);
  });

  test("asks for fresh TURN credentials halfway to their expiry and hands them to every connection", async () => {
    const page = [{ urls: "turn:10.233.0.1:3478", username: "old:b", credential: "x" }];
    const { room, signaling, pcs } = await enteredRoom("b", {
      iceServers: page,
      iceExpiresAt: Date.now() + 60,
    });
    room.mediumConnected("a");
    assert.deepEqual(pcs[0]!.configuration.iceServers, page);
    const deadline = Date.now() + 5000;
    while (!performed(signaling).some((s) => s.action === "ice_servers")) {
      assert.ok(Date.now() < deadline, "ice_servers was never performed");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const fresh = [{ urls: "turn:10.233.0.1:3478", username: "new:b", credential: "y" }];
    signaling.received({
      type: "ice-servers",
      iceServers: fresh,
      iceTransportPolicy: "all",
      expiresAt: null,
    });
    assert.deepEqual(pcs[0]!.configuration.iceServers, fresh, "the open connection takes them");
    room.mediumConnected("c");
    assert.deepEqual(pcs[1]!.configuration.iceServers, fresh, "a later connection is made with them");
    assert.equal(
      performed(signaling).filter((s) => s.action === "ice_servers").length,
      1,
      "no expiry: no more asks",
    );
    room.leave();
  });
});
