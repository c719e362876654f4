import type { BenchClient, Connect, RelayBody } from "../client.js";
import { withDeadline } from "../client.js";

/**
 * A Socket.IO client per bench client (`forceNew`, else they would share one socket), on the
 * WebSocket transport only: the same transport as everyone else, no long-polling upgrade dance.
 */
export const connectSocketIo: Connect = async ({ port, id, deliver }) => {
  const { io } = await import("socket.io-client");
  const socket = io(`http://127.0.0.1:${port}`, {
    transports: ["websocket"],
    query: { id },
    forceNew: true,
    reconnection: false,
  });
  socket.on("relay", (from: string, body: RelayBody) => deliver(from, body));
  const connected = new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (error) => reject(new Error(`Socket.IO client ${id}: ${error.message}`)));
  });
  await withDeadline(connected, `Socket.IO connect for ${id}`);
  const client: BenchClient = {
    id,
    send(to, body) {
      socket.emit("relay", to, body);
    },
    close() {
      if (socket.disconnected) return Promise.resolve();
      const closed = new Promise<void>((resolve) => socket.once("disconnect", () => resolve()));
      socket.disconnect();
      return closed;
    },
  };
  return client;
};
