/**
 * The final table every bench part adds its figures to: figure | rapport | baseline |
 * ratio | aim | met?. A part that could not run adds a row saying why (skipped: …).
 */

export interface Row {
  figure: string;
  rapport: string;
  baseline?: string;
  /** rapport ÷ baseline (or whatever the aim compares), shown as "0.82×". */
  ratio?: number;
  /** "≥ 0.8×", "< 250 MB", … */
  aim?: string;
  /** Whether the aim was met; unset when the figure has no aim. */
  met?: boolean;
}

export class Table {
  readonly rows: Row[] = [];

  add(row: Row): void {
    this.rows.push(row);
  }

  skipped(figure: string, why: string): void {
    this.rows.push({ figure, rapport: `skipped: ${why}` });
  }

  render(): string {
    const head = ["figure", "rapport", "baseline", "ratio", "aim", "met?"];
    const cells = this.rows.map((r) => [
      r.figure,
      r.rapport,
      r.baseline ?? "",
      r.ratio === undefined ? "" : `${fmt(r.ratio, 2)}×`,
      r.aim ?? "",
      r.met === undefined ? "" : r.met ? "met" : "NOT met",
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)));
    const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i] ?? 0)).join(" | ")} |`;
    return [line(head), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
  }
}

export const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });
export const perSecond = (n: number, ms: number) => (n / ms) * 1000;
