import assert from "node:assert/strict";

/** The attributes of the first `<p2p-frame>` in `markup`, unescaped as a browser reads them. */
export function frameAttributes(markup: string): Record<string, string> {
  const open = /<p2p-frame ([^>]*)>/.exec(markup);
  assert.ok(open, `no <p2p-frame> in ${markup.slice(0, 300)}`);
  const decode = (value: string) =>
    value
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&#96;/g, "`")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
  return Object.fromEntries(
    [...open[1]!.matchAll(/([a-z-]+)="([^"]*)"/g)].map(([, k, v]) => [k!, decode(v!)]),
  );
}
