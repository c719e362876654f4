// The bench page for our client: `<p2p-frame>` (from the sources, bundled by the orchestrator)
// waits in a <template> until `bench.join(at)` inserts it at the scheduled instant. The page
// records the frame's events with page-clock times and runs the data figures from inside.
import "../../../src/client/index.js";
import type { P2pFrameElement } from "../../../src/client/p2p_frame_element.js";
import type { PeerStates, SessionMessage } from "../../../src/client/session/types.js";
import { type BenchPage, echoRoundTrips, emptyTally, type Tally } from "./page_common.js";

const now = () => performance.timeOrigin + performance.now();

export interface OursPage extends BenchPage {
  /** Every status map the page saw, with its time. */
  peers: { at: number; states: PeerStates }[];
  /** Every time this page's own state became `connected` (again, after a failover). */
  connectedTimes: number[];
}

const frame = () => document.querySelector<P2pFrameElement>("p2p-frame")!;
let selfId = "";
let waiting: { value: string; resolve: () => void } | null = null;

const page: OursPage = {
  peers: [],
  connectedTimes: [],
  tally: new Map<string, Tally>(),
  join(at, plan) {
    selfId = plan.id;
    document.addEventListener("p2p:connected", () => {
      page.connectedTimes.push(now());
    });
    document.addEventListener("p2p:peers", (event) => {
      page.peers.push({ at: now(), states: { ...(event as CustomEvent<PeerStates>).detail } });
    });
    document.addEventListener("p2p:message", (event) => {
      const message = (event as CustomEvent<SessionMessage>).detail;
      if (message.type !== "Data") return;
      const tally = page.tally.get(message.senderId) ?? emptyTally();
      page.tally.set(message.senderId, tally);
      tally.count++;
      tally.bytes +=
        message.data instanceof Uint8Array ? message.data.byteLength : String(message.data).length;
      tally.lastAt = now();
      if (waiting && message.senderId === selfId && message.data === waiting.value) waiting.resolve();
    });
    setTimeout(
      () => document.body.append(document.querySelector("template")!.content.cloneNode(true)),
      at - now(),
    );
  },
  // A client's message comes back to it through the host: one round trip, host relay included.
  roundTrips: (count) =>
    echoRoundTrips(count, (value) => {
      const echoed = new Promise<void>((resolve) => {
        waiting = { value, resolve };
      });
      void frame().send(value);
      return echoed;
    }),
  async sendMany(count, bytes) {
    const startedAt = now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const payload = bytes >= 1024 ? new Uint8Array(bytes) : `m${i}:`.padEnd(bytes, "x");
      // Sequential hand-over keeps the order and lets the chunker's backpressure pace the sender.
      if (bytes >= 1024) await frame().send(payload);
      else sends.push(frame().send(payload));
    }
    await Promise.all(sends);
    return startedAt;
  },
};

window.bench = page;
