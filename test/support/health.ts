import assert from "node:assert/strict";

/** What the demo's `/health` reports. */
export interface Health {
  status: string;
  connections: number;
  subscriptions: number;
}

/** One reading of the demo's `/health`. */
export async function health(base: string): Promise<Health> {
  return (await fetch(`${base}/health`)).json() as Promise<Health>;
}

/**
 * Polls `/health` until `predicate` holds, failing after the deadline with the last reading. The
 * server closes a socket when its close frame arrives: this waits for that state, not for a time.
 */
export async function healthUntil(
  base: string,
  what: string,
  predicate: (h: Health) => boolean,
  timeoutMs = 20_000,
): Promise<Health> {
  const deadline = Date.now() + timeoutMs;
  let last = await health(base);
  while (!predicate(last)) {
    if (Date.now() > deadline) assert.fail(`/health never showed ${what}: last ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await health(base);
  }
  return last;
}
