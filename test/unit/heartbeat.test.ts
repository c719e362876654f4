import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Heartbeat } from "../../src/client/session/heartbeat.js";
import { FakeClock } from "../../src/testing/fake_clock.js";

function heartbeat(callbacks: { quiet?: () => boolean; alive?: () => boolean } = {}) {
  const clock = new FakeClock();
  const beats: number[] = [];
  const silences: number[] = [];
  const beating = new Heartbeat({ intervalMs: 1000, idleTimeoutMs: 4000 }, clock, {
    beat: () => beats.push(clock.now()),
    silent: (silentForMs) => silences.push(silentForMs),
    ...callbacks,
  });
  return { clock, beats, silences, beating };
}

describe("Heartbeat", () => {
  test("reports silence after idleTimeoutMs and not before", () => {
    const { clock, silences, beating } = heartbeat();
    beating.start();
    clock.advance(4000);
    assert.deepEqual(silences, [], "silent for exactly idleTimeoutMs is not yet dead");
    clock.advance(999);
    assert.deepEqual(silences, []);
    clock.advance(1);
    assert.deepEqual(silences, [5000], "found on the first tick past the timeout");
    assert.equal(beating.running, false);
    clock.advance(10_000);
    assert.deepEqual(silences, [5000], "reported once");
  });

  test("counts any frame heard as life", () => {
    const { clock, silences, beating } = heartbeat();
    beating.start();
    clock.advance(3500);
    beating.heard();
    clock.advance(4000);
    assert.deepEqual(silences, []);
    clock.advance(1000);
    assert.deepEqual(silences, [4500]);
  });

  test("beats at start and every interval, except while quiet", () => {
    let quiet = false;
    const { clock, beats, beating } = heartbeat({ quiet: () => quiet });
    beating.start();
    clock.advance(2000);
    quiet = true;
    clock.advance(1000);
    beating.heard();
    assert.deepEqual(beats, [0, 1000, 2000]);
  });

  test("still beats every idleTimeoutMs / 2 while quiet, so a busy receiver never looks dead", () => {
    const { clock, beats, beating } = heartbeat({ quiet: () => true });
    beating.start();
    clock.advance(3000);
    beating.heard(); // the other side's frames keep arriving
    clock.advance(3000);
    assert.deepEqual(beats, [0, 2000, 4000, 6000]);
  });

  test("takes progress reported by alive as life", () => {
    const { clock, silences, beating } = heartbeat({ alive: () => true });
    beating.start();
    clock.advance(20_000);
    assert.deepEqual(silences, []);
  });

  test("stops ticking after stop", () => {
    const { clock, beats, silences, beating } = heartbeat();
    beating.start();
    beating.stop();
    clock.advance(10_000);
    assert.deepEqual(beats, [0]);
    assert.deepEqual(silences, []);
    assert.equal(clock.pending, 0);
  });
});
