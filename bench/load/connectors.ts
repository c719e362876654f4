import type { ServerKind } from "../kinds.js";
import type { BenchClient, Connect, ConnectOptions, Deliver } from "./client.js";
import { connectCable, connectCableExt } from "./clients/cable.js";
import { connectPeerServer } from "./clients/peerserver.js";
import { connectRawWs } from "./clients/raw_ws.js";
import { connectSocketIo } from "./clients/socketio.js";

export const connectors: Record<ServerKind, Connect> = {
  cable: connectCable,
  cable_ext: connectCableExt,
  peerserver: connectPeerServer,
  socketio: connectSocketIo,
  raw_ws: connectRawWs,
};

/** Reports how far a long connect is, about every tenth of the way. */
export type Progress = (text: string) => void;

/**
 * Connects `ids.length` clients keeping `parallel` handshakes in flight, the way a crowd of
 * browsers arrives. Fails on the first refused or stuck connection: a figure with silently
 * missing clients would be wrong.
 */
export async function connectMany(
  kind: ServerKind,
  options: Omit<ConnectOptions, "id" | "deliver"> & {
    ids: string[];
    parallel: number;
    deliver: (id: string) => Deliver;
  },
  progress?: Progress,
): Promise<BenchClient[]> {
  const connect = connectors[kind];
  const clients: BenchClient[] = new Array(options.ids.length);
  const step = Math.max(1, Math.floor(options.ids.length / 10));
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < options.ids.length && !failed) {
      const index = next++;
      const id = options.ids[index]!;
      try {
        clients[index] = await connect({
          port: options.port,
          id,
          deliver: options.deliver(id),
          until: options.until,
        });
      } catch (error) {
        failed = true;
        throw error;
      }
      done++;
      if (progress && done % step === 0 && done < options.ids.length)
        progress(`connected ${done}/${options.ids.length}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.parallel, options.ids.length) }, worker));
  return clients;
}

/** Closes every client, in parallel. */
export async function closeAll(clients: BenchClient[]): Promise<void> {
  await Promise.all(clients.map((client) => client.close()));
}
