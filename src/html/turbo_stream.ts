import { escapeHtml, SafeHtml } from "./html.js";

/** The Turbo Stream actions we render. There is no `morph` action (use `method: "morph"` on replace/update). */
export type TurboStreamAction = "append" | "prepend" | "replace" | "update" | "remove" | "before" | "after";

/** One `<turbo-stream>`: its target (an id or a selector) and the HTML it carries. */
export interface TurboStreamOptions {
  /** Element id of the target; or use `targets`. */
  target?: string;
  /** CSS selector for several targets. */
  targets?: string;
  /** For `replace` / `update`: `"morph"` uses idiomorph. */
  method?: "morph";
}

const ACTIONS: ReadonlySet<string> = new Set<TurboStreamAction>([
  "append",
  "prepend",
  "replace",
  "update",
  "remove",
  "before",
  "after",
]);

/**
 * Renders one `<turbo-stream>` element as Rails does: `<template>` for every action but `remove`.
 * Returns a string, ready to broadcast (Turbo acts only on string messages).
 */
export function turboStream(
  action: TurboStreamAction,
  options: TurboStreamOptions,
  content?: SafeHtml | string,
): string {
  const { target, targets, method } = options;
  // The action and method are written unescaped, so only known words pass (callers may be untyped JS).
  if (!ACTIONS.has(action)) throw new TypeError(`Unknown turbo-stream action ${JSON.stringify(action)}`);
  if (method !== undefined && method !== "morph") {
    throw new TypeError(`Unknown turbo-stream method ${JSON.stringify(method)}: only "morph"`);
  }
  if (!target && !targets) throw new TypeError(`turbo-stream "${action}" needs a target or targets`);
  if (content !== undefined && !(content instanceof SafeHtml)) {
    throw new TypeError("turbo-stream content must be SafeHtml: build it with the html`` tag");
  }
  let attrs = `action="${action}"`;
  if (target) attrs += ` target="${escapeHtml(target)}"`;
  if (targets) attrs += ` targets="${escapeHtml(targets)}"`;
  if (method) attrs += ` method="${method}"`;
  if (action === "remove") return `<turbo-stream ${attrs}></turbo-stream>`;
  return `<turbo-stream ${attrs}><template>${content ?? ""}</template></turbo-stream>`;
}

/** `append`, `prepend`, … as functions of (target, content). */
export const turboStreams = {
  /** Adds `content` at the end of `#target`. */
  append: (target: string, content: SafeHtml) => turboStream("append", { target }, content),
  /** Adds `content` at the start of `#target`. */
  prepend: (target: string, content: SafeHtml) => turboStream("prepend", { target }, content),
  /** Replaces `#target` itself with `content`. */
  replace: (target: string, content: SafeHtml) => turboStream("replace", { target }, content),
  /** Replaces what `#target` holds with `content`. */
  update: (target: string, content: SafeHtml) => turboStream("update", { target }, content),
  /** Inserts `content` before `#target`. */
  before: (target: string, content: SafeHtml) => turboStream("before", { target }, content),
  /** Inserts `content` after `#target`. */
  after: (target: string, content: SafeHtml) => turboStream("after", { target }, content),
  /** Removes `#target`. */
  remove: (target: string) => turboStream("remove", { target }),
};
