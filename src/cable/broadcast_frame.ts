/**
 * A broadcast reaches every subscriber of its stream in one synchronous loop of the pub/sub, with
 * the same payload string (and, on the extended protocol, the same position suffix). Its frame is
 * therefore built once for every subscriber that shares an identifier (a Turbo stream's viewers,
 * a fan-out), and encoded to UTF-8 once for every socket it goes to, instead of once per
 * subscriber. One entry each: the next broadcast replaces it, so nothing is kept.
 */
import { dataFrame } from "./protocol.js";

let lastIdentifierJson: string | undefined;
let lastPayload: string | undefined;
let lastSuffix: string | undefined;
let lastFrame = "";

/**
 * `{"identifier":…,"message":…}`, or with `suffix` (`,"stream_id":…,"epoch":…,"offset":…}`) its
 * positioned form: the same string object for the same three inputs as the call before.
 */
export function broadcastFrame(identifierJson: string, payload: string, suffix: string | undefined): string {
  if (payload !== lastPayload || suffix !== lastSuffix || identifierJson !== lastIdentifierJson) {
    lastPayload = payload;
    lastSuffix = suffix;
    lastIdentifierJson = identifierJson;
    lastFrame = suffix
      ? `{"identifier":${identifierJson},"message":${payload}${suffix}`
      : dataFrame(identifierJson, payload);
  }
  return lastFrame;
}

let lastSent: string | undefined;
let lastBytes: Buffer | undefined;

/**
 * What to hand the socket for `frame`: the text itself the first time, its UTF-8 bytes when the
 * same frame goes to another socket right after (encoded at the second, then reused). Send the
 * bytes as a text frame (`{ binary: false }`): on the wire it is the same frame.
 */
export function frameBytes(frame: string): string | Buffer {
  if (frame !== lastSent) {
    lastSent = frame;
    lastBytes = undefined;
    return frame;
  }
  lastBytes ??= Buffer.from(frame, "utf8");
  return lastBytes;
}
