// The browser figures: ours beside PeerJS in one Chromium, every page its own context, inside
// netns-run with `iceServers: []`. Pair (join → open data channel, round trip, bulk), star of
// 1 + N (join → all connected; ours also relay through the host and recovery after the host
// leaves: the sessions issue), mesh of N (every page streaming to every other) and the newest
// member of a room (Enter → every remote video playing).
import { joinMesh } from "../browser/mesh.js";
import type { JoinTime } from "../browser/recorder.js";
import {
  type BrowserResults,
  type BrowserRig,
  browserFailureNotes,
  eachBrowserTrial,
  type Library,
} from "../browser/rig.js";
import { enterRoom, REMOTE_VIDEOS, type RoomEntry } from "../browser/room.js";
import { type HostLossRecovery, joinStar, recoverFromHostLoss, roundTrips, stream } from "../browser/star.js";
import type { Settings } from "../lib/settings.js";
import { quantile, spread } from "../lib/stats.js";
import { count, fixed, ratio, type Table } from "../lib/table.js";
import type { FigureOutput, Verdict } from "./verdict.js";

const BULK_BYTES = 16 * 1024;
const MiB = 1024 * 1024;
const CONNECT_GOAL = "no slower than PeerJS to connect";

interface PairTrial {
  connect: JoinTime;
  rtt: number[];
  coldMiBps: number;
  warmMiBps: number;
}

/** One pair of each library, not recorded: Chromium, the servers and the page scripts warm up. */
export async function warmUp(rig: BrowserRig): Promise<void> {
  await eachBrowserTrial(rig, "warm-up", 1, async (library, pages, progress) => {
    const star = await joinStar(rig, library, pages, 1);
    progress(`connected in ${star.ms.toFixed(0)} ms (not recorded)`);
  });
}

/** Two pages: join → open data channel; then round trips and bulk throughput on that channel. */
export async function pairFigure(rig: BrowserRig, settings: Settings["pair"]): Promise<FigureOutput> {
  const results = await eachBrowserTrial(rig, "pair", settings.trials, async (library, pages, progress) => {
    const star = await joinStar(rig, library, pages, 1);
    progress(`data channel open in ${star.ms.toFixed(1)} ms; ${settings.roundTrips} round trips`);
    const rtt = await roundTrips(star, settings.roundTrips);
    const client = star.host === 0 ? 1 : 0;
    const mib = (settings.bulkMessages * BULK_BYTES) / MiB;
    progress(
      `round trip p50 ${fixed(quantile(rtt, 0.5), 2)} ms; bulk ${mib} MiB host → client, cold and warm`,
    );
    const cold = await stream(star, star.host, [client], settings.bulkMessages, BULK_BYTES);
    const warm = await stream(star, star.host, [client], settings.bulkMessages, BULK_BYTES);
    progress(`bulk cold ${fixed(mib / cold.seconds, 1)} MiB/s, warm ${fixed(mib / warm.seconds, 1)} MiB/s`);
    return { connect: star, rtt, coldMiBps: mib / cold.seconds, warmMiBps: mib / warm.seconds };
  });
  const connect = mapValues(results, (t) => t.connect);
  const notes = [`${settings.trials} trial(s) per client, interleaved; a fresh pair of pages each.`];
  const tables: Table[] = [
    timeTable(rig, "Browser: join → open data channel, two peers", connect, [
      ...notes,
      "The host joins first; once it is ready (ours: elected; PeerJS: id registered) the client joins at a scheduled instant (ours: `<p2p-frame>` inserted; PeerJS: `new Peer`, `connect` on `open`). From that instant to both sides' channel open.",
      STAR_SIGNALING,
      ...browserFailureNotes(rig, results),
    ]),
    rttTable(rig, results, settings.roundTrips),
    bulkTable(rig, results, settings.bulkMessages),
  ];
  return { tables, verdicts: [connectVerdict("pair: join → open data channel", connect)] };
}

/** 1 + N pages, all joining at one instant; ours then relays through the host and loses it. */
export async function starFigure(rig: BrowserRig, settings: Settings["star"]): Promise<FigureOutput> {
  const tables: Table[] = [];
  const verdicts: Verdict[] = [];
  const relays: [number, BrowserResults<{ perSecond: number }>][] = [];
  const recoveries: [number, BrowserResults<HostLossRecovery>][] = [];
  for (const [index, clients] of settings.sizes.entries()) {
    const trials = settings.trials[index]!;
    const results = await eachBrowserTrial(
      rig,
      `star 1+${clients}`,
      trials,
      async (library, pages, progress) => {
        const star = await joinStar(rig, library, pages, clients);
        progress(`all connected in ${star.ms.toFixed(0)} ms`);
        if (library !== "ours") return { join: star };
        const sender = star.host === 0 ? 1 : 0;
        const receivers = star.ids.map((_, i) => i).filter((i) => i !== star.host);
        const relay = await stream(star, sender, receivers, settings.relayMessages, 100);
        progress(
          `relay ${count(relay.perSecond)} msg/s through the host to ${clients} clients; closing the host`,
        );
        const recovery = await recoverFromHostLoss(star, (page) => page.context().close());
        progress(
          `${describeNoticed(recovery, clients)}; new host and all ${clients} connected again ${recovery.ms.toFixed(0)} ms after the host left`,
        );
        return { join: star, relay, recovery };
      },
    );
    const join = mapValues(results, (t) => t.join);
    tables.push(
      timeTable(rig, `Browser: join → all connected, star of 1 + ${clients}`, join, [
        `${trials} trial(s) per client. The host joins first (ours: the first in a session is host); once it is ready all ${clients} clients join at one instant (PeerJS: each \`connect\`s to the host id on \`open\`). Time from that instant.`,
        "Done when the host has every client's channel open and every client its channel to the host.",
        STAR_SIGNALING,
        ...browserFailureNotes(rig, results),
      ]),
    );
    verdicts.push(connectVerdict(`star 1+${clients}: join → all connected`, join));
    relays.push([clients, mapValues(results, (t) => t.relay!, ["ours"])]);
    recoveries.push([clients, mapValues(results, (t) => t.recovery!, ["ours"])]);
  }
  tables.push(relayTable(relays, settings.relayMessages), recoveryTable(recoveries));
  return { tables, verdicts };
}

/** N pages in a mesh, each streaming camera and microphone to every other. */
export async function meshFigure(rig: BrowserRig, settings: Settings["mesh"]): Promise<FigureOutput> {
  await rig.warmCamera();
  const results = await eachBrowserTrial(
    rig,
    `mesh of ${settings.size}`,
    settings.trials,
    async (library, pages, progress) => {
      const join = await joinMesh(rig, library, pages, settings.size);
      progress(`every page has ${settings.size - 1} connections connected after ${join.ms.toFixed(0)} ms`);
      return join;
    },
  );
  const table = timeTable(
    rig,
    `Browser: join → all connected, mesh of ${settings.size} with media`,
    results,
    [
      `${settings.trials} trial(s) per client; all pages join at one instant, each gets camera and microphone (fake, 320x240 at 15 fps) and streams to every other.`,
      `Ours: the demo's video room (\`/rooms/ID\`, pages loaded with their cable connected, Enter clicked); PeerJS: every id registered with PeerServer first, then each Peer \`call\`s every later one; its page shows every stream (local and remote) as the room does. Done when every page has ${settings.size - 1} RTCPeerConnections \`connected\`.`,
      MESH_SIGNALING,
      ...browserFailureNotes(rig, results),
    ],
  );
  return {
    tables: [table],
    verdicts: [
      connectVerdict(
        `mesh of ${settings.size}: join → all connected`,
        results,
        `mesh of ${settings.size}: join → every pair connected with media ≤ 1.0× PeerJS`,
      ),
    ],
  };
}

/**
 * The newest member of a room of `members + 1`: the members play each other's video, then one
 * more page enters; from its Enter to every remote video playing on it (issue 18, median of 10).
 */
export async function roomFigure(rig: BrowserRig, settings: Settings["room4"]): Promise<FigureOutput> {
  const size = settings.members + 1;
  await rig.warmCamera();
  const results = await eachBrowserTrial(
    rig,
    `room of ${size}`,
    settings.trials,
    async (library, pages, progress) => {
      const entry = await enterRoom(rig, library, pages, settings.members, settings.settleMs);
      progress(
        `members formed the room in ${(entry.setUpMs / 1000).toFixed(1)} s; the ${ordinal(size)} entered: ` +
          `camera asked ${entry.askedMs.toFixed(0)} ms, got ${entry.cameraMs.toFixed(0)} ms, 1st RTCPeerConnection ${entry.firstConnectionMs.toFixed(0)} ms, ` +
          `${settings.members} connected ${entry.connectedMs.toFixed(0)} ms, ${settings.members} videos playing ${entry.ms.toFixed(0)} ms`,
      );
      return entry;
    },
  );
  return { tables: [roomTable(rig, settings, results)], verdicts: [] };
}

// --- tables -------------------------------------------------------------------------------------

function mapValues<T, U>(
  results: BrowserResults<T>,
  pick: (value: T) => U,
  only?: Library[],
): BrowserResults<U> {
  return new Map(
    [...results]
      .filter(([library]) => !only || only.includes(library))
      .map(([library, { values, errors }]) => [library, { values: values.map(pick), errors }]),
  );
}

const medianOf = (results: BrowserResults<JoinTime>, library: Library, pick = (t: JoinTime) => t.ms) => {
  const values = results.get(library)?.values.map(pick) ?? [];
  return values.length > 0 ? spread(values).median : undefined;
};

const STAR_SIGNALING =
  "Before its first RTCPeerConnection a client of ours opens the cable (WebSocket, `welcome`), subscribes (`confirm_subscription`) and joins; the server tells the host (`ready`), the host creates the connection and offers, and the offer reaches the client through the server: three round trips to the server. A PeerJS client opens its WebSocket (`OPEN`) and offers itself: one.";
const MESH_SIGNALING =
  "Ours on Enter: camera and microphone while the signaling subscription comes up, then the room subscription (which announces the page); members greet it and the server appends each greeter's media element on its page as a Turbo Stream. Each member sends its offer with its greeting, and the newcomer answers it as it arrives (two members that greeted each other: the smaller id's offer wins); each pair negotiates once, the answering side's tracks riding its answer. PeerJS calls as soon as its media is there.";

const ROOM_SIGNALING =
  "Ours on Enter: camera and microphone while the signaling subscription comes up, then the room subscription (which announces the page); each member greets it and sends its offer with the greeting. The newcomer answers each offer as it arrives, its tracks riding the answer: one negotiation per pair. PeerJS: camera, then an offer to every member at once.";

function timeTable(
  rig: BrowserRig,
  title: string,
  results: BrowserResults<JoinTime>,
  notes: string[],
): Table {
  const theirs = medianOf(results, "peerjs");
  const mesh = [...results.values()].some(({ values }) =>
    values.some((t) => t.lastConnectionMs !== undefined),
  );
  return {
    title,
    headers: [
      "client",
      "median ms",
      "p95 ms",
      "min ms",
      "vs PeerJS",
      "to 1st RTCPeerConnection ms",
      ...(mesh ? ["to last RTCPeerConnection ms"] : []),
      "trials",
    ],
    rows: [...results].map(([library, { values }]) => {
      const s = spread(values.map((t) => t.ms));
      return [
        rig.label(library),
        fixed(s.median, 1),
        fixed(s.p95, 1),
        fixed(values.length > 0 ? Math.min(...values.map((t) => t.ms)) : undefined, 1),
        ratio(s.median, theirs),
        fixed(
          medianOf(results, library, (t) => t.firstConnectionMs),
          1,
        ),
        ...(mesh
          ? [
              fixed(
                medianOf(results, library, (t) => t.lastConnectionMs ?? Number.NaN),
                1,
              ),
            ]
          : []),
        String(values.length),
      ];
    }),
    notes: [
      ...notes,
      '"to 1st RTCPeerConnection": join → the slowest joining page\'s first RTCPeerConnection (median): the signaling before WebRTC starts.',
      ...(mesh
        ? [
            "\"to last RTCPeerConnection\": join → the slowest page's last connected RTCPeerConnection created (median): when signaling let the last link start; the rest of the figure is WebRTC (ICE, DTLS) on a machine running every page's encoders.",
          ]
        : []),
    ],
  };
}

const ordinal = (n: number) => `${n}${n === 1 ? "st" : n === 2 ? "nd" : n === 3 ? "rd" : "th"}`;

function roomTable(rig: BrowserRig, settings: Settings["room4"], results: BrowserResults<RoomEntry>): Table {
  const { members } = settings;
  const size = members + 1;
  const median = (library: Library, pick: (e: RoomEntry) => number) => {
    const values = results.get(library)?.values.map(pick) ?? [];
    return values.length > 0 ? quantile(values, 0.5) : undefined;
  };
  const theirs = median("peerjs", (e) => e.ms);
  return {
    title: `Browser: the ${ordinal(size)} member of a room of ${size}, Enter → all ${members} remote videos playing`,
    headers: [
      "client",
      "median ms",
      "p90 ms",
      "min–max ms",
      "vs PeerJS",
      "camera ms",
      "to 1st RTCPeerConnection ms",
      `${members} connected ms`,
      "1st video ms",
      "trials",
    ],
    rows: [...results].map(([library, { values, errors }]) => {
      const ms = values.map((e) => e.ms);
      const ours = median(library, (e) => e.ms);
      const part = (pick: (e: RoomEntry) => number) => fixed(median(library, pick), 0);
      return [
        rig.label(library),
        fixed(ours, 0),
        ms.length >= 3 ? fixed(quantile(ms, 0.9), 0) : "–",
        ms.length > 0 ? `${Math.min(...ms).toFixed(0)}–${Math.max(...ms).toFixed(0)}` : "–",
        ratio(ours, theirs),
        part((e) => e.cameraMs),
        part((e) => e.firstConnectionMs),
        part((e) => e.connectedMs),
        part((e) => e.firstVideoMs),
        `${values.length} of ${values.length + errors.length}`,
      ];
    }),
    notes: [
      `${settings.trials} trial(s) per client, interleaved; fresh pages, room and ids each. ${members} members join at one instant and play each other's video (camera and microphone, fake, 320x240 at 15 fps); after ${settings.settleMs} ms more the ${ordinal(size)} page, loaded beforehand, enters.`,
      `Ours: the demo's video room (\`/rooms/ID\`); the ${ordinal(size)} page's Turbo stream sources are connected before its Enter is clicked. PeerJS: every id registered with PeerServer first; the members \`call\` each other, then the ${ordinal(size)} Peer gets its camera and microphone and \`call\`s the ${members}, who answer with theirs. Its page shows each stream as the room does.`,
      `Time on the ${ordinal(size)} page's clock, from the click (PeerJS: the call to get media) to every remote \`<video>\` (\`${REMOTE_VIDEOS}\`) having \`videoWidth > 0\` and \`currentTime > 0\` (polled every 5 ms in the page). Medians of the parts: camera = getUserMedia resolved; to 1st RTCPeerConnection = the signaling before WebRTC starts; ${members} connected = a connection to every member \`connected\`; 1st video = the first remote video playing.`,
      ROOM_SIGNALING,
      ...browserFailureNotes(rig, results),
    ],
  };
}

function rttTable(rig: BrowserRig, results: BrowserResults<PairTrial>, perTrial: number): Table {
  const pooled = mapValues(results, (t) => t.rtt);
  const p50 = (library: Library) => quantile(pooled.get(library)?.values.flat() ?? [], 0.5);
  return {
    title: "Browser: data channel round trip, client → host → client, one in flight",
    headers: ["client", "p50 ms", "p95 ms", "p99 ms", "p50 vs PeerJS", "samples"],
    rows: [...pooled].map(([library, { values }]) => {
      const all = values.flat();
      return [
        rig.label(library),
        fixed(quantile(all, 0.5), 2),
        fixed(quantile(all, 0.95), 2),
        fixed(quantile(all, 0.99), 2),
        ratio(p50(library), results.has("peerjs") ? p50("peerjs") : undefined),
        count(all.length),
      ];
    }),
    notes: [
      `${perTrial} round trips per trial, pooled over trials. Ours: \`send\` on a client comes back to it through the host (the session's relay); PeerJS: the host page echoes each \`ping:<i>\` string.`,
    ],
  };
}

function bulkTable(rig: BrowserRig, results: BrowserResults<PairTrial>, messages: number): Table {
  const warm = results.get("peerjs")?.values.map((t) => t.warmMiBps) ?? [];
  const theirs = warm.length > 0 ? spread(warm).median : undefined;
  return {
    title: `Browser: data channel bulk, ${(messages * BULK_BYTES) / MiB} MiB host → client in 16 KiB messages`,
    headers: ["client", "cold MiB/s (median)", "warm MiB/s (median)", "warm MiB/s (p95)", "warm vs PeerJS"],
    rows: [...results].map(([library, { values }]) => {
      const w = spread(values.map((t) => t.warmMiBps));
      return [
        rig.label(library),
        fixed(spread(values.map((t) => t.coldMiBps)).median, 1),
        fixed(w.median, 1),
        fixed(w.p95, 1),
        ratio(w.median, theirs),
      ];
    }),
    notes: [
      "Counted at the receiver: first send → last message received. Cold = the first bulk on a fresh channel, warm = the second.",
      "Ours: `send(Uint8Array)` awaited one after the other (the session chunker keeps the channel's buffer under 1 MiB); PeerJS: `send(Uint8Array)` while its channel's `bufferedAmount` stays between 1 and 4 MiB.",
    ],
  };
}

function relayTable(rows: [number, BrowserResults<{ perSecond: number }>][], messages: number): Table {
  return {
    title: "Session (ours): relay through the host, one client sends to all",
    headers: ["clients", "msg/s (median)", "msg/s (p95)", "deliveries/s (median)", "trials"],
    rows: rows.map(([clients, results]) => {
      const s = spread(results.get("ours")?.values.map((r) => r.perSecond) ?? []);
      return [`1 + ${clients}`, count(s.median), count(s.p95), count(s.median * clients), String(s.trials)];
    }),
    notes: [
      `A client sends ${messages} text messages of 100 bytes at once; the host delivers each on its page and relays it to all clients, the sender included. msg/s = ${messages} / (first send → last arrival at the last client); deliveries/s = msg/s × clients.`,
    ],
  };
}

/** "noticed after 170 ms", or who did not notice, within what: a missing time is never NaN. */
function describeNoticed(recovery: HostLossRecovery, clients: number): string {
  if (recovery.noticedMs !== undefined) return `noticed after ${recovery.noticedMs.toFixed(0)} ms`;
  return `not noticed by ${recovery.unnoticed} of ${clients} pages within ${recovery.ms.toFixed(0)} ms (they never left \`connected\`)`;
}

/** Median over the trials in which every page noticed, with the others counted. */
function noticedCell(values: HostLossRecovery[]): string {
  const known = values.flatMap((r) => (r.noticedMs === undefined ? [] : [r.noticedMs]));
  const missing = values.length - known.length;
  const median = fixed(spread(known).median, 0);
  return missing > 0 ? `${median} (${missing} trial(s) not noticed by every page)` : median;
}

function recoveryTable(rows: [number, BrowserResults<HostLossRecovery>][]): Table {
  return {
    title: "Session (ours): recovery after the host leaves",
    headers: ["clients", "median ms", "p95 ms", "min ms", "noticed ms (median)", "trials"],
    rows: rows.map(([clients, results]) => {
      const values = results.get("ours")?.values ?? [];
      const s = spread(values.map((r) => r.ms));
      return [
        `1 + ${clients}`,
        fixed(s.median, 0),
        fixed(s.p95, 0),
        fixed(values.length > 0 ? Math.min(...values.map((r) => r.ms)) : undefined, 0),
        noticedCell(values),
        String(values.length),
      ];
    }),
    notes: [
      "The host's page is closed (its browser context, as a closed tab); done when a new host's status map lists exactly the remaining pages, all connected, and every client is connected again. No reload. Default heartbeat (1 s interval, 4 s idle).",
      "Noticed: until the last remaining page's own state left `connected` (`disconnected`, or `negotiating` at once on a `host-left`); a trial in which some page never left it is not in the median, and counted beside it. A closing page closes its peer connections on `pagehide`, so the clients' data channels close at once; before that a closed page said nothing and the heartbeat's 4 s idle timeout made the whole recovery about 5 s.",
    ],
  };
}

/** Ours no slower than PeerJS (median); `goal` words it otherwise than "no slower than PeerJS to connect, <what>". */
function connectVerdict(
  what: string,
  results: BrowserResults<JoinTime>,
  goal = `${CONNECT_GOAL}, ${what}`,
): Verdict {
  const ours = medianOf(results, "ours");
  const theirs = medianOf(results, "peerjs");
  if (ours === undefined || theirs === undefined)
    return { goal, met: undefined, detail: "not measured (ours or PeerJS missing or failed)" };
  const signaling = (library: Library) =>
    fixed(
      medianOf(results, library, (t) => t.firstConnectionMs),
      1,
    );
  return {
    goal,
    met: ours <= theirs,
    detail:
      `${ours.toFixed(1)} vs ${theirs.toFixed(1)} ms median (${(ours / theirs).toFixed(2)}x PeerJS); ` +
      `of which signaling before the first RTCPeerConnection ${signaling("ours")} vs ${signaling("peerjs")} ms`,
  };
}
