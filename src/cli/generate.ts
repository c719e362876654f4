import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { type CommandIo, parseCommandLine, resolveIo, UsageError } from "./command.js";
import { controllerTemplate } from "./templates/controller_template.js";

const HELP = `usage: p2p-streams-channel generate controller NAME [--dir DIR] [--force]

Writes a Stimulus controller built on P2pController (the gem's controller generator):
DIR/NAME_controller.js, with every p2p callback stubbed and commented.

  NAME         letters, digits, "_" or "-", starting with a letter (chat, chat_room)
  --dir DIR    where to write it (default app/javascript/controllers)
  --force      overwrite an existing file`;

/** Where `generate` writes and reports. */
export type GenerateOptions = CommandIo;

/** `generate controller NAME`: resolves to the exit code (0 written, 1 refused to overwrite, 2 usage). */
export async function generateCommand(argv: string[], options: GenerateOptions = {}): Promise<number> {
  const { cwd, log } = resolveIo(options);
  const parsed = parseCommandLine(
    {
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        dir: { type: "string", default: join("app", "javascript", "controllers") },
        force: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
    },
    HELP,
    log,
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const [kind, name, ...extra] = positionals;
  if (kind !== "controller") {
    throw new UsageError(
      kind
        ? `cannot generate "${kind}": only "controller" is known\n\n${HELP}`
        : `what to generate?\n\n${HELP}`,
    );
  }
  if (!name) throw new UsageError(`generate controller needs a NAME\n\n${HELP}`);
  if (extra.length > 0) throw new UsageError(`unexpected arguments after the name: ${extra.join(" ")}`);
  const fileBase = controllerFileBase(name);
  const path = resolve(cwd, values.dir, `${fileBase}_controller.js`);
  const shown = relative(cwd, path) || path;
  const existed = existsSync(path);
  if (existed && !values.force) {
    console.error(`p2p-streams-channel generate: ${shown} already exists (use --force to overwrite)`);
    return 1;
  }
  await mkdir(resolve(cwd, values.dir), { recursive: true });
  await writeFile(path, controllerTemplate({ identifier: fileBase.replaceAll("_", "-") }));
  log(`${existed ? "overwrite" : "create"}  ${shown}`);
  return 0;
}

/** `chat_room` and `chat-room` both give `chat_room` (Stimulus identifier `chat-room`); anything else is refused. */
export function controllerFileBase(name: string): string {
  const base = name.replace(/_controller(\.js)?$/, "");
  if (!/^[A-Za-z][A-Za-z0-9]*([_-][A-Za-z0-9]+)*$/.test(base)) {
    throw new UsageError(
      `invalid controller name "${name}": use letters, digits, "_" or "-", starting with a letter (e.g. chat, chat_room)`,
    );
  }
  return base
    .replaceAll("-", "_")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase();
}
