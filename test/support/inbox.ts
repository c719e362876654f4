import { withDeadline } from "./cable.js";

export type Message = Record<string, unknown>;

/**
 * What one subscription of the official `@rails/actioncable` client received, with waiters on it:
 * hand `push`, `settle("connected")` and `settle("rejected")` to its mixin.
 */
export class Inbox<M = unknown> {
  readonly messages: M[] = [];
  readonly #wakers = new Set<() => void>();
  connected = false;
  rejected = false;

  /** `label` names the holder in a failed wait ("… at ann"). */
  constructor(readonly label?: string) {}

  push(message: M): void {
    this.messages.push(message);
    this.changed();
  }

  settle(state: "connected" | "rejected"): void {
    this[state] = true;
    this.changed();
  }

  /** Wakes the waiters: something they probe may have changed. */
  changed(): void {
    for (const wake of this.#wakers) wake();
  }

  /** Resolves with the first value `probe` returns that is not `undefined`, or fails naming `description`. */
  until<T>(probe: () => T | undefined, description: string): Promise<T> {
    let wake!: () => void;
    const found = new Promise<T>((resolve) => {
      wake = () => {
        const value = probe();
        if (value !== undefined) resolve(value);
      };
      this.#wakers.add(wake);
      wake();
    });
    const at = this.label === undefined ? "" : ` at ${this.label}`;
    return withDeadline(found, `${description}${at}; got ${JSON.stringify(this.messages)}`).finally(() =>
      this.#wakers.delete(wake),
    );
  }

  /** The object messages so far that match. */
  all(predicate: (message: Message) => boolean): Message[] {
    return (this.messages as unknown[]).filter(
      (m): m is Message => typeof m === "object" && m !== null && predicate(m as Message),
    );
  }

  /** The `n`th (1-based) object message matching `predicate`, waiting for it. */
  next(predicate: (message: Message) => boolean, description: string, n = 1): Promise<Message> {
    return this.until(() => this.all(predicate)[n - 1], description);
  }

  /** The first string message (a Turbo Stream) that includes `includes`, waiting for it. */
  nextHtml(includes: string, description: string): Promise<string> {
    return this.until(
      () =>
        (this.messages as unknown[]).find((m): m is string => typeof m === "string" && m.includes(includes)),
      description,
    );
  }
}
