import { createHmac } from "node:crypto";

/**
 * Where pages find STUN and TURN, and how the server mints TURN credentials for them: coturn's
 * `use-auth-secret` (TURN REST) scheme, so no TURN user is ever stored. Pages get credentials of
 * their own, bound to their peer or client id and short-lived; the secret never leaves the server.
 */
export interface IceOptions {
  /** `stun:` URLs handed to every page as they are. Default none. */
  stunUrls?: readonly string[];
  /** `turn:` / `turns:` URLs of one TURN service sharing `turnSecret`. Default none. */
  turnUrls?: readonly string[];
  /** coturn's `static-auth-secret`. Required with `turnUrls`, and only with them. */
  turnSecret?: string;
  /** How long minted credentials last. Default 1 hour (`iceDefaults.turnTtlSeconds`). */
  turnTtlSeconds?: number;
  /** `relay` makes pages use TURN only (`iceTransportPolicy`). Default `all`. */
  transportPolicy?: RTCIceTransportPolicy;
}

/** Defaults of `IceOptions`: credentials for an hour, every candidate type allowed. */
export const iceDefaults = {
  turnTtlSeconds: 3600,
  transportPolicy: "all" as RTCIceTransportPolicy,
} as const;

/** One TURN REST credential: `username` is `<expiry unix seconds>:<peer id>`. */
export interface TurnCredential {
  username: string;
  /** base64(HMAC-SHA1(secret, username)), as coturn computes it. */
  credential: string;
  /** Unix seconds after which coturn refuses it. */
  expiresAt: number;
}

/** What a page gets: its ICE servers (with its own TURN credential), the policy, and when to refresh. */
export interface IceConfiguration {
  iceServers: RTCIceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  /** Unix milliseconds at which the TURN credential expires; `null` without TURN. */
  expiresAt: number | null;
}

/**
 * Mints one credential in coturn's `use-auth-secret` scheme for `peerId`, valid `ttlSeconds`
 * from `nowMs`.
 *
 * @example
 * turnCredential("north-sea-secret", "alice", { ttlSeconds: 3600 });
 * // { username: "1700003600:alice", credential: "…base64…", expiresAt: 1700003600 }
 */
export function turnCredential(
  secret: string,
  peerId: string,
  {
    ttlSeconds = iceDefaults.turnTtlSeconds,
    nowMs = Date.now(),
  }: { ttlSeconds?: number; nowMs?: number } = {},
): TurnCredential {
  const expiresAt = Math.floor(nowMs / 1000) + Math.ceil(ttlSeconds);
  const username = `${expiresAt}:${peerId}`;
  const credential = createHmac("sha1", secret).update(username).digest("base64");
  return { username, credential, expiresAt };
}

/**
 * Checks `options` (a TURN URL without a secret, or a secret without a URL, is a mistake) and
 * returns them with defaults filled in. Throws a `TypeError` that names the culprit.
 */
export function checkIceOptions(options: IceOptions = {}): Required<IceOptions> {
  const stunUrls = [...(options.stunUrls ?? [])];
  const turnUrls = [...(options.turnUrls ?? [])];
  const turnSecret = options.turnSecret ?? "";
  const turnTtlSeconds = options.turnTtlSeconds ?? iceDefaults.turnTtlSeconds;
  const transportPolicy = options.transportPolicy ?? iceDefaults.transportPolicy;
  if (turnUrls.length > 0 && turnSecret === "")
    throw new TypeError(`TURN URL "${turnUrls[0]}" needs a TURN secret (turnSecret)`);
  if (turnUrls.length === 0 && turnSecret !== "")
    throw new TypeError("A TURN secret (turnSecret) needs at least one TURN URL (turnUrls)");
  for (const url of stunUrls)
    if (!/^stuns?:/.test(url)) throw new TypeError(`STUN URL must start with stun: or stuns:, got "${url}"`);
  for (const url of turnUrls)
    if (!/^turns?:/.test(url)) throw new TypeError(`TURN URL must start with turn: or turns:, got "${url}"`);
  if (!(Number.isFinite(turnTtlSeconds) && turnTtlSeconds >= 60))
    throw new TypeError(`turnTtlSeconds must be at least 60, got ${turnTtlSeconds}`);
  if (transportPolicy !== "all" && transportPolicy !== "relay")
    throw new TypeError(`transportPolicy must be "all" or "relay", got "${transportPolicy}"`);
  if (transportPolicy === "relay" && turnUrls.length === 0)
    throw new TypeError('transportPolicy "relay" needs TURN URLs (turnUrls): without them nothing connects');
  return { stunUrls, turnUrls, turnSecret, turnTtlSeconds, transportPolicy };
}

/**
 * The ICE configuration of one page: the STUN URLs, the TURN URLs with a credential minted for
 * `peerId` now, and the transport policy. Call it per page render and per refresh.
 *
 * @example
 * const ice = { turnUrls: ["turn:turn.example.com:3478"], turnSecret: process.env.TURN_SECRET };
 * const { iceServers, iceTransportPolicy } = iceConfiguration(ice, user.id);
 */
export function iceConfiguration(options: IceOptions, peerId: string, nowMs = Date.now()): IceConfiguration {
  const { stunUrls, turnUrls, turnSecret, turnTtlSeconds, transportPolicy } = checkIceOptions(options);
  const iceServers: RTCIceServer[] = stunUrls.length > 0 ? [{ urls: [...stunUrls] }] : [];
  let expiresAt: number | null = null;
  if (turnUrls.length > 0) {
    const minted = turnCredential(turnSecret, peerId, { ttlSeconds: turnTtlSeconds, nowMs });
    iceServers.push({ urls: [...turnUrls], username: minted.username, credential: minted.credential });
    expiresAt = minted.expiresAt * 1000;
  }
  return { iceServers, iceTransportPolicy: transportPolicy, expiresAt };
}
