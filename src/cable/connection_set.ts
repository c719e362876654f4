import type { Connection } from "./connection.js";
import type { ObserverSet } from "./observer.js";
import { pingFrame } from "./protocol.js";
import { type TeardownReporter, teardownFailed } from "./teardown.js";

/**
 * The open connections of one server: added at the upgrade, forgotten once their teardown is done
 * (or at the close deadline), kept alive by the server's timers, and awaited by its `close()`.
 */
export class ConnectionSet {
  readonly #connections = new Set<Connection>();
  readonly #drained = new Set<() => void>();
  readonly #observers: ObserverSet;

  constructor(observers: ObserverSet) {
    this.#observers = observers;
  }

  get size(): number {
    return this.#connections.size;
  }

  add(connection: Connection): void {
    this.#connections.add(connection);
    this.#observers.connectionOpened(connection);
  }

  /** Forgets a connection whose teardown is done; once is enough, so a second call does nothing. */
  forget(connection: Connection): void {
    if (!this.#connections.delete(connection)) return; // already forgotten at the close deadline
    this.#observers.connectionClosed(connection, connection.closeReason);
    if (this.#connections.size === 0) {
      for (const resolve of this.#drained) resolve();
      this.#drained.clear();
    }
  }

  /** Resolves once every connection is forgotten. */
  drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.#connections.size === 0) resolve();
      else this.#drained.add(resolve);
    });
  }

  /**
   * Starts the two timers that keep sockets honest: the JSON `ping` every `pingIntervalMs` (clients
   * think a socket stale after two missed), and native ping rounds every `livenessIntervalMs` that
   * terminate a socket silent since the last round. Neither holds the process open. Returns the stop.
   */
  keepAlive(timing: { pingIntervalMs: number; livenessIntervalMs: number }): () => void {
    const ping = setInterval(() => {
      const frame = pingFrame(Date.now());
      for (const connection of this.#connections) if (connection.welcomed) connection.sendRaw(frame);
    }, timing.pingIntervalMs);
    const probe = setInterval(() => {
      for (const connection of this.#connections) connection.probe();
    }, timing.livenessIntervalMs);
    ping.unref();
    probe.unref();
    return () => {
      clearInterval(ping);
      clearInterval(probe);
    };
  }

  disconnectAll(reason: string, reconnect: boolean): void {
    for (const connection of this.#connections) connection.disconnect(reason, reconnect);
  }

  /** At the close deadline: terminates what is still open and forgets it, whatever its teardown does. */
  abandonAll(timeoutMs: number, reporter: TeardownReporter): void {
    for (const connection of [...this.#connections]) {
      const error = new Error(`connection ${connection.id} still open or tearing down after ${timeoutMs} ms`);
      teardownFailed(connection, { step: "abandoned" }, error, reporter);
      connection.abandon();
      this.forget(connection);
    }
  }
}
