import { parseArgs } from "node:util";
import { demoCommand } from "./demo.js";
import { generateCommand } from "./generate.js";

export type Command = (args: string[]) => Promise<number>;

const commands: Record<string, { summary: string; run: Command }> = {
  demo: { summary: "start the demo app (chat sessions and video rooms) on one port", run: demoCommand },
  generate: {
    summary: "generate controller NAME: a Stimulus P2pController skeleton",
    run: (args) => generateCommand(args),
  },
};

const USAGE = () => `usage: p2p-streams-channel <command> [options]

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(22)}${c.summary}`)
  .join("\n")}

Run \`p2p-streams-channel <command> --help\` for a command's options.`;

/** Runs the CLI and resolves to its exit code: 0 ok, 1 failure, 2 usage error. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(USAGE());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`p2p-streams-channel: unknown command "${name}"\n\n${USAGE()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`p2p-streams-channel ${name}: ${(error as Error).message}`);
      return 2;
    }
    console.error(`p2p-streams-channel ${name}: ${(error as Error).stack ?? error}`);
    return 1;
  }
}

export class UsageError extends Error {}

export { parseArgs };
