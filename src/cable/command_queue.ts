import type { Logger } from "../protocol/logger.js";

/** Commands a socket's queue may hold without being replaced by a fresh array once drained. */
const SMALL = 4;

/** One queued command of a socket; may be async. */
export type Task = () => void | Promise<void>;

/**
 * The FIFO queue of one socket's commands: each is awaited before the next starts, so a subscribe
 * is confirmed before the next command of the same socket runs (Rails runs them on a thread pool
 * and does not guarantee this; WebRTC signaling depends on it). A command that throws is logged
 * as `command failed` and the queue goes on.
 */
export class CommandQueue {
  readonly #logger: Logger;
  readonly #connection: string;
  #tasks: Task[] = [];
  #draining = false;
  /** Whether the array grew past a few commands: only then is it replaced once drained. */
  #grown = false;

  /** `connection` is the socket's id, for the log line of a failed command. */
  constructor(logger: Logger, connection: string) {
    this.#logger = logger;
    this.#connection = connection;
  }

  /** Runs `task` after every command queued before it. */
  enqueue(task: Task): void {
    if (this.#tasks.push(task) > SMALL) this.#grown = true;
    if (!this.#draining) void this.#drain();
  }

  /** Drops every command still waiting (the one running finishes). */
  clear(): void {
    this.#tasks.length = 0;
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    while (this.#tasks.length > 0) {
      const task = this.#tasks.shift()!;
      try {
        const result = task();
        if (result) await result;
      } catch (error) {
        this.#logger.error("command failed", { connection: this.#connection, error: String(error) });
      }
    }
    // A drained array keeps the capacity it grew to; an idle socket should not (memory figure).
    // One that never held more than a few is kept: a new array per command showed in profiles.
    if (this.#grown) {
      this.#tasks = [];
      this.#grown = false;
    }
    this.#draining = false;
  }
}
