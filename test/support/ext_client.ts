import type { TestContext } from "node:test";
import type { Cable, Channel } from "@anycable/core";
import { withDeadline } from "./cable.js";
import { anyCableExt } from "./official_clients.js";

/** An extended-protocol `@anycable/core` cable, disconnected when the test ends. */
export function extCable(t: TestContext, url: string, reconnectMs = 25): Cable {
  const cable = anyCableExt(url, reconnectMs);
  t.after(() => cable.disconnect());
  return cable;
}

/** A channel's messages with the position metadata the client saw; `count(n)` waits for n. */
export function positionedInbox(channel: Channel) {
  const messages: unknown[] = [];
  const meta: unknown[] = [];
  const waiters = new Set<() => void>();
  channel.on("message", (message, info) => {
    messages.push(message);
    meta.push(info);
    for (const wake of waiters) wake();
  });
  return {
    messages,
    meta,
    async count(n: number, timeoutMs = 5000): Promise<unknown[]> {
      let wake!: () => void;
      const reached = new Promise<void>((resolve) => {
        wake = () => {
          if (messages.length >= n) resolve();
        };
        waiters.add(wake);
        wake();
      });
      await withDeadline(reached, `${n} messages; got ${JSON.stringify(messages)}`, timeoutMs).finally(() =>
        waiters.delete(wake),
      );
      return messages;
    },
  };
}

/** Resolves with the next event `name` of the cable (`connect`, `disconnect`, `close`, `info`). */
export function nextCableEvent<T = unknown>(
  cable: Cable,
  name: "connect" | "disconnect" | "close",
): Promise<T> {
  return withDeadline(
    new Promise<T>((resolve) => {
      const stop = cable.on(name, ((event: T) => {
        stop();
        resolve(event);
      }) as never);
    }),
    `cable ${name}`,
  );
}

/** Resolves with the next channel `info` notification of type `type` (`history_received`, `history_not_found`, `restored`). */
export function nextInfo(channel: Channel, type: string, timeoutMs = 5000): Promise<unknown> {
  return withDeadline(
    new Promise((resolve) => {
      const stop = channel.on("info", (event: { type: string; data?: unknown }) => {
        if (event.type !== type) return;
        stop();
        resolve(event);
      });
    }),
    `channel info ${type}`,
    timeoutMs,
  );
}
