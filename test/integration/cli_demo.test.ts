import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startDemoProcess } from "../support/demo_process.js";
import { parseExposition } from "../support/metrics_scrape.js";

// `p2p-streams-channel demo` as a child process on 127.0.0.1 port 0: what its flags change.

describe("p2p-streams-channel demo", () => {
  test("hands every --ice-server to the pages, logs pino JSON lines at --log-level, serves /metrics", async (t) => {
    const demo = await startDemoProcess(
      ["--ice-server", "stun:stun.test:3478", "--ice-server", "turn:turn.test:3478", "--log-level", "debug"],
      t,
    );
    const page = await (await fetch(`${demo.url}/chat?name=ann`)).text();
    const config = /<p2p-frame [^>]*config="([^"]*)"/.exec(page)?.[1];
    assert.ok(config, "the chat page has a <p2p-frame config>");
    const parsed = JSON.parse(config.replaceAll("&quot;", '"').replaceAll("&amp;", "&"));
    assert.deepEqual(parsed.iceServers, [{ urls: "stun:stun.test:3478" }, { urls: "turn:turn.test:3478" }]);

    const line = await demo.waitForLog({
      msg: "no secret given: generated one for this run (tokens die with the process)",
    });
    assert.equal(line.level, "info");
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(
      demo.logs.filter((l) => l.level === "raw"),
      [],
      "every stderr line is JSON",
    );

    const metrics = await fetch(`${demo.url}/metrics`);
    assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    assert.equal(parseExposition(await metrics.text()).value("p2p_connections"), 0);
  });

  test("writes no info lines at --log-level warn", async (t) => {
    const demo = await startDemoProcess(["--log-level", "warn", "--secret", "cli-demo-secret-0123456789"], t);
    assert.equal((await fetch(`${demo.url}/health`)).status, 200);
    await demo.stop();
    assert.deepEqual(demo.logs, []);
  });
});
