import type { BenchClient, Connect, RelayBody } from "../client.js";
import { withDeadline } from "../client.js";
import { closeSocket, failOnClose, openSocket } from "./ws_socket.js";

const PLAIN = ["actioncable-v1-json", "actioncable-unsupported"];
/** As @anycable/web offers them: the extended protocol first, the plain one as fallback. */
const EXTENDED = ["actioncable-v1-ext-json", ...PLAIN];

/**
 * Our cable, spoken raw over `ws` exactly as @rails/actioncable frames it: subscribe to
 * BenchRelayChannel with the client's id, then `message` commands whose `data` is the JSON of
 * `{action: "relay", to, body}`. The official client adds nothing worth measuring.
 */
export const connectCable: Connect = (options) => connect(options, PLAIN);

/**
 * The same client on AnyCable's extended protocol (`actioncable-v1-ext-json`): the same commands;
 * its `welcome` carries a `sid` and every broadcast its `stream_id`, `epoch` and `offset`. Refuses
 * a server that did not pick the extended protocol, so the figure cannot measure the plain one.
 */
export const connectCableExt: Connect = async (options) => {
  const client = await connect(options, EXTENDED);
  if (client.protocol !== EXTENDED[0]) {
    await client.close();
    throw new Error(`cable chose "${client.protocol}" for ${options.id}, not the extended protocol`);
  }
  return client;
};

async function connect(
  { port, id, deliver, until }: Parameters<Connect>[0],
  protocols: string[],
): Promise<BenchClient & { protocol: string }> {
  const socket = openSocket(`ws://127.0.0.1:${port}/cable`, protocols);
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
  const client: BenchClient & { protocol: string } = {
    id,
    protocol: socket.protocol,
    // The bytes JSON.stringify({command, identifier, data}) would give, with the escaped
    // identifier built once: the load generator's own cost is not what we measure.
    send(to, body) {
      const data = JSON.stringify({ action: "relay", to, body });
      socket.send(`${framePrefix}${JSON.stringify(data)}}`);
    },
    close: () => closeSocket(socket),
  };
  return client;
}
