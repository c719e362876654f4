import { P2pError, Reasons } from "../../protocol/errors.js";

/** The error an `enter()` cut short by `leave()` rejects with. */
export function leftWhileEntering(): P2pError {
  return new P2pError(Reasons.roomLeft, "Left the room before entering it");
}

/**
 * Resolves as `promise` does, unless `signal` aborts first: then rejects with `leftWhileEntering()`.
 * A subscription that is unsubscribed before its confirmation never settles: this is what lets
 * `enter()` end anyway.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(leftWhileEntering());
  return new Promise<T>((resolve, reject) => {
    const aborted = () => reject(leftWhileEntering());
    signal.addEventListener("abort", aborted, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", aborted);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", aborted);
        reject(error);
      },
    );
  });
}
