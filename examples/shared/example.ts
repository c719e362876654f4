import type { Server } from "node:http";
import { pathToFileURL } from "node:url";
import { CableServer, createSignalingChannel, MemorySessionStore, Signer } from "p2p-streams-channel/server";

/** How the tests (and `main`) start an example. */
export interface ExampleOptions {
  /** Default 3000 (`PORT`); 0 picks a free one. */
  port?: number;
  /** Default `127.0.0.1` (`HOST`). */
  host?: string;
  /** Signing secret. Default `P2P_SECRET`, else a fresh one per run. */
  secret?: string;
  /** Handed to the pages. Default none. */
  iceServers?: RTCIceServer[];
}

/** A started example: where it listens and how to stop it. */
export interface RunningExample {
  readonly url: string;
  readonly cable: CableServer;
  close(): Promise<void>;
}

/** What each example's `server.ts` exports as `start`. */
export type StartExample = (options?: ExampleOptions) => Promise<RunningExample>;

/**
 * The cable every example mounts: one-to-many sessions (`SignalingChannel`) on an in-memory
 * session store. Swap in `createAdapters({ redisUrl })` for several processes (docs/deployment.md).
 */
export function chatCable(options: ExampleOptions): CableServer {
  return new CableServer({
    channels: [createSignalingChannel({ store: new MemorySessionStore() })],
    secret: options.secret ?? process.env.P2P_SECRET ?? Signer.generateSecret(),
  });
}

/** `http://host:port` for a bound address. */
export function urlOf(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** The example listening on `server`: closing it closes the cable first, so clients hear `server_restart`. */
export function runningOn(cable: CableServer, server: Server, host: string): RunningExample {
  const { port } = server.address() as { port: number };
  return {
    url: urlOf(host, port),
    cable,
    async close() {
      await cable.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Starts the example when its file is run directly (`node --import tsx examples/express/server.ts`),
 * and stops it on Ctrl-C. Importing the file (as the tests do) starts nothing.
 */
export async function runIfMain(
  moduleUrl: string,
  start: (options: ExampleOptions) => Promise<RunningExample>,
) {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const running = await start({
    port: Number(process.env.PORT ?? 3000),
    host: process.env.HOST ?? "127.0.0.1",
  });
  console.log(`chat at ${running.url}/?name=ann (open it again as ?name=bob)`);
  process.once("SIGINT", () => void running.close());
  process.once("SIGTERM", () => void running.close());
}
