// The bench page for our client: `<p2p-frame>` (from the sources, bundled by the orchestrator)
// waits in a <template> until `bench.join(at)` inserts it at the scheduled instant. The page
// records the frame's events with page-clock times and runs the data figures from inside.
import {
  define,
  type P2pFrameElement,
  type PeerStates,
  type SessionMessage,
} from "../../../src/client/index.js";
import {
  type BenchPage,
  countArrival,
  EchoTimer,
  now,
  payload,
  planFromQuery,
  type Tally,
} from "./page_common.js";

define();

export interface OursPage extends BenchPage {
  /** Every status map the page saw, with its time. */
  peers: { at: number; states: PeerStates }[];
  /** Every time this page's own state became `connected` (again, after a failover). */
  connectedTimes: number[];
  /** Every time this page's own state became `disconnected` (it noticed its host was gone). */
  disconnectedTimes: number[];
  /**
   * Every change of this page's own state, with its time. A page can notice its host is gone
   * without a `disconnected`: a `host-left` on the cable takes it straight to `negotiating`.
   */
  states: { at: number; state: string }[];
  /** When this page first learned its host (`p2p:host`: its `join` answered with `ready`). */
  hostAt: number | null;
  /** When the plan's `first` message was handed to `send`. */
  firstSentAt: number | null;
}

const frame = () => document.querySelector<P2pFrameElement>("p2p-frame")!;
let selfId = "";
const echoes = new EchoTimer();

const page: OursPage = {
  peers: [],
  connectedTimes: [],
  disconnectedTimes: [],
  states: [],
  hostAt: null,
  firstSentAt: null,
  tally: new Map<string, Tally>(),
  join(at, plan) {
    selfId = plan.id;
    document.addEventListener("p2p:connected", () => {
      page.connectedTimes.push(now());
    });
    document.addEventListener("p2p:disconnected", () => {
      page.disconnectedTimes.push(now());
    });
    for (const state of ["negotiating", "connecting", "connected", "disconnected", "closed"]) {
      document.addEventListener(`p2p:${state}`, () => {
        page.states.push({ at: now(), state });
      });
    }
    document.addEventListener("p2p:host", () => {
      page.hostAt ??= now();
    });
    document.addEventListener("p2p:peers", (event) => {
      page.peers.push({ at: now(), states: { ...(event as CustomEvent<PeerStates>).detail } });
    });
    document.addEventListener("p2p:message", (event) => {
      const message = (event as CustomEvent<SessionMessage>).detail;
      if (message.type !== "Data") return;
      const { senderId, data } = message;
      countArrival(page.tally, senderId, data instanceof Uint8Array ? data.byteLength : String(data).length);
      if (senderId === selfId) echoes.arrived(data);
    });
    setTimeout(() => {
      document.body.append(document.querySelector("template")!.content.cloneNode(true));
      if (plan.first === undefined) return;
      page.firstSentAt = now();
      void frame().send(plan.first);
    }, at - now());
  },
  // A client's message comes back to it through the host: one round trip, host relay included.
  roundTrips: (count) => echoes.run(count, (value) => void frame().send(value)),
  async sendMany(count, bytes) {
    const startedAt = now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      // Sequential hand-over keeps the order and lets the chunker's backpressure pace the sender.
      if (bytes >= 1024) await frame().send(payload(i, bytes));
      else sends.push(frame().send(payload(i, bytes)));
    }
    await Promise.all(sends);
    return startedAt;
  },
};

window.bench = page;
const auto = planFromQuery();
if (auto) page.join(now(), auto);
