import { createHash, createHmac, randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";

// Just enough STUN/TURN (RFC 5389, RFC 5766) over UDP to ask coturn two questions: is it up (a
// Binding request answered), and does it take a credential (an Allocate, long-term mechanism).

const MAGIC = 0x2112a442;
const BINDING = 0x0001;
const ALLOCATE = 0x0003;
const SUCCESS = 0x0100;
const ERROR = 0x0110;
const Attr = {
  username: 0x0006,
  integrity: 0x0008,
  errorCode: 0x0009,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayed: 0x0016,
  transport: 0x0019,
} as const;

interface StunReply {
  type: number;
  attributes: Map<number, Buffer>;
}

function message(type: number, attributes: [number, Buffer][], integrityKey?: Buffer): Buffer {
  const id = randomBytes(12);
  const body = Buffer.concat(attributes.map(([t, v]) => attribute(t, v)));
  const header = (length: number) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(length, 2);
    h.writeUInt32BE(MAGIC, 4);
    id.copy(h, 8);
    return h;
  };
  if (!integrityKey) return Buffer.concat([header(body.length), body]);
  // MESSAGE-INTEGRITY covers the header (its length counting the integrity attribute) and the body.
  const signed = Buffer.concat([header(body.length + 24), body]);
  const mac = createHmac("sha1", integrityKey).update(signed).digest();
  return Buffer.concat([signed, attribute(Attr.integrity, mac)]);
}

function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

function parse(packet: Buffer): StunReply {
  const attributes = new Map<number, Buffer>();
  let offset = 20;
  while (offset + 4 <= packet.length) {
    const type = packet.readUInt16BE(offset);
    const length = packet.readUInt16BE(offset + 2);
    attributes.set(type, packet.subarray(offset + 4, offset + 4 + length));
    offset += 4 + Math.ceil(length / 4) * 4;
  }
  return { type: packet.readUInt16BE(0), attributes };
}

/** One UDP socket (one 5-tuple: coturn's nonce belongs to it) that asks requests one by one. */
class StunSocket {
  readonly #socket = createSocket("udp4");
  #waiting: ((reply: StunReply | null) => void) | null = null;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    this.#socket.on("message", (packet) => this.#waiting?.(parse(packet)));
    this.#socket.on("error", () => this.#waiting?.(null));
  }

  /** Sends one request and resolves with the reply, or `null` after `timeoutMs`. */
  ask(request: Buffer, timeoutMs: number): Promise<StunReply | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#waiting?.(null), timeoutMs);
      this.#waiting = (reply) => {
        clearTimeout(timer);
        this.#waiting = null;
        resolve(reply);
      };
      this.#socket.send(request, this.port, this.host);
    });
  }

  close(): void {
    this.#socket.close();
  }
}

async function ask(
  host: string,
  port: number,
  request: Buffer,
  timeoutMs: number,
): Promise<StunReply | null> {
  const socket = new StunSocket(host, port);
  try {
    return await socket.ask(request, timeoutMs);
  } finally {
    socket.close();
  }
}

/** Whether a STUN server answers a Binding request at `host:port` within `timeoutMs`. */
export async function stunAnswers(host: string, port: number, timeoutMs = 300): Promise<boolean> {
  const reply = await ask(host, port, message(BINDING, []), timeoutMs);
  return reply?.type === (BINDING | SUCCESS);
}

/** What coturn said to an Allocate: `allocated` with the relayed port, or refused with its error code. */
export type AllocateResult =
  | { allocated: true; relayedPort: number }
  | { allocated: false; code: number | null };

/**
 * A TURN Allocate (UDP) with a long-term credential, as a browser makes it: a first request, the
 * 401 with realm and nonce, the request again with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY.
 */
export async function turnAllocate(
  host: string,
  port: number,
  username: string,
  credential: string,
  timeoutMs = 2000,
): Promise<AllocateResult> {
  const socket = new StunSocket(host, port);
  try {
    return await allocate(socket, username, credential, timeoutMs);
  } finally {
    socket.close();
  }
}

async function allocate(
  socket: StunSocket,
  username: string,
  credential: string,
  timeoutMs: number,
): Promise<AllocateResult> {
  const { host, port } = socket;
  const transport = Buffer.from([17, 0, 0, 0]); // UDP
  const challenge = await socket.ask(message(ALLOCATE, [[Attr.transport, transport]]), timeoutMs);
  if (!challenge) throw new Error(`no answer from TURN at ${host}:${port}`);
  const realm = challenge.attributes.get(Attr.realm);
  const nonce = challenge.attributes.get(Attr.nonce);
  if (!realm || !nonce) throw new Error(`TURN at ${host}:${port} sent no realm or nonce`);
  const key = createHash("md5").update(`${username}:${realm.toString()}:${credential}`).digest();
  const request = message(
    ALLOCATE,
    [
      [Attr.transport, transport],
      [Attr.username, Buffer.from(username)],
      [Attr.realm, realm],
      [Attr.nonce, nonce],
    ],
    key,
  );
  const reply = await socket.ask(request, timeoutMs);
  if (!reply) throw new Error(`no answer to the authenticated Allocate at ${host}:${port}`);
  if (reply.type === (ALLOCATE | SUCCESS)) {
    const relayed = reply.attributes.get(Attr.xorRelayed)!;
    return { allocated: true, relayedPort: relayed.readUInt16BE(2) ^ (MAGIC >>> 16) };
  }
  if (reply.type !== (ALLOCATE | ERROR))
    throw new Error(`unexpected TURN reply type 0x${reply.type.toString(16)}`);
  const error = reply.attributes.get(Attr.errorCode);
  return { allocated: false, code: error ? error[2]! * 100 + error[3]! : null };
}
