import { type Command, UsageError } from "./command.js";
import { demoCommand } from "./demo.js";
import { generateCommand } from "./generate.js";
import { initCommand } from "./init.js";

const commands: Record<string, { summary: string; run: Command }> = {
  demo: { summary: "start the demo app (chat sessions and video rooms) on one port", run: demoCommand },
  init: {
    summary: "add a server entry (the cable) and a client entry (<p2p-frame>) to this project",
    run: (args) => initCommand(args),
  },
  generate: {
    summary: "generate controller NAME: a Stimulus P2pController skeleton",
    run: (args) => generateCommand(args),
  },
  // Loaded when used: the Node peer (WebRTC module, cable client) stays out of the other commands.
  join: {
    summary: "join URL: join a session from the terminal as a Node peer (stdin in, messages out)",
    run: async (args) => (await import("./join.js")).joinCommand(args),
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
      console.error(`p2p-streams-channel ${name}: ${usageMessage(error as Error & { code?: string })}`);
      return 2;
    }
    console.error(`p2p-streams-channel ${name}: ${(error as Error).stack ?? error}`);
    return 1;
  }
}

// node:util's parseArgs words its errors for programmers; say what the user typed and where help is.
function usageMessage(error: Error & { code?: string }): string {
  const quoted = /'([^']*)'/.exec(error.message)?.[1];
  const help = "(--help lists the options)";
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option "${quoted}" ${help}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return `${error.message.split(".")[0]} ${help}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument "${quoted}" ${help}`;
    default:
      return error.message;
  }
}
