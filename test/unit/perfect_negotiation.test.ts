import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type NegotiationSignal,
  PerfectNegotiation,
} from "../../src/client/negotiation/perfect_negotiation.js";
import { FakePeerConnection } from "../../src/testing/fake_peer_connection.js";
import { TestLogger } from "../../src/testing/test_logger.js";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What a side logged, one `level: message` line each. */
const lines = (logger: TestLogger) => logger.entries.map(({ level, message }) => `${level}: ${message}`);

/** Two negotiations joined by a fake signaller that delivers asynchronously, and can hold messages. */
function pair(options: { maxRetries?: number; beforeAnswer?: { polite?: () => void } } = {}) {
  const held: Array<() => void> = [];
  let holding = false;
  const sent: Record<"polite" | "impolite", NegotiationSignal[]> = { polite: [], impolite: [] };
  const side = (name: "polite" | "impolite") => {
    const pc = new FakePeerConnection(name);
    const logger = new TestLogger();
    const negotiation = new PerfectNegotiation({
      polite: name === "polite",
      createPeerConnection: () => pc as unknown as RTCPeerConnection,
      send: (signal) => {
        sent[name].push(signal);
        const deliver = () => void (name === "polite" ? impolite : polite).negotiation.receive(signal);
        if (holding) held.push(deliver);
        else setImmediate(deliver);
      },
      maxRetries: options.maxRetries,
      beforeAnswer: name === "polite" ? options.beforeAnswer?.polite : undefined,
      logger,
    });
    return { pc, negotiation, logger };
  };
  const polite = side("polite");
  const impolite = side("impolite");
  return {
    polite,
    impolite,
    sent,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const deliver of held.splice(0)) setImmediate(deliver);
    },
  };
}

/** Polls the doubles' own state each turn of the event loop until `done`, or fails naming it. */
async function until(done: () => boolean, description: string, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (done()) return;
    await tick();
  }
  throw new Error(`never reached: ${description}`);
}

type Side = ReturnType<typeof pair>["polite"];
const settled = (...sides: Side[]) =>
  sides.every(
    ({ pc, negotiation }) =>
      pc.signalingState === "stable" && pc.negotiated === pc.changes && !negotiation.makingOffer,
  );

describe("PerfectNegotiation", () => {
  test("negotiates a change from the impolite side to a stable pair", async () => {
    const { polite, impolite, sent } = pair();
    impolite.pc.change();
    await until(() => settled(polite, impolite) && polite.pc.remoteDescription !== null, "a stable pair");
    assert.deepEqual(
      sent.impolite.map((s) => s.description?.type),
      ["offer"],
    );
    assert.deepEqual(
      sent.polite.map((s) => s.description?.type),
      ["answer"],
    );
  });

  test("resolves glare: the impolite side ignores the offer, the polite side rolls back and answers", async () => {
    const { polite, impolite, hold, release } = pair();
    const collisions: string[] = [];
    polite.negotiation.on("collision", ({ ignored }) => collisions.push(`polite ignored=${ignored}`));
    impolite.negotiation.on("collision", ({ ignored }) => collisions.push(`impolite ignored=${ignored}`));
    hold();
    polite.pc.change();
    impolite.pc.change();
    await until(
      () =>
        polite.pc.signalingState === "have-local-offer" && impolite.pc.signalingState === "have-local-offer",
      "both sides holding an offer",
    );
    release();
    await until(
      () => settled(polite, impolite) && collisions.length === 2,
      "both changes negotiated after the glare",
    );
    assert.deepEqual(collisions.sort(), ["impolite ignored=true", "polite ignored=false"]);
    assert.equal(
      impolite.negotiation.ignoreOffer,
      false,
      "the impolite side took the polite side's later offer",
    );
    assert.deepEqual([...lines(polite.logger), ...lines(impolite.logger)], []);
  });

  test("rolls back a failed offer and retries it", async () => {
    const { polite, impolite } = pair();
    impolite.pc.fail.setLocalDescription = 1;
    impolite.pc.change();
    await until(() => settled(polite, impolite) && impolite.pc.changes === 1, "the retried offer negotiated");
    assert.equal(impolite.pc.localAttempts, 2);
    assert.deepEqual(lines(impolite.logger), ["warn: negotiation step failed: rolling back and retrying"]);
  });

  test("rolls back a remote offer it could not apply and applies it again", async () => {
    const { polite, impolite } = pair();
    polite.pc.fail.setRemoteDescription = 1;
    impolite.pc.change();
    await until(
      () => settled(polite, impolite) && impolite.pc.negotiated === 1,
      "the change negotiated after the retry",
    );
    assert.deepEqual(lines(polite.logger), ["warn: negotiation step failed: rolling back and retrying"]);
  });

  test("follows an answer it could not apply with a fresh offer, not the same answer again", async () => {
    const { polite, impolite, sent } = pair();
    impolite.pc.fail.setRemoteDescription = 1;
    impolite.pc.change();
    await until(
      () => settled(polite, impolite) && impolite.pc.negotiated === 1,
      "the change negotiated by the second offer",
    );
    assert.deepEqual(
      sent.impolite.map((s) => s.description?.type),
      ["offer", "offer"],
      "a second offer after the failed answer",
    );
    assert.deepEqual(
      sent.polite.map((s) => s.description?.type),
      ["answer", "answer"],
    );
    assert.deepEqual(lines(impolite.logger), ["warn: negotiation step failed: rolling back and retrying"]);
  });

  test("negotiates again after giving up once the other side's offer applies", async () => {
    const { polite, impolite } = pair({ maxRetries: 1 });
    const failures: string[] = [];
    impolite.negotiation.on("failed", (error) => failures.push(error.reason));
    impolite.pc.fail.setRemoteDescription = 2; // both answers to its two offers fail
    impolite.pc.change();
    await until(() => failures.length === 1, "the give-up");
    assert.deepEqual(failures, ["negotiation_failed"]);
    // The polite side's own change: its offer applies at the impolite side, which resets the
    // give-up; the impolite side's pending change then negotiates as well.
    polite.pc.change();
    await until(
      () => settled(polite, impolite) && impolite.pc.negotiated === 1 && polite.pc.negotiated === 1,
      "both changes negotiated after the give-up",
    );
    assert.deepEqual(failures, ["negotiation_failed"], "no second failure");
  });

  test("restart() after giving up clears the count and renegotiates with an ICE restart", async () => {
    const { polite, impolite } = pair({ maxRetries: 1 });
    const failures: string[] = [];
    impolite.negotiation.on("failed", (error) => failures.push(error.reason));
    impolite.pc.fail.setLocalDescription = 2;
    impolite.pc.change();
    await until(() => failures.length === 1, "the give-up");
    impolite.negotiation.restart();
    assert.equal(impolite.pc.restarts, 1);
    await until(() => settled(polite, impolite) && impolite.pc.negotiated === 2, "the restart negotiated");
  });

  test("beforeAnswer's tracks ride the answer: one negotiation for both directions", async () => {
    let calls = 0;
    const network = pair({
      beforeAnswer: {
        polite: () => {
          calls += 1;
          network.polite.pc.addTrack({ kind: "video" } as MediaStreamTrack);
        },
      },
    });
    const { polite, impolite, sent } = network;
    impolite.pc.change();
    await until(() => settled(polite, impolite) && polite.pc.remoteDescription !== null, "a stable pair");
    for (let i = 0; i < 10; i++) await tick(); // a negotiationneeded would come within two turns
    assert.equal(calls, 1);
    assert.equal(polite.pc.senders.length, 1);
    assert.equal(polite.pc.negotiated, polite.pc.changes, "the track needs no negotiation of its own");
    assert.deepEqual([...sent.impolite, ...sent.polite].map((s) => s.description?.type).filter(Boolean), [
      "offer",
      "answer",
    ]);
  });

  test("gives up after maxRetries with a negotiation_failed error", async () => {
    const { impolite } = pair({ maxRetries: 2 });
    const failures: Array<{ reason: string; message: string }> = [];
    impolite.negotiation.on("failed", (error) => failures.push(error));
    impolite.pc.fail.setLocalDescription = 100;
    impolite.pc.change();
    await until(() => failures.length === 1, "the failed event");
    assert.equal(failures[0]!.reason, "negotiation_failed");
    assert.match(failures[0]!.message, /failed 3 times in a row; the last step could not create an offer/);
    assert.equal(impolite.pc.localAttempts, 3);
    impolite.pc.change();
    for (let i = 0; i < 10; i++) await tick(); // an attempt takes two turns: negotiationneeded, then the offer
    assert.equal(impolite.pc.localAttempts, 3, "no attempt after giving up");
  });

  test("relays ICE candidates, sending the end-of-candidates null but not applying it", async () => {
    const { polite, impolite, sent } = pair();
    impolite.pc.change();
    await until(() => settled(polite, impolite) && polite.pc.remoteDescription !== null, "a stable pair");
    const candidate = {
      candidate: "candidate:1 1 udp 1 10.233.0.1 5000 typ host",
      sdpMid: "0",
      sdpMLineIndex: 0,
    };
    impolite.pc.gather(candidate);
    impolite.pc.gather(null);
    await until(
      () => polite.pc.candidates.length === 1 && sent.impolite.length === 3,
      "the candidate applied",
    );
    assert.deepEqual(polite.pc.candidates, [candidate]);
    assert.deepEqual(sent.impolite.slice(1), [{ candidate }, { candidate: null }]);
  });

  test("does not warn about a candidate of an offer it ignored, and warns about any other", async () => {
    const { impolite } = pair();
    impolite.negotiation.ignoreOffer = true;
    await impolite.negotiation.receive({ candidate: { candidate: "candidate:x" } });
    assert.deepEqual(lines(impolite.logger), []);
    impolite.negotiation.ignoreOffer = false;
    await impolite.negotiation.receive({ candidate: { candidate: "candidate:x" } });
    assert.deepEqual(lines(impolite.logger), ["warn: ice candidate refused"]);
  });

  test("restarts ICE when the ICE connection fails", async () => {
    const { polite, impolite } = pair();
    const states: string[] = [];
    impolite.negotiation.on("iceconnectionstatechange", (state) => states.push(state));
    impolite.pc.setIceState("checking");
    assert.equal(impolite.pc.restarts, 0);
    impolite.pc.setIceState("failed");
    assert.equal(impolite.pc.restarts, 1);
    assert.deepEqual(states, ["checking", "failed"]);
    await until(() => settled(polite, impolite) && impolite.pc.negotiated === 1, "the restart negotiated");
  });

  test("ignores signals and sends nothing once closed", async () => {
    const { polite, impolite, sent } = pair();
    polite.negotiation.close();
    assert.equal(polite.pc.signalingState, "closed");
    await polite.negotiation.receive({ description: { type: "offer", sdp: "x" } });
    polite.pc.gather({ candidate: "candidate:late" });
    assert.deepEqual(sent.polite, []);
    assert.equal(polite.negotiation.closed, true);
    assert.equal(impolite.negotiation.closed, false);
  });
});
