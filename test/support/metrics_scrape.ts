import assert from "node:assert/strict";

/** One scrape of a Prometheus text exposition: `value("p2p_rejects_total", { reason: "x" })`. */
export interface Scrape {
  readonly text: string;
  /** The sample with exactly these labels, or `undefined` when the exposition has none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

/** Parses `name{a="x",b="y"} 3` lines; label order does not matter. */
export function parseExposition(text: string): Scrape {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const found = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(found, `not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (found[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!;
    }
    samples.set(key(found[1]!, labels), Number(found[3]));
  }
  return { text, value: (name, labels = {}) => samples.get(key(name, labels)) };
}

function key(name: string, labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`);
  return `${name}{${sorted.join(",")}}`;
}

/** GETs `url` until `predicate` holds for its exposition, failing after the deadline with the last one. */
export async function scrapeUntil(
  url: string,
  description: string,
  predicate: (scrape: Scrape) => boolean,
  timeoutMs = 5000,
): Promise<Scrape> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const scrape = parseExposition(await response.text());
    if (predicate(scrape)) return scrape;
    if (Date.now() > deadline) assert.fail(`${url} never showed ${description}:\n${scrape.text}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
