import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, type TestContext, test } from "node:test";
import { initCommand } from "../../src/cli/init.js";
import { runCli } from "../../src/cli/run.js";

const ESM_PACKAGE = '{"type":"module"}';

async function project(t: TestContext, files: Record<string, string> = { "package.json": ESM_PACKAGE }) {
  const cwd = await mkdtemp(join(tmpdir(), "p2p-init-"));
  t.after(() => rm(cwd, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) await writeFile(join(cwd, name), content);
  const lines: string[] = [];
  const init = (...args: string[]) => initCommand(args, { cwd, log: (line) => lines.push(line) });
  return { cwd, lines, init };
}

describe("init", () => {
  test("writes a TypeScript server entry and client entry when the project has a tsconfig.json", async (t) => {
    const { cwd, lines, init } = await project(t, { "package.json": "{}", "tsconfig.json": "{}" });
    assert.equal(await init(), 0);
    const server = await readFile(join(cwd, "server/cable.ts"), "utf8");
    assert.match(server, /from "p2p-streams-channel\/server"/);
    assert.match(server, /export function mountCable\(server: Server\)/);
    assert.match(server, /secret: process\.env\.P2P_SECRET/);
    const client = await readFile(join(cwd, "app/javascript/p2p.ts"), "utf8");
    assert.match(client, /import \{ define \} from "p2p-streams-channel\/client";/);
    assert.match(client, /^define\(\);/m, "the client entry registers <p2p-frame> explicitly");
    assert.deepEqual(lines.slice(0, 2), ["create     server/cable.ts", "create     app/javascript/p2p.ts"]);
    assert.ok(lines.some((line) => line.includes('import { mountCable } from "./server/cable.js"')));
  });

  test("writes JavaScript without a tsconfig.json, and where --server and --client say", async (t) => {
    const { cwd, lines, init } = await project(t);
    assert.equal(await init("--server", "src/p2p_cable.js", "--client", "web/p2p.js"), 0);
    const server = await readFile(join(cwd, "src/p2p_cable.js"), "utf8");
    assert.match(server, /export function mountCable\(server\) \{/);
    assert.doesNotMatch(server, /: Server|: string/);
    assert.match(
      await readFile(join(cwd, "web/p2p.js"), "utf8"),
      /const \{ reason, message \} = event\.detail;/,
    );
    assert.deepEqual(lines.slice(0, 2), ["create     src/p2p_cable.js", "create     web/p2p.js"]);
  });

  test("names the JavaScript server entry .mjs in a CommonJS package, where Node would not run it as ESM", async (t) => {
    const { cwd, lines, init } = await project(t, { "package.json": '{"name":"app"}' });
    assert.equal(await init("--js"), 0);
    assert.match(
      await readFile(join(cwd, "server/cable.mjs"), "utf8"),
      /export const cable = new CableServer/,
    );
    assert.deepEqual(lines.slice(0, 2), ["create     server/cable.mjs", "create     app/javascript/p2p.js"]);
  });

  test("changes nothing the second time and says so", async (t) => {
    const { cwd, lines, init } = await project(t);
    assert.equal(await init(), 0);
    const written = await stat(join(cwd, "server/cable.js"));
    lines.length = 0;
    assert.equal(await init(), 0);
    assert.deepEqual(lines, [
      "identical  server/cable.js",
      "identical  app/javascript/p2p.js",
      "nothing to do: p2p-streams-channel is already set up here",
    ]);
    assert.equal((await stat(join(cwd, "server/cable.js"))).mtimeMs, written.mtimeMs);
  });

  test("refuses to clobber a file with other content, writing nothing, unless --force", async (t) => {
    const { cwd, lines, init } = await project(t);
    await init("--client", "p2p.js");
    await rm(join(cwd, "server"), { recursive: true });
    await writeFile(join(cwd, "p2p.js"), "// mine\n");
    const stderr = t.mock.method(console, "error", () => {});
    lines.length = 0;
    assert.equal(await init("--client", "p2p.js"), 1);
    assert.deepEqual(lines, ["conflict   p2p.js (exists with other content)"]);
    assert.match(String(stderr.mock.calls[0]?.arguments[0]), /wrote nothing; .* --force/);
    assert.equal(await readFile(join(cwd, "p2p.js"), "utf8"), "// mine\n");
    await assert.rejects(stat(join(cwd, "server/cable.js")), { code: "ENOENT" });

    lines.length = 0;
    assert.equal(await init("--client", "p2p.js", "--force"), 0);
    assert.deepEqual(lines.slice(0, 2), ["create     server/cable.js", "overwrite  p2p.js"]);
    assert.match(await readFile(join(cwd, "p2p.js"), "utf8"), /p2p-streams-channel\/client/);
  });

  test("refuses a directory without package.json", async (t) => {
    const { cwd, init } = await project(t, {});
    const stderr = t.mock.method(console, "error", () => {});
    assert.equal(await init(), 1);
    assert.match(String(stderr.mock.calls[0]?.arguments[0]), /no package\.json in .*: run it at the root/);
    await assert.rejects(stat(join(cwd, "server")), { code: "ENOENT" });
  });

  test("exits with 2 on usage errors through the CLI", async (t) => {
    const stderr = t.mock.method(console, "error", () => {});
    assert.equal(await runCli(["init", "--nope"]), 2);
    assert.equal(await runCli(["init", "--ts", "--js"]), 2);
    assert.equal(await runCli(["init", "extra"]), 2);
    const messages = stderr.mock.calls.map((call) => String(call.arguments[0]));
    assert.deepEqual(messages, [
      'p2p-streams-channel init: unknown option "--nope" (--help lists the options)',
      "p2p-streams-channel init: --ts and --js exclude each other",
      "p2p-streams-channel init: init takes no arguments, got: extra",
    ]);
  });
});
