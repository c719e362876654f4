import type { BenchClient, Connect, RelayBody } from "../client.js";
import { withDeadline } from "../client.js";
import { closeSocket, failOnClose, openSocket } from "./ws_socket.js";

// The PeerJS client sends this every 5 s; PeerServer drops a client silent for `alive_timeout`.
const HEARTBEAT_MS = 5000;

/**
 * PeerServer's real client protocol (as peerjs's socket.ts speaks it): connect to
 * `/peerjs?key=&id=&token=`, wait for `OPEN`, send `{type: "CANDIDATE", dst, payload}`; the
 * server relays `{type, src, dst, payload}` with `src` set to the sender's id.
 */
export const connectPeerServer: Connect = async ({ port, id, deliver }) => {
  const query = `key=peerjs&id=${encodeURIComponent(id)}&token=${Math.random().toString(36).slice(2)}`;
  const socket = openSocket(`ws://127.0.0.1:${port}/peerjs?${query}`);
  let settle: (() => void) | undefined;
  let refuse: ((error: Error) => void) | undefined;
  const opened = new Promise<void>((resolve, reject) => {
    settle = resolve;
    refuse = reject;
  });
  socket.on("message", (data) => {
    const frame = JSON.parse(String(data)) as { type: string; src: string; payload: RelayBody };
    if (frame.type === "CANDIDATE") deliver(frame.src, frame.payload);
    else if (frame.type === "OPEN") settle?.();
    else if (frame.type === "ERROR" || frame.type === "ID-TAKEN")
      refuse?.(new Error(`PeerServer refused ${id}: ${String(data)}`));
  });
  await withDeadline(
    Promise.race([opened, failOnClose(socket, `PeerServer client ${id}`)]),
    `PeerServer OPEN for ${id}`,
  );
  const heartbeat = setInterval(() => socket.send('{"type":"HEARTBEAT"}'), HEARTBEAT_MS);
  const client: BenchClient = {
    id,
    send(to, body) {
      socket.send(JSON.stringify({ type: "CANDIDATE", dst: to, payload: body }));
    },
    close() {
      clearInterval(heartbeat);
      return closeSocket(socket);
    },
  };
  return client;
};
