import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runCli } from "../../src/cli/run.js";

// Every command's --help and usage errors, through runCli as `p2p-streams-channel` runs it.
// Nothing here starts a server: each case fails (or prints help) before `demo` would listen.

describe("CLI flags", () => {
  test("prints each command's usage with --help and exits 0", async (t) => {
    for (const command of ["demo", "init", "generate"]) {
      const { code, log } = await runCliOutput(t, [command, "--help"]);
      assert.equal(code, 0, command);
      assert.match(log, new RegExp(`^usage: p2p-streams-channel ${command} `));
    }
    const { code, log } = await runCliOutput(t, ["--help"]);
    assert.equal(code, 0);
    for (const command of ["demo", "init", "generate"]) assert.match(log, new RegExp(`\\n  ${command} `));
  });

  test("documents every demo option in its help", async (t) => {
    const { log } = await runCliOutput(t, ["demo", "--help"]);
    const flags = ["--port", "--host", "--secret", "--ice-server URL", "--log-level", "--redis"];
    const iceFlags = ["--stun-url URL", "--turn-url URL", "--turn-secret S", "--ice-transport-policy P"];
    for (const flag of [...flags, "--room-max-members N", ...iceFlags, "--no-relay"]) {
      assert.ok(log.includes(flag), `demo --help mentions ${flag}`);
    }
  });

  test("exits 2 naming the culprit for unknown flags and bad values", async (t) => {
    const cases: [string[], string][] = [
      [
        ["demo", "--prot", "80"],
        'p2p-streams-channel demo: unknown option "--prot" (--help lists the options)',
      ],
      [
        ["generate", "controller", "chat", "-x"],
        'p2p-streams-channel generate: unknown option "-x" (--help lists the options)',
      ],
      [
        ["demo", "--port"],
        "p2p-streams-channel demo: Option '--port <value>' argument missing (--help lists the options)",
      ],
      [["demo", "now"], 'p2p-streams-channel demo: unexpected argument "now" (--help lists the options)'],
      [["demo", "--port", "70000"], 'p2p-streams-channel demo: --port must be 0-65535, got "70000"'],
      [
        ["demo", "--log-level", "loud"],
        'p2p-streams-channel demo: --log-level must be debug, info, warn, error, silent, got "loud"',
      ],
      [
        ["demo", "--redis", "localhost:6379"],
        'p2p-streams-channel demo: --redis must be a redis:// or rediss:// URL, got "localhost:6379"',
      ],
      ...["0", "-1", "2.5", "eight", ""].map((value): [string[], string] => [
        ["demo", `--room-max-members=${value}`],
        `p2p-streams-channel demo: --room-max-members must be a positive integer, got "${value}"`,
      ]),
      [["serve"], 'p2p-streams-channel: unknown command "serve"'],
      [
        ["demo", "--turn-url", "turn:10.233.0.1:3478"],
        "p2p-streams-channel demo: --turn-url turn:10.233.0.1:3478 needs --turn-secret (or TURN_SECRET)",
      ],
      [
        ["demo", "--turn-secret", "s3cret"],
        "p2p-streams-channel demo: --turn-secret needs at least one --turn-url",
      ],
      [
        ["demo", "--ice-transport-policy", "none"],
        'p2p-streams-channel demo: --ice-transport-policy must be all or relay, got "none"',
      ],
      [
        ["demo", "--ice-transport-policy", "relay"],
        "p2p-streams-channel demo: --ice-transport-policy relay needs --turn-url (pages would connect through nothing)",
      ],
      [
        ["demo", "--turn-url", "http://t", "--turn-secret", "s"],
        'p2p-streams-channel demo: TURN URL must start with turn: or turns:, got "http://t"',
      ],
      [
        ["demo", "--stun-url", "turn:t"],
        'p2p-streams-channel demo: STUN URL must start with stun: or stuns:, got "turn:t"',
      ],
    ];
    for (const [argv, expected] of cases) {
      const { code, error } = await runCliOutput(t, argv);
      assert.equal(code, 2, argv.join(" "));
      assert.equal(error.split("\n")[0], expected);
    }
  });
});

describe("CLI TURN secret", () => {
  test("takes TURN_SECRET with --turn-url, and ignores it without", async (t) => {
    const saved = process.env.TURN_SECRET;
    process.env.TURN_SECRET = "from-env";
    t.after(() => {
      if (saved === undefined) delete process.env.TURN_SECRET;
      else process.env.TURN_SECRET = saved;
    });
    // The TURN flags are checked before --port: a bad port shows the secret was taken (or not missed).
    const plain = await runCliOutput(t, ["demo", "--port", "x"]);
    assert.equal(plain.error.split("\n")[0], 'p2p-streams-channel demo: --port must be 0-65535, got "x"');
    const relayed = await runCliOutput(t, ["demo", "--turn-url", "turn:t:3478", "--port", "x"]);
    assert.equal(relayed.code, 2);
    assert.equal(relayed.error.split("\n")[0], 'p2p-streams-channel demo: --port must be 0-65535, got "x"');
    delete process.env.TURN_SECRET;
    const missing = await runCliOutput(t, ["demo", "--turn-url", "turn:t:3478", "--port", "x"]);
    assert.equal(
      missing.error.split("\n")[0],
      "p2p-streams-channel demo: --turn-url turn:t:3478 needs --turn-secret (or TURN_SECRET)",
    );
  });
});

async function runCliOutput(t: { mock: test.TestContext["mock"] }, argv: string[]) {
  const log = t.mock.method(console, "log", () => {});
  const error = t.mock.method(console, "error", () => {});
  try {
    const code = await runCli(argv);
    const text = (calls: typeof log.mock.calls) => calls.map((call) => String(call.arguments[0])).join("\n");
    return { code, log: text(log.mock.calls), error: text(error.mock.calls) };
  } finally {
    log.mock.restore();
    error.mock.restore();
  }
}
