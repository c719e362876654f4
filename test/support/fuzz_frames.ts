import fc from "fast-check";

/** One frame the fuzzer sends, labelled with the kind it is counted under. */
export interface FuzzFrame {
  kind: string;
  data: string | Uint8Array;
}

/** What the attacker may put in identifiers: real tokens of its own, forged ones, junk. */
export interface FuzzPools {
  /** Identifiers the server would confirm (the attacker's own valid tokens). */
  validIdentifiers: string[];
  /** Tokens and signed names, valid or not, to build identifiers from. */
  tokens: string[];
  /** Peer and client ids to address: the well-behaved peers' among them. */
  peers: string[];
}

const CHANNELS = [
  "SignalingChannel",
  "RoomChannel",
  "RoomSignalingChannel",
  "Turbo::StreamsChannel",
  "TestChannel",
  "__proto__",
  "constructor",
  "",
];

const ACTIONS = [
  "join",
  "signal",
  "detach",
  "drop",
  "leave",
  "greet",
  "media",
  "receive",
  "",
  "constructor",
  "__proto__",
  "hasOwnProperty",
  "subscribed",
  "unsubscribed",
  "transmit",
  "transmitError",
  "reject",
  "broadcast",
  "streamFrom",
  "_subscribe",
  "_close",
];

/**
 * One attacker socket's script: malformed and well-formed-but-hostile frames, and command
 * sequences on one identifier, then how the socket ends (closing politely, with a frame over the
 * size limit, over the 1 MiB ceiling, or with a flood over the rate limit).
 */
export function fuzzScript(pools: FuzzPools, limits: { maxMessageBytes: number; flood: number }) {
  const ending = fc.oneof(
    { weight: 14, arbitrary: fc.constant<FuzzFrame[]>([]) },
    {
      weight: 2,
      arbitrary: fc
        .integer({ min: 1, max: 4096 })
        .map((extra) => [{ kind: "oversize", data: "x".repeat(limits.maxMessageBytes + extra) }]),
    },
    {
      weight: 1,
      arbitrary: fc.constant([{ kind: "over the 1 MiB ceiling", data: "y".repeat(1024 * 1024 + 1) }]),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...pools.validIdentifiers).map((id) =>
        Array.from({ length: limits.flood }, () => ({
          kind: "flood",
          data: JSON.stringify({ command: "message", identifier: id, data: '{"action":"receive"}' }),
        })),
      ),
    },
  );
  return fc.tuple(fuzzFrames(pools), ending).map(([frames, end]) => [...frames, ...end]);
}

/** Arbitraries of malformed and well-formed-but-hostile frames and command sequences. */
export function fuzzFrames(pools: FuzzPools) {
  const text = fc.string({ unit: "binary", maxLength: 200 });
  const anyJson = fc.jsonValue({ maxDepth: 3 });
  const peer = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...pools.peers) },
    { weight: 1, arbitrary: anyJson },
    {
      weight: 1,
      arbitrary: fc.constantFrom("", "x".repeat(300), '"><img src=x onerror=alert(1)>', "../etc"),
    },
  );
  const sdp = fc.oneof(fc.constant("v=0\r\n"), text, fc.constant("x".repeat(40_000)), anyJson);
  const signal = fc.oneof(
    fc.record({ type: fc.constantFrom("offer", "answer"), sdp }),
    fc.record({
      type: fc.constant("candidate"),
      candidate: fc.oneof(
        fc.constant(null),
        fc.record(
          { candidate: fc.oneof(text, anyJson), sdpMid: anyJson, sdpMLineIndex: anyJson },
          { requiredKeys: [] },
        ),
        anyJson,
      ),
    }),
    anyJson,
  );
  const payload = fc.record(
    {
      action: fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...ACTIONS) },
        { weight: 1, arbitrary: anyJson },
      ),
      to: peer,
      peer,
      from: peer,
      signal,
      description: fc.oneof(
        fc.record({ type: fc.constantFrom("offer", "answer", "rollback", "bogus"), sdp }),
        anyJson,
      ),
      candidate: fc.oneof(fc.constant(null), anyJson),
      reply: anyJson,
      muted: fc.oneof(fc.boolean(), anyJson),
      cameraOff: fc.oneof(fc.boolean(), anyJson),
      extra: anyJson,
    },
    { requiredKeys: ["action"] },
  );
  const identifier = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...pools.validIdentifiers) },
    {
      weight: 3,
      arbitrary: fc
        .record(
          {
            channel: fc.oneof(fc.constantFrom(...CHANNELS), anyJson),
            token: fc.oneof(fc.constantFrom(...pools.tokens), anyJson),
            signed_stream_name: fc.oneof(fc.constantFrom(...pools.tokens), anyJson),
            sessionId: anyJson,
            peerId: peer,
          },
          { requiredKeys: ["channel"] },
        )
        .map((params) => JSON.stringify(params)),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        text,
        anyJson.map((v) => JSON.stringify(v)),
      ),
    },
  );
  const command = (name: string, id: string, data?: string) =>
    JSON.stringify(
      data === undefined ? { command: name, identifier: id } : { command: name, identifier: id, data },
    );
  const frame =
    (kind: string) =>
    (data: string | Uint8Array): FuzzFrame => ({ kind, data });

  const single = fc.oneof(
    { weight: 2, arbitrary: text.map(frame("garbage text")) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map(frame("binary")) },
    {
      weight: 1,
      arbitrary: anyJson
        .filter((v) => typeof v !== "object" || v === null || Array.isArray(v))
        .map((v) => frame("JSON, not an object")(JSON.stringify(v))),
    },
    {
      weight: 2,
      arbitrary: fc
        .record(
          {
            command: fc.oneof(
              fc.constantFrom("subscribe", "message", "unsubscribe", "history", "pong"),
              anyJson,
            ),
            identifier: fc.oneof(identifier, anyJson),
            data: anyJson,
          },
          { requiredKeys: [] },
        )
        .map((v) => frame("malformed command")(JSON.stringify(v))),
    },
    { weight: 4, arbitrary: identifier.map((id) => frame("subscribe")(command("subscribe", id))) },
    { weight: 1, arbitrary: identifier.map((id) => frame("unsubscribe")(command("unsubscribe", id))) },
    {
      weight: 8,
      arbitrary: fc
        .tuple(
          identifier,
          fc.oneof(
            { weight: 5, arbitrary: payload.map((p) => JSON.stringify(p)) },
            { weight: 1, arbitrary: text },
          ),
        )
        .map(([id, data]) => frame("message")(command("message", id, data))),
    },
  );

  // Commands in a row on one identifier: subscribe, perform, unsubscribe, perform again, resubscribe…
  const sequence = fc
    .tuple(
      fc.constantFrom(...pools.validIdentifiers),
      fc.array(fc.tuple(fc.constantFrom("subscribe", "unsubscribe", "message", "message"), payload), {
        minLength: 3,
        maxLength: 8,
      }),
    )
    .map(([id, steps]) =>
      steps.map(([name, data]) =>
        frame("command sequence")(
          name === "message" ? command(name, id, JSON.stringify(data)) : command(name, id),
        ),
      ),
    );

  return fc
    .array(fc.oneof({ weight: 9, arbitrary: single.map((f) => [f]) }, { weight: 1, arbitrary: sequence }), {
      minLength: 70,
      maxLength: 90,
    })
    .map((groups) => groups.flat());
}
