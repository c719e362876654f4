import type { TestContext } from "node:test";

/**
 * Collects every uncaught exception and unhandled rejection until the test ends, so the test can
 * assert that there was none (`assert.deepEqual(failures, [])`) instead of the runner dying.
 */
export function trapUncaught(t: Pick<TestContext, "after">): unknown[] {
  const failures: unknown[] = [];
  const onFailure = (error: unknown) => failures.push(error);
  process.on("uncaughtException", onFailure);
  process.on("unhandledRejection", onFailure);
  t.after(() => {
    process.off("uncaughtException", onFailure);
    process.off("unhandledRejection", onFailure);
  });
  return failures;
}
