import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, test } from "node:test";
import pino from "pino";
import { pinoLogger } from "../../src/server/pino_logger.js";

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pinoLogger(pino({ level, base: undefined, timestamp: false }, stream)) };
}

describe("pinoLogger", () => {
  test("writes the message as msg and the details as fields of one JSON line", () => {
    const { lines, logger } = capture("debug");
    logger.warn("slow client disconnected", { connection: "c1", buffered: 5 });
    logger.debug("no details");
    assert.deepEqual(lines, [
      { level: 40, msg: "slow client disconnected", connection: "c1", buffered: 5 },
      { level: 20, msg: "no details" },
    ]);
  });

  test("leaves filtering to pino's level", () => {
    const { lines, logger } = capture("warn");
    logger.debug("dropped");
    logger.info("dropped too");
    logger.error("kept", { reason: "x" });
    assert.deepEqual(lines, [{ level: 50, msg: "kept", reason: "x" }]);
  });
});
