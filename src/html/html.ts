/**
 * HTML built from trusted templates and untrusted values. Every interpolation is escaped unless it
 * is itself `SafeHtml` (the result of `html` or `unsafeRaw`), so nesting templates is safe and
 * forgetting to escape is impossible.
 *
 * @example
 * html`<li id="${id}">${name}</li>`.toString(); // name "<b>" renders as &lt;b&gt;
 */
export class SafeHtml {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The HTML text, for writing into a response. */
  toString(): string {
    return this.#value;
  }

  /** The HTML text, so a `SafeHtml` serialises as a string. */
  toJSON(): string {
    return this.#value;
  }
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** Escapes text for an element body or a quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** Marks a string as already-safe HTML. Only for markup you produced yourself. */
export function unsafeRaw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(value);
}

/** The escaping template tag. Arrays are joined; `null`, `undefined` and `false` render as nothing. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Renders `name="value"` pairs, escaped; `true` renders a bare attribute, `false`/`null`/`undefined` nothing. */
export function attributes(attrs: Record<string, unknown>): SafeHtml {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(attrs)) {
    if (!/^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/.test(name)) throw new TypeError(`invalid attribute name "${name}"`);
    if (value === false || value === null || value === undefined) continue;
    parts.push(value === true ? name : `${name}="${escapeHtml(value)}"`);
  }
  return new SafeHtml(parts.join(" "));
}
