import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { type CommandIo, parseCommandLine, resolveIo, UsageError } from "./command.js";
import { clientEntryTemplate, serverEntryTemplate } from "./templates/init_templates.js";

const HELP = `usage: p2p-streams-channel init [--server PATH] [--client PATH] [--ts | --js] [--force]

Adds p2p-streams-channel to the project in the current directory (it needs a package.json):
a server entry (the cable with every channel, mountCable(httpServer), p2pFrame(session, peer))
and a client entry (registers <p2p-frame>). Running it again changes nothing. A file that
exists with other content is never overwritten without --force; then nothing is written.

  --server PATH   default server/cable.ts (with --js: server/cable.js, or .mjs in a CommonJS package)
  --client PATH   default app/javascript/p2p.ts (app/javascript/p2p.js with --js)
  --ts, --js      the language (default: TypeScript when tsconfig.json exists)
  --force         overwrite files that differ`;

const OPTIONS = {
  server: { type: "string" },
  client: { type: "string" },
  ts: { type: "boolean", default: false },
  js: { type: "boolean", default: false },
  force: { type: "boolean", default: false },
  help: { type: "boolean", short: "h" },
} satisfies ParseArgsConfig["options"];

/** Where `init` reads and writes (the project directory), and where it reports. */
export type InitOptions = CommandIo;

interface Planned {
  path: string;
  shown: string;
  content: string;
  state: "create" | "identical" | "conflict";
}

/**
 * `init`: resolves to the exit code (0 written or already set up, 1 refused: no package.json or
 * a conflicting file, 2 usage).
 */
export async function initCommand(argv: string[], options: InitOptions = {}): Promise<number> {
  const { cwd, log } = resolveIo(options);
  const parsed = parseCommandLine(
    { args: argv, options: OPTIONS, strict: true, allowPositionals: true },
    HELP,
    log,
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new UsageError(`init takes no arguments, got: ${positionals.join(" ")}`);
  if (values.ts && values.js) throw new UsageError("--ts and --js exclude each other");
  if (!existsSync(join(cwd, "package.json"))) {
    console.error(
      `p2p-streams-channel init: no package.json in ${cwd}: run it at the root of an existing project (npm init makes one)`,
    );
    return 1;
  }
  const typescript = values.js ? false : values.ts || existsSync(join(cwd, "tsconfig.json"));
  const ext = typescript ? "ts" : "js";
  // The server entry is an ES module: in a CommonJS package, Node runs it only as .mjs.
  const serverExt = typescript || (await isEsmPackage(cwd)) ? ext : "mjs";
  const plan = await Promise.all([
    planned(cwd, values.server ?? join("server", `cable.${serverExt}`), serverEntryTemplate({ typescript })),
    planned(
      cwd,
      values.client ?? join("app", "javascript", `p2p.${ext}`),
      clientEntryTemplate({ typescript }),
    ),
  ]);

  const conflicts = plan.filter((file) => file.state === "conflict");
  if (conflicts.length > 0 && !values.force) {
    for (const file of conflicts) log(`${"conflict".padEnd(10)} ${file.shown} (exists with other content)`);
    console.error("p2p-streams-channel init: wrote nothing; move those files or use --force to overwrite");
    return 1;
  }
  if (plan.every((file) => file.state === "identical")) {
    for (const file of plan) log(`${"identical".padEnd(10)} ${file.shown}`);
    log("nothing to do: p2p-streams-channel is already set up here");
    return 0;
  }
  for (const file of plan) {
    if (file.state === "identical") {
      log(`${"identical".padEnd(10)} ${file.shown}`);
      continue;
    }
    await mkdir(dirname(file.path), { recursive: true });
    await writeFile(file.path, file.content);
    log(`${(file.state === "conflict" ? "overwrite" : "create").padEnd(10)} ${file.shown}`);
  }
  log("");
  log("next:");
  log(`  server: import { mountCable } from "./${withJs(plan[0]!.shown)}"; mountCable(httpServer);`);
  log("          and set P2P_SECRET (16+ characters; the same on every process)");
  log(
    `  client: add ${plan[1]!.shown} to your bundler's entries, then render p2pFrame(session, peer) in a page`,
  );
  return 0;
}

async function planned(cwd: string, path: string, content: string): Promise<Planned> {
  const absolute = resolve(cwd, path);
  const shown = relative(cwd, absolute) || absolute;
  if (!existsSync(absolute)) return { path: absolute, shown, content, state: "create" };
  const current = await readFile(absolute, "utf8");
  return { path: absolute, shown, content, state: current === content ? "identical" : "conflict" };
}

async function isEsmPackage(cwd: string): Promise<boolean> {
  try {
    return (
      (JSON.parse(await readFile(join(cwd, "package.json"), "utf8")) as { type?: unknown }).type === "module"
    );
  } catch {
    return false; // unreadable or not JSON: npm would refuse it too; CommonJS is its default
  }
}

/** How an ESM import names a file compiled from TypeScript. */
function withJs(path: string): string {
  return path.replace(/\.ts$/, ".js");
}
