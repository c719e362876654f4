import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { controllerFileBase, generateCommand } from "../../src/cli/generate.js";
import { runCli } from "../../src/cli/run.js";

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "p2p-generate-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("generate controller", () => {
  test("writes app/javascript/controllers/NAME_controller.js extending P2pController", async (t) => {
    const cwd = await tempDir(t);
    const lines: string[] = [];
    const code = await generateCommand(["controller", "chat"], { cwd, log: (line) => lines.push(line) });
    assert.equal(code, 0);
    const source = await readFile(join(cwd, "app/javascript/controllers/chat_controller.js"), "utf8");
    assert.match(source, /import \{ P2pController \} from "p2p-streams-channel\/stimulus"/);
    assert.match(source, /export default class extends P2pController/);
    for (const callback of [
      "p2pNegotiating",
      "p2pConnecting",
      "p2pConnected",
      "p2pDisconnected",
      "p2pClosed",
      "p2pError",
      "p2pReceivedMessage",
    ]) {
      assert.match(source, new RegExp(`${callback}\\(`), `stubs ${callback}`);
    }
    assert.match(source, /data-controller="chat"/);
    assert.deepEqual(lines, [`create  ${join("app", "javascript", "controllers", "chat_controller.js")}`]);
  });

  test("writes into --dir and names a multi-word controller in snake_case", async (t) => {
    const cwd = await tempDir(t);
    const code = await generateCommand(["controller", "chat-room", "--dir", "src/controllers"], {
      cwd,
      log: () => {},
    });
    assert.equal(code, 0);
    const source = await readFile(join(cwd, "src/controllers/chat_room_controller.js"), "utf8");
    assert.match(source, /data-controller="chat-room"/);
  });

  test("refuses to overwrite an existing file without --force, and overwrites with it", async (t) => {
    const cwd = await tempDir(t);
    const log = () => {};
    assert.equal(await generateCommand(["controller", "chat"], { cwd, log }), 0);
    const path = join(cwd, "app/javascript/controllers/chat_controller.js");
    await writeFile(path, "// mine\n");
    const stderr = t.mock.method(console, "error", () => {});
    assert.equal(await generateCommand(["controller", "chat"], { cwd, log }), 1);
    assert.match(String(stderr.mock.calls[0]?.arguments[0]), /already exists \(use --force to overwrite\)/);
    assert.equal(await readFile(path, "utf8"), "// mine\n");
    assert.equal(await generateCommand(["controller", "chat", "--force"], { cwd, log }), 0);
    assert.match(await readFile(path, "utf8"), /extends P2pController/);
  });

  test("refuses names that are not identifiers, quoting them", () => {
    for (const name of ["../evil", "1chat", "chat room", "", "chat/room", "ch@t"]) {
      assert.throws(
        () => controllerFileBase(name),
        new RegExp(`invalid controller name "${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}"`),
      );
    }
    assert.equal(controllerFileBase("ChatRoom"), "chat_room");
    assert.equal(controllerFileBase("chat_controller"), "chat");
  });

  test("exits with 2 on usage errors through the CLI", async (t) => {
    const stderr = t.mock.method(console, "error", () => {});
    t.mock.method(console, "log", () => {});
    assert.equal(await runCli(["generate"]), 2);
    assert.equal(await runCli(["generate", "model", "chat"]), 2);
    assert.equal(await runCli(["generate", "controller"]), 2);
    assert.equal(await runCli(["generate", "controller", "../x"]), 2);
    assert.equal(await runCli(["generate", "controller", "chat", "--nope"]), 2);
    const messages = stderr.mock.calls.map((call) => String(call.arguments[0]));
    assert.match(messages[1]!, /cannot generate "model": only "controller" is known/);
    assert.match(messages[3]!, /invalid controller name "\.\.\/x"/);
  });
});
