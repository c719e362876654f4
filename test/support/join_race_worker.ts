// A child process for the cross-process host-election test: connects a RedisSessionStore, says
// `ready`, waits for `go` on stdin, then fires its joins at once and prints the results as JSON.
import { createInterface } from "node:readline";
import { RedisSessionStore } from "../../src/store/redis.js";

const [url, sessionId, label, count] = process.argv.slice(2) as [string, string, string, string];
const store = new RedisSessionStore({ url });
await store.peers(sessionId); // connected and the scripts' connection warm before the race
process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line !== "go") continue;
  const results = await Promise.all(
    Array.from({ length: Number(count) }, (_, i) => store.join(sessionId, `${label}-${i}`)),
  );
  process.stdout.write(`${JSON.stringify(results)}\n`);
  break;
}
lines.close();
await store.close();
