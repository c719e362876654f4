import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, type TestContext, test } from "node:test";
import { createDemoApp } from "../../src/demo/app.js";
import { TEST_SECRET } from "../support/cable.js";
import { parsed, startJoin } from "../support/join_process.js";

// `p2p-streams-channel join URL` as a user runs it: a child process against the demo, typed into
// on stdin and read on stdout. Node peers open real peer connections (@roamhq/wrtc): run this file
// through ../shared/tools/netns-run.

async function startDemo(t: TestContext): Promise<string> {
  const app = createDemoApp({ secret: TEST_SECRET, iceServers: [] });
  const base = await app.listen(0, "127.0.0.1");
  t.after(() => app.close());
  return base;
}

const isJson = (match: Record<string, unknown>) => (line: string) => {
  const value = parsed(line);
  return (
    value !== null && Object.entries(match).every(([k, v]) => JSON.stringify(value[k]) === JSON.stringify(v))
  );
};

describe("p2p-streams-channel join", () => {
  test("a --host-only host (--json) and a member (text) chat through stdin and stdout", async (t) => {
    const base = await startDemo(t);
    const page = (name: string) => `${base}/chat?name=${name}&session=cli`;
    const host = startJoin([page("hoster"), "--host-only", "--json"], t);
    await host.line("that it hosts", isJson({ type: "host", hostPeerId: "hoster", iamHost: true }));
    const member = startJoin([page("mem")], t);
    await member.line("both peers connected", (l) => l === "* peers: hoster connected, mem connected");
    await host.line(
      "both peers connected",
      isJson({ type: "peers", peers: { hoster: "connected", mem: "connected" } }),
    );
    assert.ok(member.lines.includes("* host: hoster"), member.lines.join("\n"));
    // The host's status map can reach the member through the cable (first messages go there at
    // once) before the member's own data channel opens: its state line may come after.
    await member.line("its own state connected", (l) => l === "* state: connected");

    member.type("hello from mem");
    host.type("hello from hoster");
    for (const [sender, text] of [
      ["mem", "hello from mem"],
      ["hoster", "hello from hoster"],
    ] as const) {
      await host.line(`${sender}'s message`, isJson({ type: "message", senderId: sender, data: text }));
      await member.line(`${sender}'s message`, (l) =>
        new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\] ${sender}: ${text}$`).test(l),
      );
    }
    const jsonMessage = parsed(host.lines.find(isJson({ type: "message", senderId: "mem" }))!)!;
    assert.ok(!Number.isNaN(Date.parse(String(jsonMessage.time))), "a --json message carries its time");

    // A second always-on host for the same session refuses to be a member.
    const second = startJoin([page("other"), "--host-only"], t);
    assert.equal(await second.exited, 5, second.stderr());
    assert.match(second.stderr(), /is hosted by "hoster": --host-only does not join as a member/);

    // The member leaves when its stdin ends; the host stays, and stops on SIGTERM.
    member.child.stdin!.end();
    assert.equal(await member.exited, 0, member.stderr());
    await host.line("the member gone", isJson({ type: "peers", peers: { hoster: "connected" } }));
    host.child.stdin!.end();
    await host.line("its own message after stdin ended", isJson({ type: "message", senderId: "hoster" }));
    host.child.kill("SIGTERM");
    assert.equal(await host.exited, 0, host.stderr());
    const messages = host.lines.filter(isJson({ type: "message" }));
    assert.equal(messages.length, 2, `each message once: ${messages.join("\n")}`);
  });

  test("exits 3 naming the URL when the server is unreachable", async (t) => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const join = startJoin([`http://127.0.0.1:${port}/chat?name=ann`], t);
    assert.equal(await join.exited, 3);
    assert.match(
      join.stderr(),
      new RegExp(`unreachable: Cannot reach http://127.0.0.1:${port}/chat/token\\?name=ann: ECONNREFUSED`),
    );
  });

  test("exits 4 with the server's words when the token route refuses the name", async (t) => {
    const base = await startDemo(t);
    const join = startJoin([`${base}/chat?name=${"x".repeat(41)}`, "--json"], t);
    assert.equal(await join.exited, 4);
    assert.match(join.stderr(), /refused: .*answered 400: .*name must be at most 40 characters/);
    assert.ok(join.lines.some(isJson({ type: "error", reason: "refused" })), join.lines.join("\n"));
  });

  test("exits 4 with invalid_token when the cable refuses the token", async (t) => {
    const base = await startDemo(t);
    // A token route that hands out a token the demo never signed.
    const forger = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          cableUrl: `${base.replace("http", "ws")}/cable`,
          token: "forged.token",
          sessionId: "cli",
          peerId: "eve",
          config: { iceServers: [] },
        }),
      );
    });
    await new Promise<void>((resolve) => forger.listen(0, "127.0.0.1", resolve));
    t.after(() => forger.close());
    const { port } = forger.address() as AddressInfo;
    const join = startJoin([`http://127.0.0.1:${port}/chat?name=eve`], t);
    assert.equal(await join.exited, 4, join.stderr());
    assert.match(join.stderr(), /invalid_token: the server refused this peer/);
    assert.ok(join.lines.includes("* state: failed"), join.lines.join("\n"));
  });

  test("exits 2 on a URL without a name, saying how to give one", async (t) => {
    const join = startJoin(["http://127.0.0.1:1/chat"], t);
    assert.equal(await join.exited, 2);
    assert.match(join.stderr(), /has no name: add \?name=NAME/);
  });
});
