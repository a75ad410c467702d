/**
 * Classification over real-world inbound mail: the sisimai "set-of-emails" corpus kept in
 * ../shared/corpora/inbound beside the repository (see ../shared/corpora/README.md), and the
 * real human replies in ../shared/corpora/replies, which measure false positives: every one
 * of them must come out human_reply (a person's reply taken for a bounce or an auto-reply is
 * a person not heard).
 *
 * The expected kind comes from the file name: lhost-*, rhost-*, rfc3464-* are bounces,
 * arf-* complaints, rfc3834-* automatic replies, and everything under not-bounces/ must be
 * neither a bounce nor a complaint. The suite prints its score and the misclassified files,
 * and requires at least 99% correct and no bounce/complaint/auto-reply taken for a human.
 * Rules are improved in src/mail, never by naming files here.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { InboundKind } from "../../src/mail/classify.js";
import { understandMail } from "../../src/mail/understand.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const corpus = resolve(repoRoot, "../shared/corpora/inbound");
const exists = existsSync(corpus);
const replies = resolve(repoRoot, "../shared/corpora/replies");
const repliesExist = existsSync(replies);

// The corpus is test data shared beside the repository, not part of it: a fresh clone has
// no ../shared, and then there is nothing to measure, so the suite is skipped (and says so).
if (!exists)
  console.log(`inbound corpus: skipped, the corpus folder ${corpus} is absent (as on a fresh clone)`);
if (!repliesExist)
  console.log(`replies corpus: skipped, the corpus folder ${replies} is absent (as on a fresh clone)`);

type Expected = InboundKind | "not_bounce";

function expectedKind(folder: string, file: string): Expected {
  if (folder === "not-bounces") return "not_bounce";
  if (file.startsWith("arf-")) return "complaint";
  if (file.startsWith("rfc3834-")) return "auto_reply";
  return "bounce";
}

function files(): { folder: string; file: string }[] {
  const out: { folder: string; file: string }[] = [];
  for (const folder of ["bounces", "not-bounces"]) {
    const dir = join(corpus, folder);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      if (file.endsWith(".eml")) out.push({ folder, file });
    }
  }
  return out;
}

describe.skipIf(!exists)("inbound corpus (../shared/corpora/inbound)", () => {
  it("classifies real bounces, complaints and auto-replies", async () => {
    const all = files();
    expect(all.length).toBeGreaterThan(0);
    const wrong: string[] = [];
    const machineAsHuman: string[] = [];
    const kinds: Record<string, number> = {};
    let correct = 0;
    let withDsnStatus = 0;
    let statusAgrees = 0;
    const statusDisagrees: string[] = [];

    for (const { folder, file } of all) {
      const raw = readFileSync(join(corpus, folder, file));
      const { classification: c } = await understandMail(raw);
      const expected = expectedKind(folder, file);
      const ok =
        expected === "not_bounce" ? c.kind !== "bounce" && c.kind !== "complaint" : c.kind === expected;
      if (ok) correct++;
      else wrong.push(`${folder}/${file}: expected ${expected}, got ${c.kind} (${c.reason})`);
      if (expected !== "not_bounce" && c.kind === "human_reply") machineAsHuman.push(file);
      if (folder === "not-bounces")
        kinds[`not-bounces → ${c.kind}`] = (kinds[`not-bounces → ${c.kind}`] ?? 0) + 1;

      // The kind must follow the status whenever the notice gives one (src/mail/refusal.ts):
      // 4.x.x and 5.2.2 (mailbox full) soft; an address that does not exist (5.1.1, 5.1.2,
      // 5.1.10, 5.2.1) hard; 5.7.x (spam, policy, DMARC, relaying) a block, except 5.7.13
      // (user account disabled); any other 5.x.x hard or block, never soft.
      const status = c.bounce?.status;
      if (c.kind === "bounce" && status) {
        withDsnStatus++;
        const type = c.bounce?.type;
        kinds[`bounce ${type}`] = (kinds[`bounce ${type}`] ?? 0) + 1;
        const expected =
          status.startsWith("4") || status === "5.2.2"
            ? ["soft"]
            : ["5.1.1", "5.1.2", "5.1.10", "5.2.1", "5.7.13"].includes(status)
              ? ["hard"]
              : status.startsWith("5.7.")
                ? ["block"]
                : ["hard", "block"];
        if (type && expected.includes(type)) statusAgrees++;
        else statusDisagrees.push(`${file}: ${status} but ${type}`);
      }
    }

    const pct = (100 * correct) / all.length;
    console.log(`corpus: ${correct}/${all.length} correct (${pct.toFixed(1)}%)`);
    console.log(`misclassified (${wrong.length}):${wrong.length ? `\n  ${wrong.join("\n  ")}` : " none"}`);
    console.log(`not-bounces and bounce kinds: ${JSON.stringify(kinds)}`);
    console.log(`bounce kind agrees with the status: ${statusAgrees}/${withDsnStatus}`);
    if (statusDisagrees.length) console.log(`  ${statusDisagrees.join("\n  ")}`);

    expect(machineAsHuman, "bounces, complaints and auto-replies taken for a human").toEqual([]);
    expect(pct).toBeGreaterThanOrEqual(99);
    expect(statusAgrees).toBe(withDsnStatus);
  });
});

describe.skipIf(!repliesExist)("human replies (../shared/corpora/replies)", () => {
  it("classifies every real human reply as human_reply", async () => {
    const all: string[] = [];
    for (const folder of readdirSync(replies, { withFileTypes: true })) {
      if (!folder.isDirectory()) continue;
      for (const file of readdirSync(join(replies, folder.name)).sort()) {
        if (file.endsWith(".eml")) all.push(join(folder.name, file));
      }
    }
    expect(all.length).toBeGreaterThan(0);
    const wrong: string[] = [];
    for (const file of all) {
      const { classification: c } = await understandMail(readFileSync(join(replies, file)));
      if (c.kind !== "human_reply") wrong.push(`${file}: got ${c.kind} (${c.reason})`);
    }
    const right = all.length - wrong.length;
    console.log(`replies: ${right}/${all.length} human_reply (${((100 * right) / all.length).toFixed(1)}%)`);
    if (wrong.length) console.log(`  taken for a machine:\n  ${wrong.join("\n  ")}`);
    expect(wrong).toEqual([]);
  });
});
