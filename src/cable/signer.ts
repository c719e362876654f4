import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { P2pError, Reasons } from "../protocol/errors.js";

const DIGEST_HEX_LENGTH = 64;

/** How `Signer.sign` scopes a token: to a purpose, and for how long. */
export interface SignOptions {
  /** What the token is for (`"turbo-stream"`, `"session"`, `"room"`): a token for one purpose is refused for another. */
  purpose?: string;
  /** Seconds until the token stops verifying. Omit for no expiry. */
  expiresIn?: number;
}

interface Envelope {
  v: unknown;
  p?: string;
  e?: number;
}

/**
 * HMAC-SHA256 signatures in Rails' MessageVerifier shape: `base64(JSON) + "--" + hex(hmac)`.
 * Verification compares digests in constant time and checks purpose and expiry.
 *
 * @example
 * const signer = new Signer(process.env.P2P_SECRET!);
 * const token = signer.sign({ sessionId: "chat", peerId: "ann" }, { purpose: "session", expiresIn: 3600 });
 * signer.verify(token, { purpose: "session" }); // → { sessionId: "chat", peerId: "ann" }
 */
export class Signer {
  readonly #key: Buffer;
  readonly #now: () => number;

  constructor(secret: string | Buffer, options: { now?: () => number } = {}) {
    if (secret.length < 16) {
      throw new P2pError(Reasons.invalidToken, "the signing secret must be at least 16 characters long");
    }
    this.#key = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, "utf8");
    this.#now = options.now ?? Date.now;
  }

  /** A fresh random secret, for a demo run that was given none. */
  static generateSecret(): string {
    return randomBytes(32).toString("hex");
  }

  /** Signs a JSON value into a token that `verify` accepts for the same purpose until it expires. */
  sign(value: unknown, options: SignOptions = {}): string {
    const envelope: Envelope = { v: value };
    if (options.purpose) envelope.p = options.purpose;
    if (options.expiresIn !== undefined) envelope.e = Math.floor(this.#now() / 1000) + options.expiresIn;
    return this.#seal(envelope);
  }

  /** Returns the signed value, or throws `P2pError` with reason `invalid_token` or `expired_token`. */
  verify<T = unknown>(token: unknown, options: { purpose?: string } = {}): T {
    const envelope = this.#open(token) as Envelope | null;
    if (!envelope || typeof envelope !== "object" || !("v" in envelope)) {
      throw new P2pError(Reasons.invalidToken, "token signature is invalid or the token is malformed");
    }
    if ((envelope.p ?? undefined) !== options.purpose) {
      throw new P2pError(
        Reasons.invalidToken,
        `token was signed for purpose "${envelope.p ?? ""}", not "${options.purpose ?? ""}"`,
      );
    }
    if (envelope.e !== undefined && Math.floor(this.#now() / 1000) >= envelope.e) {
      throw new P2pError(Reasons.expiredToken, "token has expired");
    }
    return envelope.v as T;
  }

  /**
   * Signs a Turbo stream name exactly as turbo-rails' `signed_stream_verifier.generate(name)` does
   * (no purpose, no expiry), so `<turbo-cable-stream-source signed-stream-name>` looks as in Rails.
   */
  signStreamName(name: string): string {
    return this.#seal(name);
  }

  /** The stream name inside a signed name, or `null` when the signature does not hold. */
  verifyStreamName(signed: unknown): string | null {
    const name = this.#open(signed);
    return typeof name === "string" ? name : null;
  }

  #seal(value: unknown): string {
    const data = Buffer.from(JSON.stringify(value), "utf8").toString("base64");
    return `${data}--${this.#digest(data)}`;
  }

  #open(token: unknown): unknown {
    if (typeof token !== "string" || token.length < DIGEST_HEX_LENGTH + 3 || token.length > 16_384)
      return null;
    const separator = token.length - DIGEST_HEX_LENGTH - 2;
    if (token.slice(separator, separator + 2) !== "--") return null;
    const data = token.slice(0, separator);
    const given = Buffer.from(token.slice(separator + 2), "utf8");
    const expected = Buffer.from(this.#digest(data), "utf8");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      return JSON.parse(Buffer.from(data.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8"));
    } catch {
      return null;
    }
  }

  #digest(data: string): string {
    return createHmac("sha256", this.#key).update(data).digest("hex");
  }
}
