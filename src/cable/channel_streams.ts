/** A pub/sub subscription being set up: resolves to the function that stops it. */
export type Live = Promise<() => Promise<void>>;

/** A stream whose pub/sub stop failed, with why. */
export interface StreamStopFailure {
  readonly stream: string;
  readonly error: unknown;
}

/**
 * The streams one subscription forwards, each with its live pub/sub subscription. Nearly every
 * subscription has exactly one, so the first sits in two fields and a Map exists only from the
 * second: with thousands of idle sockets a Map each was a visible part of the memory per connection.
 */
export class ChannelStreams {
  #stream: string | undefined;
  #live: Live | undefined;
  #more: Map<string, Live> | undefined;

  /** The live subscription of `stream`, `undefined` when it is not forwarded. */
  get(stream: string): Live | undefined {
    return this.#stream === stream ? this.#live : this.#more?.get(stream);
  }

  /** Resolves once every stream is live; rejects when one could not be set up. */
  whenLive(): Promise<unknown> {
    return Promise.all(this.names().map((stream) => this.get(stream)));
  }

  /** Records `stream` as forwarded through `live`. */
  add(stream: string, live: Live): void {
    if (this.#stream === undefined) {
      this.#stream = stream;
      this.#live = live;
    } else {
      this.#more ??= new Map();
      this.#more.set(stream, live);
    }
  }

  /** The names of every stream forwarded, the first first. */
  names(): string[] {
    const names = this.#more ? [...this.#more.keys()] : [];
    if (this.#stream !== undefined) names.unshift(this.#stream);
    return names;
  }

  /** Forgets `stream` and resolves once the pub/sub no longer delivers it. */
  async stop(stream: string): Promise<void> {
    const live = this.get(stream);
    if (!live) return;
    if (this.#stream === stream) {
      this.#stream = undefined;
      this.#live = undefined;
    } else {
      this.#more?.delete(stream);
    }
    let stop: () => Promise<void>;
    try {
      stop = await live;
    } catch {
      return; // never went live (the pub/sub refused it): nothing to stop
    }
    await stop();
  }

  /** Stops every stream, each even when another's stop fails. Never rejects: resolves to the failures. */
  async stopAll(): Promise<StreamStopFailure[]> {
    const streams = this.names();
    const results = await Promise.allSettled(streams.map((stream) => this.stop(stream)));
    return results.flatMap((result, i) =>
      result.status === "rejected" ? [{ stream: streams[i]!, error: result.reason }] : [],
    );
  }
}
