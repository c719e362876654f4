import { Channel } from "../cable/channel.js";
import { P2pError, Reasons } from "../protocol/errors.js";
import { type signalingParams, tokenParams, tokenParamsProblem } from "./schemas/subscribe_params.js";

/**
 * A channel whose subscriber is who a signed token says: identifier `{"channel", "token"}` and
 * nothing else. The one place the session and room channels decide who is subscribing: `admit()`
 * checks the identifier and verifies the token; on a bad one the subscription is rejected with its
 * reason (logged once as `<what> rejected`).
 */
export abstract class TokenChannel<Identity> extends Channel {
  #identity: Identity | undefined;

  /** Reads the identity out of a token; throws `P2pError` (`invalid_token`, `expired_token`) when it holds none. */
  protected abstract verifyToken(token: unknown): Identity;

  /** The identifier's shape: `{"channel", "token"}`; a channel that takes more extends it. */
  protected get paramsSchema(): typeof tokenParams | typeof signalingParams {
    return tokenParams;
  }

  /** Whether `admit()` let the subscriber in. */
  protected get admitted(): boolean {
    return this.#identity !== undefined;
  }

  /** Who the subscriber is, from its verified token. Set by `admit()`: actions only run after it. */
  protected get identity(): Identity {
    if (this.#identity === undefined) throw new Error(`${this.identifier}: no identity before admit()`);
    return this.#identity;
  }

  /**
   * Admits the subscriber its token names, or rejects the subscription with the reason and returns
   * `undefined`. Call it first in `subscribed()`; `what` names the subscription in the log line.
   */
  protected admit(what: string): Identity | undefined {
    const refuse = (reason: string, message: string): undefined => {
      this.logger.info(`${what} rejected`, { connection: this.connection.id, reason });
      this.reject(reason, message);
      return undefined;
    };
    const problem = tokenParamsProblem(this.params, this.paramsSchema);
    if (problem) return refuse(problem.reason, problem.message);
    try {
      this.#identity = this.verifyToken(this.params.token);
      return this.#identity;
    } catch (error) {
      const reason = error instanceof P2pError ? error.reason : Reasons.invalidToken;
      return refuse(reason, error instanceof Error ? error.message : `invalid token for ${what}`);
    }
  }
}
