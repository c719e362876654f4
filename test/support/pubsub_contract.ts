import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import type { PubSub, PubSubHandler } from "../../src/pubsub/adapter.js";
import { withDeadline } from "./cable.js";

/** Makes a fresh PubSub for one test; the contract closes it when the test ends. */
export type PubSubFactory = (t: TestContext) => Promise<PubSub>;

/** Records what a handler received and waits, with a deadline, for a given count. */
export interface Collector {
  readonly handler: PubSubHandler;
  readonly payloads: string[];
  waitFor(count: number, what?: string): Promise<string[]>;
}

export function collector(): Collector {
  const payloads: string[] = [];
  const waiters = new Set<() => void>();
  const handler: PubSubHandler = (payload) => {
    payloads.push(payload);
    for (const wake of waiters) wake();
  };
  const waitFor = (count: number, what = `${count} payloads`) => {
    if (payloads.length >= count) return Promise.resolve(payloads);
    const reached = new Promise<string[]>((resolve) => {
      const wake = () => {
        if (payloads.length < count) return;
        waiters.delete(wake);
        resolve(payloads);
      };
      waiters.add(wake);
    });
    return withDeadline(reached, `${what} (got ${payloads.length})`);
  };
  return { handler, payloads, waitFor };
}

let counter = 0;
/** A stream name no other test uses, so suites may share one Redis. */
export const uniqueStream = (label: string) => `contract:${process.pid}:${++counter}:${label}`;

/**
 * The PubSub contract of src/pubsub/adapter.ts, run once per implementation. "Nothing arrived"
 * is always proven with a witness: a later payload on the same stream that did arrive, since
 * delivery is in publish order per stream.
 */
export function pubSubContract(name: string, create: PubSubFactory): void {
  describe(`${name} (PubSub contract)`, () => {
    const open = async (t: TestContext) => {
      const pubsub = await create(t);
      t.after(() => pubsub.close());
      return pubsub;
    };

    test("delivers a payload published after subscribe resolved", async (t) => {
      const pubsub = await open(t);
      const stream = uniqueStream("basic");
      const got = collector();
      await pubsub.subscribe(stream, got.handler);
      await pubsub.publish(stream, '{"hello":"world"}');
      assert.deepEqual(await got.waitFor(1), ['{"hello":"world"}']);
    });

    test("delivers every payload once to every handler, the same function subscribed twice counting twice", async (t) => {
      const pubsub = await open(t);
      const stream = uniqueStream("fanout");
      const a = collector();
      const b = collector();
      await pubsub.subscribe(stream, a.handler);
      await pubsub.subscribe(stream, a.handler);
      await pubsub.subscribe(stream, b.handler);
      await pubsub.publish(stream, '"one"');
      await pubsub.publish(stream, '"two"');
      await b.waitFor(2);
      await a.waitFor(4);
      await pubsub.publish(stream, '"witness"');
      await b.waitFor(3);
      await a.waitFor(6);
      assert.deepEqual(b.payloads, ['"one"', '"two"', '"witness"']);
      assert.deepEqual(a.payloads, ['"one"', '"one"', '"two"', '"two"', '"witness"', '"witness"']);
    });

    test("keeps publish order per stream", async (t) => {
      const pubsub = await open(t);
      const stream = uniqueStream("order");
      const got = collector();
      await pubsub.subscribe(stream, got.handler);
      const sent = Array.from({ length: 300 }, (_, i) => JSON.stringify({ i }));
      await Promise.all(sent.map((payload) => pubsub.publish(stream, payload)));
      assert.deepEqual(await got.waitFor(300), sent);
    });

    test("delivers only to the stream published to, even to a stream whose name extends it", async (t) => {
      const pubsub = await open(t);
      const stream = uniqueStream("iso");
      const exact = collector();
      const longer = collector();
      await pubsub.subscribe(stream, exact.handler);
      await pubsub.subscribe(`${stream}:peer:1`, longer.handler);
      await pubsub.publish(stream, '"for exact"');
      await pubsub.publish(`${stream}:peer:1`, '"for longer"');
      assert.deepEqual(await exact.waitFor(1), ['"for exact"']);
      assert.deepEqual(await longer.waitFor(1), ['"for longer"']);
      await pubsub.publish(stream, '"witness"');
      await exact.waitFor(2);
      assert.deepEqual(longer.payloads, ['"for longer"']);
    });

    test("stops delivering to a handler once its unsubscribe resolved, and keeps the others", async (t) => {
      const pubsub = await open(t);
      const stream = uniqueStream("unsub");
      const leaving = collector();
      const staying = collector();
      const stop = await pubsub.subscribe(stream, leaving.handler);
      await pubsub.subscribe(stream, staying.handler);
      await pubsub.publish(stream, '"before"');
      await leaving.waitFor(1);
      await stop();
      await stop();
      await pubsub.publish(stream, '"after"');
      assert.deepEqual(await staying.waitFor(2), ['"before"', '"after"']);
      assert.deepEqual(leaving.payloads, ['"before"']);
    });

    test("delivers again to a new handler after the last one left the stream", async (t) => {
      const pubsub = await open(t);
      const stream = uniqueStream("again");
      const first = collector();
      const stop = await pubsub.subscribe(stream, first.handler);
      await stop();
      const second = collector();
      await pubsub.subscribe(stream, second.handler);
      await pubsub.publish(stream, '"back"');
      assert.deepEqual(await second.waitFor(1), ['"back"']);
      assert.deepEqual(first.payloads, []);
    });

    test("ends with exactly the live handlers after interleaved subscribes and unsubscribes", async (t) => {
      const pubsub = await open(t);
      const stream = uniqueStream("churn");
      const kept = collector();
      const dropped = collector();
      // Last-out and first-in race on the same stream, without awaiting in between.
      const stops = await Promise.all(
        Array.from({ length: 5 }, () => pubsub.subscribe(stream, dropped.handler)),
      );
      const unsubscribing = Promise.all(stops.map((stop) => stop()));
      const subscribing = pubsub.subscribe(stream, kept.handler);
      await Promise.all([unsubscribing, subscribing]);
      await pubsub.publish(stream, '"only kept"');
      assert.deepEqual(await kept.waitFor(1), ['"only kept"']);
      assert.deepEqual(dropped.payloads, []);
    });

    test("keeps delivering to the other handlers when one throws", async (t) => {
      const pubsub = await open(t);
      const stream = uniqueStream("throw");
      const got = collector();
      await pubsub.subscribe(stream, () => {
        throw new Error("handler bug");
      });
      await pubsub.subscribe(stream, got.handler);
      await pubsub.publish(stream, '"a"');
      await pubsub.publish(stream, '"b"');
      assert.deepEqual(await got.waitFor(2), ['"a"', '"b"']);
    });

    test("passes payloads through unchanged, unicode and 60 KB ones included", async (t) => {
      const pubsub = await open(t);
      const stream = uniqueStream("bytes");
      const got = collector();
      await pubsub.subscribe(stream, got.handler);
      const unicode = JSON.stringify({ text: 'héllo 👋 \u0000 "quoted" <turbo-stream>' });
      const large = JSON.stringify({ blob: "x".repeat(60_000) });
      await pubsub.publish(stream, unicode);
      await pubsub.publish(stream, large);
      assert.deepEqual(await got.waitFor(2), [unicode, large]);
    });
  });
}
