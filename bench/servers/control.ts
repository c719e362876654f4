import { createServer } from "node:http";

/** What a server process reports about itself: the inputs of the memory and CPU figures. */
export interface ServerStats {
  /** Resident set size, bytes. */
  rss: number;
  heapUsed: number;
  external: number;
  /** Process CPU time (user + system) since start, microseconds. */
  cpuUs: number;
}

/** The first message a server process sends to the orchestrator over IPC. */
export interface ReadyMessage {
  type: "ready";
  server: string;
  /** Port of the server under test (WebSocket endpoint). */
  port: number;
  /** Port of the control endpoint (`GET /stats[?gc=1]`), so the load generator can read stats too. */
  controlPort: number;
}

/** The secret of `servers/signaling.ts`: the load generator signs its session tokens with it. */
export const SIGNALING_SECRET = "bench-secret-0123456789abcdef";

const gc = (globalThis as { gc?: () => void }).gc;

/** Reads RSS and CPU time; with `collect`, after two full GCs (needs `--expose-gc`), as the memory figure wants. */
export function readStats(collect: boolean): ServerStats {
  if (collect) {
    if (!gc)
      throw new Error("server process started without --expose-gc: memory figures would include garbage");
    gc();
    gc();
  }
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    cpuUs: cpu.user + cpu.system,
  };
}

/**
 * Opens the control endpoint beside the server under test and tells the orchestrator both ports.
 * The process ends when the orchestrator goes (IPC disconnect) or sends SIGTERM, through
 * `process.exit` so that `--cpu-prof` writes its profile.
 */
export async function announce(server: string, port: number): Promise<void> {
  const control = createServer((request, response) => {
    if (!request.url?.startsWith("/stats")) {
      response.writeHead(404).end();
      return;
    }
    try {
      const stats = readStats(request.url.includes("gc=1"));
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(stats));
    } catch (error) {
      response.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    }
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  const address = control.address();
  const controlPort = typeof address === "object" && address ? address.port : 0;
  process.on("SIGTERM", () => process.exit(0));
  process.on("disconnect", () => process.exit(0));
  const ready: ReadyMessage = { type: "ready", server, port, controlPort };
  if (!process.send)
    throw new Error(`bench server ${server} must be started by bench/run.ts (no IPC channel)`);
  process.send(ready);
}

/** Port of a listening Node server, for the servers that do not return it. */
export function boundPort(address: ReturnType<import("node:net").Server["address"]>): number {
  if (typeof address === "object" && address) return address.port;
  throw new Error(`server is not listening on a TCP port: ${String(address)}`);
}
