/** What a `PageLifecycle` tells its session. */
export interface PageLifecycleDelegate {
  /** The page is going away for good (`pagehide`, not persisted): close. */
  pageClosed(): void;
  /** The page goes into the back/forward cache (`pagehide`, persisted): leave, and keep listening. */
  pageSuspended(): void;
  /** The page came back from the back/forward cache (`pageshow`, persisted): join again. */
  pageResumed(): void;
}

/**
 * The page's `pagehide` and `pageshow` for one session. A tab that closes or navigates away closes
 * its peer connections itself, so the other side's data channels close at once rather than its
 * heartbeat noticing the silence seconds later. A page kept in the back/forward cache is frozen
 * with its sockets, so it leaves the session as it goes and joins again when shown.
 */
export class PageLifecycle {
  readonly #target: EventTarget | null;
  readonly #delegate: PageLifecycleDelegate;
  #listening = false;

  constructor(target: EventTarget | null, delegate: PageLifecycleDelegate) {
    this.#target = target;
    this.#delegate = delegate;
  }

  /** Starts listening. Idempotent. */
  listen(): void {
    if (this.#listening || !this.#target) return;
    this.#listening = true;
    this.#target.addEventListener("pagehide", this.#hidden);
    this.#target.addEventListener("pageshow", this.#shown);
  }

  /** Stops listening. Idempotent. */
  stop(): void {
    if (!this.#listening || !this.#target) return;
    this.#listening = false;
    this.#target.removeEventListener("pagehide", this.#hidden);
    this.#target.removeEventListener("pageshow", this.#shown);
  }

  readonly #hidden = (event: Event): void => {
    if (persisted(event)) this.#delegate.pageSuspended();
    else this.#delegate.pageClosed();
  };

  readonly #shown = (event: Event): void => {
    if (persisted(event)) this.#delegate.pageResumed();
  };
}

function persisted(event: Event): boolean {
  return (event as Partial<PageTransitionEvent>).persisted === true;
}
