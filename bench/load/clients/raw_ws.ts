import type { BenchClient, Connect, RelayBody } from "../client.js";
import { withDeadline } from "../client.js";
import { closeSocket, failOnClose, openSocket } from "./ws_socket.js";

/** The raw ws relay: `?id=` names the socket, frames are `{to, body}` out and `{from, body}` in. */
export const connectRawWs: Connect = async ({ port, id, deliver }) => {
  const socket = openSocket(`ws://127.0.0.1:${port}/?id=${encodeURIComponent(id)}`);
  socket.on("message", (data) => {
    const frame = JSON.parse(String(data)) as { from: string; body: RelayBody };
    deliver(frame.from, frame.body);
  });
  const opened = new Promise<void>((resolve) => socket.once("open", () => resolve()));
  await withDeadline(
    Promise.race([opened, failOnClose(socket, `raw ws client ${id}`)]),
    `raw ws open for ${id}`,
  );
  const client: BenchClient = {
    id,
    send(to, body) {
      socket.send(JSON.stringify({ to, body }));
    },
    close: () => closeSocket(socket),
  };
  return client;
};
