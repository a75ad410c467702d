/**
 * Reply-text extraction over real replies: ../shared/corpora/replies beside the repository
 * (see ../shared/corpora/README.md), parsed with the project's real path (understandMail).
 *
 * expectations.json gives, per .eml, the text the person wrote ("visible") and other
 * acceptable answers ("also_ok"); texts are compared with whitespace collapsed and
 * non-breaking spaces as spaces. Each fixture scores:
 * - exact: the new text equals an accepted answer;
 * - extra: every line of an accepted answer is there, in order, but there is more;
 * - lost:  some of what the person wrote is missing.
 * The suite prints a table by folder and requires 0 lost and every fixture not flagged
 * `debatable` exact. Rules are improved in src/mail, never by naming files here.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { understandMail } from "../../src/mail/understand.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const corpus = resolve(repoRoot, "../shared/corpora/replies");
const expectationsFile = join(corpus, "expectations.json");
const exists = existsSync(expectationsFile);

// The corpus is test data shared beside the repository, not part of it: a fresh clone has
// no ../shared, and then there is nothing to measure, so the suite is skipped (and says so).
if (!exists) console.log(`replies corpus: skipped, ${expectationsFile} is absent (as on a fresh clone)`);

interface Expectation {
  kind?: string;
  visible: string;
  also_ok?: string[];
  flags?: string[];
  note?: string | null;
}

type Score = "exact" | "extra" | "lost";

const normalise = (s: string): string =>
  s
    .replace(/\u00a0/g, " ")
    .replace(/\s+/g, " ")
    .trim();

/** Every non-empty line of `want` appears in `got`, in order. */
function keepsAll(got: string, want: string): boolean {
  const hay = normalise(got);
  let from = 0;
  for (const line of want.split("\n")) {
    const needle = normalise(line);
    if (needle === "") continue;
    const at = hay.indexOf(needle, from);
    if (at === -1) return false;
    from = at + needle.length;
  }
  return true;
}

function score(got: string, e: Expectation): Score {
  const accepted = [e.visible, ...(e.also_ok ?? [])];
  if (accepted.some((a) => normalise(a) === normalise(got))) return "exact";
  if (accepted.some((a) => keepsAll(got, a))) return "extra";
  return "lost";
}

describe.skipIf(!exists)("replies corpus (../shared/corpora/replies)", () => {
  it("keeps exactly what the person wrote", async () => {
    const expectations = JSON.parse(readFileSync(expectationsFile, "utf8")) as Record<string, Expectation>;
    const names = Object.keys(expectations).sort();
    expect(names.length).toBeGreaterThan(0);

    const byFolder = new Map<string, Record<Score, number>>();
    const lost: string[] = [];
    const notExact: string[] = [];
    const otherKind: string[] = [];
    const mustBeExact: string[] = [];
    for (const name of names) {
      const e = expectations[name] as Expectation;
      const started = performance.now();
      const { newText, classification } = await understandMail(readFileSync(join(corpus, name)));
      const ms = performance.now() - started;
      const s = score(newText, e);
      const folder = name.split("/")[0] ?? "";
      const row = byFolder.get(folder) ?? { exact: 0, extra: 0, lost: 0 };
      row[s]++;
      byFolder.set(folder, row);
      const flags = e.flags ?? [];
      const shown = `${name}${flags.length ? ` [${flags.join(",")}]` : ""}: got ${JSON.stringify(newText)}`;
      if (s === "lost") lost.push(shown);
      if (s !== "exact") notExact.push(`${s} ${shown}`);
      if (s !== "exact" && !flags.includes("debatable")) mustBeExact.push(`${s} ${shown}`);
      if (e.kind && classification.kind !== e.kind) otherKind.push(`${name}: ${classification.kind}`);
      if (flags.includes("perf")) console.log(`perf ${name}: ${ms.toFixed(0)} ms`);
    }

    const total = { exact: 0, extra: 0, lost: 0 };
    const rows = [...byFolder.entries()].map(([folder, r]) => {
      total.exact += r.exact;
      total.extra += r.extra;
      total.lost += r.lost;
      return `${folder.padEnd(16)} ${String(r.exact + r.extra + r.lost).padStart(5)} ${String(r.exact).padStart(6)} ${String(r.extra).padStart(6)} ${String(r.lost).padStart(5)}`;
    });
    const all = total.exact + total.extra + total.lost;
    console.log(
      [
        `replies corpus: ${total.exact}/${all} exact (${((100 * total.exact) / all).toFixed(1)}%), ${total.extra} extra, ${total.lost} lost`,
        `${"folder".padEnd(16)} ${"files".padStart(5)} ${"exact".padStart(6)} ${"extra".padStart(6)} ${"lost".padStart(5)}`,
        ...rows,
        `${"total".padEnd(16)} ${String(all).padStart(5)} ${String(total.exact).padStart(6)} ${String(total.extra).padStart(6)} ${String(total.lost).padStart(5)}`,
        `not exact (${notExact.length}):${notExact.length ? `\n  ${notExact.join("\n  ")}` : " none"}`,
        `classified other than expected (${otherKind.length}):${otherKind.length ? `\n  ${otherKind.join("\n  ")}` : " none"}`,
      ].join("\n"),
    );

    expect(lost, "fixtures where part of what the person wrote is missing").toEqual([]);
    expect(mustBeExact, "fixtures not flagged debatable that are not exact").toEqual([]);
  });
});
