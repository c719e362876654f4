import { type ParseArgsConfig, parseArgs } from "node:util";

// What every command shares: its signature, its I/O seam, its usage errors and how it reads its
// arguments. Commands import this file; `run.ts` imports the commands.

/** One command of the CLI: resolves to its exit code (0 ok, 1 failure, 2 usage error). */
export type Command = (args: string[]) => Promise<number>;

/** Where a command works and where it reports what it did: injectable for tests. */
export interface CommandIo {
  /** Directory relative paths start from. Default the process's working directory. */
  cwd?: string;
  log?: (line: string) => void;
}

/** `io` with its defaults: the working directory and `console.log`. */
export function resolveIo(io: CommandIo): Required<CommandIo> {
  return { cwd: io.cwd ?? process.cwd(), log: io.log ?? ((line: string) => console.log(line)) };
}

/** A mistake in the command line: reported without a stack, exit code 2. */
export class UsageError extends Error {}

/**
 * A command's arguments, parsed by `node:util`'s `parseArgs`; `undefined` when they ask for
 * `--help`, which has then been written to `log`. Parse errors are thrown for `runCli` to word.
 */
export function parseCommandLine<const T extends ParseArgsConfig>(
  config: T,
  help: string,
  log: (line: string) => void,
): ReturnType<typeof parseArgs<T>> | undefined {
  const parsed = parseArgs(config);
  if ((parsed.values as { help?: unknown }).help !== true) return parsed;
  log(help);
  return undefined;
}
