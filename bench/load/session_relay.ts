import { randomBytes } from "node:crypto";
import { RelayPacer } from "../../src/client/session/relay_pacer.js";
import { systemClock } from "../../src/client/session/types.js";
import { Samples } from "../lib/stats.js";
import { connectRawFrames, connectSessionPeer, type FrameClient } from "./clients/session_frames.js";
import { fetchStats, type SessionRelayCommand, type SessionRelayResult } from "./commands.js";
import type { Progress } from "./connectors.js";
import { delay, Tally } from "./tally.js";

// A frame the server refused over its rate goes again this much later (the client's RETRY_MS).
const RETRY_MS = 250;

/** One member streaming to its host: what it may still send and what is on the way. */
class Stream {
  readonly #client: FrameClient;
  readonly #inFlight: number;
  readonly #pacer: RelayPacer | undefined;
  readonly #chars: number;
  readonly sentAt = new Map<number, number>();
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  running = false;

  constructor(client: FrameClient, inFlight: number, chars: number) {
    this.#client = client;
    this.#inFlight = inFlight;
    this.#chars = chars;
    // Ours paces itself inside the limits its `ready` announced, as the browser client does.
    this.#pacer = client.limits ? new RelayPacer(client.limits, systemClock) : undefined;
  }

  /** Sends while fewer than `inFlight` frames are unreceived and the pacer lets it. */
  pump = (): void => {
    if (this.#timer !== undefined) return;
    while (this.running && this.sentAt.size < this.#inFlight) {
      const wait = this.#pacer?.delay(this.#chars) ?? 0;
      if (wait > 0) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      this.#pacer?.spend(this.#chars);
      const seq = this.#seq++;
      this.sentAt.set(seq, performance.now());
      this.#client.send(seq);
    }
  };

  /** Frame `seq` was refused over the rate: it goes again later, still counted as on its way. */
  resend(seq: number): void {
    setTimeout(() => {
      this.sentAt.set(seq, performance.now());
      this.#client.send(seq);
    }, RETRY_MS);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * `sessions` host + member pairs; every member streams frames of `dataChars` base64 characters to
 * its host, one way, with at most `inFlight` unreceived (and, on our server, paced inside the
 * announced relay limits). Counted over the window at the hosts; server CPU from its stats at the
 * window's edges, as the relay figure does.
 */
export async function runSessionRelay(
  command: SessionRelayCommand,
  progress: Progress,
): Promise<SessionRelayResult> {
  const data = randomBytes((command.dataChars / 4) * 3).toString("base64");
  const received = new Tally();
  let refused = 0;
  let samples: Samples | undefined;
  let problem: Error | undefined;
  const streams: Stream[] = [];
  const clients: FrameClient[] = [];
  const connect = command.protocol === "cable" ? connectSessionPeer : connectRawFrames;
  progress(`connecting ${command.sessions} hosts and members`);
  try {
    for (let i = 0; i < command.sessions; i++) {
      const stream: { current?: Stream } = {};
      const base = { port: command.port, session: `s${i}`, data };
      const host = await connect({
        ...base,
        id: `h${i}`,
        to: `m${i}`,
        handlers: {
          received(seq) {
            const current = stream.current!;
            const sentAt = current.sentAt.get(seq);
            if (sentAt === undefined) {
              problem ??= new Error(`h${i} received frame ${seq}, which is not on its way`);
              return;
            }
            current.sentAt.delete(seq);
            samples?.push(performance.now() - sentAt);
            received.add();
            current.pump();
          },
          refused: (seq, reason) => {
            problem ??= new Error(`h${i}: its own frame ${seq} refused (${reason})`);
          },
        },
      });
      clients.push(host);
      const member = await connect({
        ...base,
        id: `m${i}`,
        to: `h${i}`,
        handlers: {
          received: (seq) => {
            problem ??= new Error(`m${i} received frame ${seq}: the stream is one way`);
          },
          refused(seq, reason) {
            if (reason !== "relay_limited") {
              problem ??= new Error(`m${i}: frame ${seq} refused (${reason})`);
              return;
            }
            refused++;
            stream.current!.resend(seq);
          },
        },
      });
      clients.push(member);
      if (member.to !== host.id) throw new Error(`m${i} was told its host is ${member.to}, not ${host.id}`);
      stream.current = new Stream(member, command.inFlight, data.length);
      streams.push(stream.current);
    }
    for (const stream of streams) {
      stream.running = true;
      stream.pump();
    }
    progress(`warm-up ${command.warmupMs} ms`);
    await delay(command.warmupMs);
    const before = await fetchStats(command.controlPort);
    const loadBefore = process.cpuUsage();
    const start = performance.now();
    const atStart = received.count;
    const refusedAtStart = refused;
    samples = new Samples();
    progress(`measuring ${command.windowMs} ms`);
    await delay(command.windowMs);
    const window = samples;
    samples = undefined;
    const frames = received.count - atStart;
    const seconds = (performance.now() - start) / 1000;
    const loadCpu = process.cpuUsage(loadBefore);
    const after = await fetchStats(command.controlPort);
    const refusedInWindow = refused - refusedAtStart;
    for (const stream of streams) stream.stop();
    const onTheirWay = streams.reduce((sum, s) => sum + s.sentAt.size, 0);
    await received.until(
      received.count + onTheirWay,
      "relayed frames on their way at the window's end",
      10_000,
    );
    if (problem) throw problem;
    const { p50, p99 } = window.percentiles();
    const result: SessionRelayResult = {
      frames,
      framesPerSec: frames / seconds,
      mibPerSec: (frames * data.length) / seconds / (1024 * 1024),
      p50Ms: p50,
      p99Ms: p99,
      cpuUsPerFrame: (after.cpuUs - before.cpuUs) / frames,
      serverCpuShare: (after.cpuUs - before.cpuUs) / 1e6 / seconds,
      loadCpuShare: (loadCpu.user + loadCpu.system) / 1e6 / seconds,
      refused: refusedInWindow,
    };
    progress(
      `${Math.round(result.framesPerSec)} frames/s, ${result.mibPerSec.toFixed(1)} MiB/s, ` +
        `${result.cpuUsPerFrame.toFixed(1)} µs server CPU per frame (server ${Math.round(result.serverCpuShare * 100)}%, ` +
        `load generator ${Math.round(result.loadCpuShare * 100)}%)${refusedInWindow > 0 ? `, ${refusedInWindow} refused over the rate` : ""}`,
    );
    return result;
  } finally {
    for (const stream of streams) stream.stop();
    await Promise.all(clients.map((client) => client.close()));
  }
}
