import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, type TestContext } from "node:test";
import { stunAnswers } from "./stun.js";

/** The veth address of netns-run's namespace: ICE gathers it, coturn listens and relays on it. */
export const NETNS_ADDRESS = "10.233.0.1";

const CANDIDATES = ["/usr/bin/turnserver", "/usr/local/bin/turnserver"];

export const COTURN_MISSING = `turnserver (coturn) not found (looked at $TURNSERVER_PATH, ${CANDIDATES.join(", ")}).
Install it with \`sudo apt-get install coturn\` (Debian/Ubuntu); .ci/run does.
To skip the TURN suites on purpose, set P2P_SKIP_TURN_TESTS=1 (CI never does).`;

/** A private coturn: `use-auth-secret`, UDP only, no TLS, no CLI, on the namespace's address. */
export interface Coturn {
  readonly host: string;
  readonly port: number;
  readonly secret: string;
  /** `turn:10.233.0.1:<port>?transport=udp` */
  readonly url: string;
  /** Everything it logged (stdout and stderr), across restarts. */
  readonly log: string[];
  /** Whether the process runs. */
  readonly running: boolean;
  /** Kills it at once (SIGKILL: allocations vanish as in a crash); resolves once it exited. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and waits until it answers STUN. */
  start(): Promise<void>;
}

/**
 * A coturn for the tests of the enclosing `describe`: started before them, killed after them. Read
 * `coturn` inside the tests.
 */
export function coturnInSuite(secret = "coturn-test-secret"): { readonly coturn: Coturn } {
  let coturn: Coturn | null = null;
  let stop: (() => Promise<void>) | null = null;
  before(async (t) => {
    const started = await startCoturn(t as unknown as TestContext, secret);
    if (started) ({ coturn, stop } = started);
  });
  after(async () => {
    await stop?.();
  });
  return {
    get coturn() {
      return coturn!;
    },
  };
}

/**
 * Starts `turnserver` inside the netns-run namespace, with a private relay port range, and waits
 * until it answers a STUN Binding request; `stop` kills it and removes its files. A missing
 * turnserver fails with how to install it (skips only with P2P_SKIP_TURN_TESTS=1, never on CI).
 */
export async function startCoturn(
  t: TestContext,
  secret = "coturn-test-secret",
): Promise<{ coturn: Coturn; stop(): Promise<void> } | null> {
  const binary = process.env.TURNSERVER_PATH ?? CANDIDATES.find((path) => existsSync(path));
  if (!binary || !existsSync(binary)) {
    if (process.env.P2P_SKIP_TURN_TESTS === "1" && !process.env.CI) {
      t.skip("P2P_SKIP_TURN_TESTS=1 and no turnserver");
      return null;
    }
    throw new Error(COTURN_MISSING);
  }
  if (!(await addressIsLocal(NETNS_ADDRESS)))
    throw new Error(
      `${NETNS_ADDRESS} is not an address of this machine: run the test through ../shared/tools/netns-run`,
    );
  const port = await freeUdpPort(NETNS_ADDRESS);
  // A relay range of its own, away from the listening port and from the browsers' ephemeral ports.
  const minPort = 40_000 + Math.floor(Math.random() * 200) * 50;
  const dir = mkdtempSync(join(tmpdir(), "coturn-"));
  const log: string[] = [];
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const args = [
    "-n", // no /etc/turnserver.conf: every setting is here
    `--listening-ip=${NETNS_ADDRESS}`,
    `--relay-ip=${NETNS_ADDRESS}`,
    `--listening-port=${port}`,
    `--min-port=${minPort}`,
    `--max-port=${minPort + 49}`,
    "--use-auth-secret",
    `--static-auth-secret=${secret}`,
    "--realm=p2p.test",
    "--fingerprint",
    "--no-tls",
    "--no-dtls",
    "--no-tcp-relay",
    "--no-cli",
    "--no-multicast-peers",
    // Production denies private ranges; here the peers are on the namespace's own address.
    "--denied-peer-ip=0.0.0.0-255.255.255.255",
    `--allowed-peer-ip=${NETNS_ADDRESS}`,
    "--verbose", // logs each allocation with its user: the tests check whose credential it was
    "--log-file=stdout",
    "--simple-log",
    `--pidfile=${join(dir, "turnserver.pid")}`,
    `--db=${join(dir, "turndb")}`,
  ];

  const coturn: Coturn = {
    host: NETNS_ADDRESS,
    port,
    secret,
    url: `turn:${NETNS_ADDRESS}:${port}?transport=udp`,
    log,
    get running() {
      return child !== null;
    },
    async kill() {
      child?.kill("SIGKILL");
      await exited;
    },
    async start() {
      if (child) return;
      const proc = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
      child = proc;
      exited = new Promise((resolve) =>
        proc.once("exit", () => {
          child = null;
          resolve();
        }),
      );
      for (const stream of [proc.stdout, proc.stderr])
        stream.on("data", (chunk: Buffer) => log.push(...chunk.toString().split("\n").filter(Boolean)));
      const deadline = Date.now() + 10_000;
      while (!(await stunAnswers(NETNS_ADDRESS, port))) {
        if (!child) throw new Error(`turnserver exited at start:\n${log.slice(-20).join("\n")}`);
        if (Date.now() > deadline)
          throw new Error(`turnserver not answering on ${port}:\n${log.slice(-20).join("\n")}`);
      }
    },
  };
  const stop = async () => {
    await coturn.kill();
    rmSync(dir, { recursive: true, force: true });
    if (process.env.P2P_TEST_DEBUG) console.log(log.join("\n"));
  };
  try {
    await coturn.start();
  } catch (error) {
    await stop();
    throw error;
  }
  return { coturn, stop };
}

/** A UDP port free on `host` now (bound to 0, read, released). */
function freeUdpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Whether a socket can bind `host` (it is one of this machine's, as inside netns-run). */
function addressIsLocal(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    socket.once("error", () => resolve(false));
    socket.bind(0, host, () => socket.close(() => resolve(true)));
  });
}
