import { KIND_INFO, type ServerKind } from "../kinds.js";
import { type LoadProcess, type ServerProcess, startLoad, startServer } from "./children.js";

/** Where a figure runs: the repo root, which servers, where to print progress, profiling. */
export interface RunContext {
  root: string;
  servers: ServerKind[];
  profileDir: string | undefined;
  log(line: string): void;
}

/** Every trial's value per server, and the errors of trials that failed. */
export type TrialResults<T> = Map<ServerKind, { values: T[]; errors: string[] }>;

/**
 * Runs `body` `trials` times for each server, interleaved (trial 1 of every server, then
 * trial 2, …) so that a change in the machine's load hits every server alike. Each trial gets a
 * fresh server process and a fresh load generator; a failed trial is reported, not hidden.
 */
export async function eachTrial<T>(
  context: RunContext,
  figure: string,
  trials: number,
  kinds: ServerKind[],
  body: (server: ServerProcess, load: LoadProcess, progress: (text: string) => void) => Promise<T>,
): Promise<TrialResults<T>> {
  const results: TrialResults<T> = new Map(kinds.map((kind) => [kind, { values: [], errors: [] }]));
  for (let trial = 1; trial <= trials; trial++) {
    for (const kind of kinds) {
      const prefix = `[${figure} ${trial}/${trials} ${KIND_INFO[kind].label}]`;
      const progress = (text: string) => context.log(`${prefix} ${text}`);
      let server: ServerProcess | undefined;
      let load: LoadProcess | undefined;
      try {
        server = await startServer(context.root, kind, context.profileDir);
        load = startLoad(context.root);
        results.get(kind)!.values.push(await body(server, load, progress));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        progress(`FAILED: ${message}`);
        results.get(kind)!.errors.push(message.split("\n")[0]!);
      } finally {
        await load?.stop();
        await server?.stop();
      }
    }
  }
  return results;
}

/** Notes for the table: which trials failed and why, so a missing cell is explained. */
export function failureNotes<T>(results: TrialResults<T>): string[] {
  const notes: string[] = [];
  for (const [kind, { errors }] of results) {
    if (errors.length > 0)
      notes.push(`${KIND_INFO[kind].label}: ${errors.length} trial(s) failed: ${errors[0]}`);
  }
  return notes;
}
