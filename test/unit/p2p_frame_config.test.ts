import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseFrameConfig } from "../../src/client/p2p_frame_element.js";

describe("parseFrameConfig", () => {
  test("reads the fault-handling options of the config attribute", () => {
    const config = parseFrameConfig(
      JSON.stringify({
        maxOutbox: 32,
        negotiationTimeoutMs: 5000,
        cableConnectTimeoutMs: 2000,
        resumeDelayMs: 1000,
        reconnect: { initialMs: 100, maxMs: 4000 },
        p2pTimeoutMs: 4000,
        p2pRetry: { initialMs: 1000, maxMs: 8000 },
        spareLink: false,
      }),
    );
    assert.deepEqual(config, {
      maxOutbox: 32,
      negotiationTimeoutMs: 5000,
      cableConnectTimeoutMs: 2000,
      resumeDelayMs: 1000,
      reconnect: { initialMs: 100, maxMs: 4000 },
      p2pTimeoutMs: 4000,
      p2pRetry: { initialMs: 1000, maxMs: 8000 },
      spareLink: false,
    });
  });

  test("keeps the defaults for numbers that are not positive", () => {
    const config = parseFrameConfig(
      JSON.stringify({ maxOutbox: 0, negotiationTimeoutMs: "10", reconnect: { initialMs: -1 } }),
    );
    assert.deepEqual(config, { reconnect: {} });
  });

  test("reads the gem's spellings of the heartbeat", () => {
    const config = parseFrameConfig(
      JSON.stringify({ ice_servers: [], heartbeat: { interval_mls: 500, idle_timeout_mls: 2000 } }),
    );
    assert.deepEqual(config, { iceServers: [], heartbeat: { intervalMs: 500, idleTimeoutMs: 2000 } });
  });
});
