import type { BenchClient, Connect, RelayBody } from "../client.js";
import { withDeadline } from "../client.js";
import { closeSocket, failOnClose, openSocket } from "./ws_socket.js";

/**
 * Our cable, spoken raw over `ws` exactly as @rails/actioncable frames it: subscribe to
 * BenchRelayChannel with the client's id, then `message` commands whose `data` is the JSON of
 * `{action: "relay", to, body}`. The official client adds nothing worth measuring.
 */
export const connectCable: Connect = async ({ port, id, deliver, until }) => {
  const socket = openSocket(`ws://127.0.0.1:${port}/cable`, [
    "actioncable-v1-json",
    "actioncable-unsupported",
  ]);
  const identifier = JSON.stringify({ channel: "BenchRelayChannel", id });
  const framePrefix = `{"command":"message","identifier":${JSON.stringify(identifier)},"data":`;
  let settle: (() => void) | undefined;
  let refuse: ((error: Error) => void) | undefined;
  const handshake = new Promise<void>((resolve, reject) => {
    settle = resolve;
    refuse = reject;
  });
  socket.on("message", (data) => {
    const frame = JSON.parse(String(data)) as { type?: string; message?: { from: string; body: RelayBody } };
    if (frame.message !== undefined && frame.type === undefined) {
      deliver(frame.message.from, frame.message.body);
      return;
    }
    switch (frame.type) {
      case "welcome":
        if (until === "accepted") settle?.();
        else socket.send(JSON.stringify({ command: "subscribe", identifier }));
        break;
      case "confirm_subscription":
        settle?.();
        break;
      case "reject_subscription":
      case "disconnect":
        refuse?.(new Error(`cable refused ${id}: ${String(data)}`));
        break;
    }
  });
  await withDeadline(
    Promise.race([handshake, failOnClose(socket, `cable client ${id}`)]),
    `cable ${until} for ${id}`,
  );
  const client: BenchClient = {
    id,
    // The bytes JSON.stringify({command, identifier, data}) would give, with the escaped
    // identifier built once: the load generator's own cost is not what we measure.
    send(to, body) {
      const data = JSON.stringify({ action: "relay", to, body });
      socket.send(`${framePrefix}${JSON.stringify(data)}}`);
    },
    close: () => closeSocket(socket),
  };
  return client;
};
