import type { RelayLimits } from "../../../src/protocol/session_messages.js";
import { Signer, signSessionToken } from "../../../src/server/index.js";
import { SIGNALING_SECRET } from "../../servers/control.js";
import { withDeadline } from "../client.js";
import { closeSocket, failOnClose, openSocket } from "./ws_socket.js";

/** What one end of a relayed session hears: a frame (its `seq`) or a refusal of one of its own. */
export interface FrameHandlers {
  received(seq: number): void;
  refused(seq: number, reason: string): void;
}

/** One end of a session whose data goes through the server: the member sends, the host receives. */
export interface FrameClient {
  readonly id: string;
  /** The peer this one sends to (ours: the host its `ready` named). */
  readonly to: string;
  /** The relay limits the server announced in `ready` (ours); undefined for raw ws. */
  readonly limits: RelayLimits | undefined;
  /** Sends frame `seq` with the payload the client was made with. */
  send(seq: number): void;
  close(): Promise<void>;
}

export interface FrameOptions {
  port: number;
  session: string;
  id: string;
  /** Whom it sends to (raw ws; ours learns its host from `ready`). */
  to: string;
  /** The `data` of every frame: base64, no character JSON escapes. */
  data: string;
  handlers: FrameHandlers;
}

// Frames bigger than this are relayed data: their `seq` is read from the head, not parsed whole
// (the load generator's JSON.parse of 16 KiB would be the figure's bottleneck, not the server).
const LIGHT_FROM = 1024;
const SEQ = /"seq":(\d+)/;

/** The seq of a relayed frame from its first bytes; the first one per client is parsed whole and checked. */
function relayedSeq(
  text: string,
  check: { done: boolean; chars: number },
  read: (frame: unknown) => { seq: number; data: string },
): number {
  if (!check.done) {
    const { seq, data } = read(JSON.parse(text));
    if (data.length !== check.chars)
      throw new Error(`relayed data of ${data.length} characters arrived, ${check.chars} were sent`);
    check.done = true;
    return seq;
  }
  const match = SEQ.exec(text.slice(0, 512));
  if (!match) throw new Error(`relayed frame without a seq: ${text.slice(0, 200)}`);
  return Number(match[1]);
}

/**
 * A peer of our SignalingChannel over raw `ws`, framed as `@rails/actioncable` frames it:
 * subscribe with a signed session token, `join`, then `relay` `{to, join, seq, data}` to the host
 * its `ready` named (the member's own join id). Resolves once its own `ready` arrived.
 */
export async function connectSessionPeer(options: FrameOptions): Promise<FrameClient> {
  const { port, session, id, data, handlers } = options;
  const token = signSessionToken(new Signer(SIGNALING_SECRET), { sessionId: session, peerId: id });
  const identifier = JSON.stringify({ channel: "SignalingChannel", token });
  const command = (payload: Record<string, unknown>) =>
    JSON.stringify({ command: "message", identifier, data: JSON.stringify(payload) });
  const socket = openSocket(`ws://127.0.0.1:${port}/cable`, [
    "actioncable-v1-json",
    "actioncable-unsupported",
  ]);
  let ready: ((message: { host: string; joinId: string; relay?: RelayLimits }) => void) | undefined;
  let fail: ((error: Error) => void) | undefined;
  const joined = new Promise<{ host: string; joinId: string; relay?: RelayLimits }>((resolve, reject) => {
    ready = resolve;
    fail = reject;
  });
  const check = { done: false, chars: data.length };
  const read = (frame: unknown) => (frame as { message: { seq: number; data: string } }).message;
  socket.on("message", (raw) => {
    const text = String(raw);
    if (text.length > LIGHT_FROM && text.includes('"type":"relay"')) {
      handlers.received(relayedSeq(text, check, read));
      return;
    }
    const frame = JSON.parse(text) as { type?: string; message?: Record<string, unknown> };
    const message = frame.message;
    switch (frame.type) {
      case "welcome":
        socket.send(JSON.stringify({ command: "subscribe", identifier }));
        return;
      case "confirm_subscription":
        socket.send(command({ action: "join" }));
        return;
      case "reject_subscription":
      case "disconnect":
        fail?.(new Error(`cable refused ${id}: ${text}`));
        return;
    }
    if (frame.type !== undefined || !message) return; // pings
    if (message.type === "ready" && message.peer === id) ready?.(message as never);
    else if (message.type === "relay") handlers.received(relayedSeq(text, check, read));
    else if (message.type === "error") {
      if (typeof message.seq === "number") handlers.refused(message.seq, String(message.reason));
      else fail?.(new Error(`${id}: ${String(message.reason)}: ${String(message.message)}`));
    }
  });
  const { host, joinId, relay } = await withDeadline(
    Promise.race([joined, failOnClose(socket, `session peer ${id}`)]),
    `ready of ${id}`,
  );
  // Everything but the seq escaped once: the load generator's own cost is not what is measured.
  const action = JSON.stringify({ action: "relay", to: host, join: joinId, seq: 0, data });
  const [head, tail] = JSON.stringify(action.replace('"seq":0', '"seq":#')).split("#") as [string, string];
  const prefix = `{"command":"message","identifier":${JSON.stringify(identifier)},"data":${head}`;
  return {
    id,
    to: host,
    limits: relay,
    send(seq) {
      socket.send(`${prefix}${seq}${tail}}`);
    },
    close: () => closeSocket(socket),
  };
}

/** The same payloads through the raw ws relay: `{to, body: {seq, data}}` out, `{from, body}` in. */
export async function connectRawFrames(options: FrameOptions): Promise<FrameClient> {
  const { port, id, to, data, handlers } = options;
  const socket = openSocket(`ws://127.0.0.1:${port}/?id=${encodeURIComponent(id)}`);
  const check = { done: false, chars: data.length };
  const read = (frame: unknown) => (frame as { body: { seq: number; data: string } }).body;
  socket.on("message", (raw) => handlers.received(relayedSeq(String(raw), check, read)));
  const opened = new Promise<void>((resolve) => socket.once("open", () => resolve()));
  await withDeadline(
    Promise.race([opened, failOnClose(socket, `raw ws client ${id}`)]),
    `raw ws open for ${id}`,
  );
  const [head, tail] = JSON.stringify({ to, body: { seq: 0, data } })
    .replace('"seq":0', '"seq":#')
    .split("#") as [string, string];
  return {
    id,
    to,
    limits: undefined,
    send(seq) {
      socket.send(`${head}${seq}${tail}`);
    },
    close: () => closeSocket(socket),
  };
}
