/** One printed figure: a title, column headers, rows of already formatted cells, notes below. */
export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
  notes: string[];
}

/** Plain text for the terminal: columns padded, numbers right-aligned. */
export function renderText(table: Table): string {
  const widths = table.headers.map((header, i) =>
    Math.max(header.length, ...table.rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  const notes = table.notes.map((note) => `  ${note}`);
  return [`== ${table.title}`, line(table.headers), rule, ...table.rows.map(line), ...notes].join("\n");
}

/** GitHub Markdown for RESULTS.md, columns padded as `biome format` lays tables out (so lint passes). */
export function renderMarkdown(table: Table): string {
  const widths = table.headers.map((header, i) =>
    Math.max(3, header.length, ...table.rows.map((row) => (row[i] ?? "").length)),
  );
  const pad = (cell: string, i: number) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!));
  const row = (cells: string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const align = `| ${widths.map((width, i) => (i === 0 ? "-".repeat(width) : `${"-".repeat(width - 1)}:`)).join(" | ")} |`;
  const notes = table.notes.length > 0 ? `\n${table.notes.map((note) => `- ${note}`).join("\n")}\n` : "";
  return [`### ${table.title}`, "", row(table.headers), align, ...table.rows.map(row), notes].join("\n");
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** 12,345 */
export function count(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? "–" : integer.format(value);
}

/** Fixed decimals, or a dash for a missing value. */
export function fixed(value: number | undefined, digits: number): string {
  return value === undefined || Number.isNaN(value) ? "–" : value.toFixed(digits);
}

/** "0.93x": how a figure compares with the ceiling's. */
export function ratio(value: number | undefined, reference: number | undefined): string {
  if (
    value === undefined ||
    reference === undefined ||
    Number.isNaN(value) ||
    Number.isNaN(reference) ||
    reference === 0
  ) {
    return "–";
  }
  return `${(value / reference).toFixed(2)}x`;
}
