import type { P2pSession, PeerStates, SessionMessage } from "../../src/node/index.js";
import { createNodeSession, fetchSessionTicket, MessageTypes } from "../../src/node/index.js";
import { withDeadline } from "./cable.js";

/** A Node peer of a demo chat session, with everything its `P2pSession` reported, in order. */
export interface NodePeer {
  readonly name: string;
  readonly session: P2pSession;
  /** `Data` messages as `sender:text`, in arrival order. */
  readonly data: string[];
  /** Every host it was told of, in order. */
  readonly hosts: { hostPeerId: string; iamHost: boolean }[];
  /** Every state it went through, in order. */
  readonly states: string[];
  readonly errors: string[];
  /** The latest status map. */
  readonly peers: PeerStates;
  /** Resolves once `ready()` holds (checked on every event), or fails naming `description`. */
  until(description: string, ready: () => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves once the status map shows each of `names` connected. */
  allConnected(names: string[], timeoutMs?: number): Promise<void>;
  /** Resolves once it received `text` from `from`. */
  received(from: string, text: string, timeoutMs?: number): Promise<void>;
}

/**
 * Joins the demo's session `sessionId` as `name` from this process: the ticket from
 * `GET /chat/token`, the session from `createNodeSession` (`@roamhq/wrtc`, `ws`). Closed by `close()`.
 */
export async function joinNodePeer(base: string, name: string, sessionId: string): Promise<NodePeer> {
  const query = new URLSearchParams({ name, session: sessionId });
  const ticket = await fetchSessionTicket(`${base}/chat/token?${query}`);
  const session = createNodeSession({ ...ticket.config, ...ticket });
  const data: string[] = [];
  const hosts: NodePeer["hosts"] = [];
  const states: string[] = [];
  const errors: string[] = [];
  let peers: PeerStates = {};
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  session.on("message", (message: SessionMessage) => {
    if (message.type === MessageTypes.data) data.push(`${message.senderId}:${String(message.data)}`);
    wake();
  });
  session.on("host", (host) => {
    hosts.push(host);
    wake();
  });
  session.on("state", ({ state }) => {
    states.push(state);
    wake();
  });
  session.on("peers", (states) => {
    peers = states;
    wake();
  });
  session.on("error", ({ error }) => {
    errors.push(`${error.reason}: ${error.message}`);
    wake();
  });
  const until: NodePeer["until"] = (description, ready, timeoutMs = 20_000) => {
    if (ready()) return Promise.resolve();
    let waiter!: () => void;
    const done = new Promise<void>((resolve) => {
      waiter = () => {
        if (ready()) resolve();
      };
      waiters.add(waiter);
    });
    return withDeadline(done, `${name} (Node) ${description}`, timeoutMs).finally(() =>
      waiters.delete(waiter),
    );
  };
  session.start();
  return {
    name,
    session,
    data,
    hosts,
    states,
    errors,
    get peers() {
      return peers;
    },
    until,
    allConnected: (names, timeoutMs) =>
      until(
        `to see ${names.join(", ")} all connected (has ${JSON.stringify(peers)})`,
        () => names.every((n) => peers[n] === "connected"),
        timeoutMs,
      ),
    received: (from, text, timeoutMs) =>
      until(`to receive "${text}" from ${from}`, () => data.includes(`${from}:${text}`), timeoutMs),
  };
}
