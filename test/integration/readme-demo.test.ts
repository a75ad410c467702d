/**
 * The README's demo, run as written: its commands are read from README.md ("Two commands"
 * and what follows) and run through the real CLI, `rapport start` as a child process on a
 * free port and a data dir of its own (the shipped config, its send window and cap
 * included), the other commands as separate processes finding it the way a person's
 * terminal does (PORT, RAPPORT_DATA_DIR, INBOUND_SMTP_PORT, the API key file).
 *
 * First at scale 1: the thank-you, a reply to it, the owner-line exchange. Then, as the
 * README says, rapport is stopped and started again in demo mode (RAPPORT_WAIT_SCALE from
 * the README's line): the question and the check-in that the first start scheduled days
 * ahead arrive within seconds, the answer to the question gets its thanks, and the
 * timeline shows it all. Where the README says `ls var/outbox/`, the test waits for the
 * files that line promises (conditions, not time); it prints how long the story took.
 */

import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { freePort } from "../../src/infra/embedded-redis.js";
import { type ChildRapport, startChildRapport } from "../support/child-rapport.js";
import { runCli } from "../support/run-cli.js";
import { eventually, testDatabaseUrl } from "../support/test-env.js";

/** The shell blocks of the README's "Two commands" section, each as its command lines. */
function demoBlocks(): string[][] {
  const readme = readFileSync("README.md", "utf8");
  const start = readme.indexOf("## Two commands");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    (m[1] as string)
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#")),
  );
}

/** Shell words of a line up to its comment: bare words and "double-quoted" ones. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(#.*$)|(\S+)/g;
  for (const m of line.matchAll(re)) {
    if (m[3] !== undefined) break;
    words.push(m[1] ?? m[2] ?? (m[4] as string));
  }
  return words;
}

/**
 * The outbox's files for one template (TIME-TEMPLATE-RECIPIENT.eml). The folder appears with the
 * first message written, so a test that looks before then sees an empty outbox, not an error.
 */
const filesOf = (outbox: string, template: string, to = "ada@example.com") =>
  existsSync(outbox)
    ? readdirSync(outbox).filter((f) => f.includes(`Z-${template}-${to}`) && f.endsWith(".eml"))
    : [];

describe("the README's demo, as written, through the real CLI", () => {
  let rapport: ChildRapport | null = null;
  afterEach(async () => {
    await rapport?.stop();
    rapport = null;
  });

  it("tells the whole story: thank-you, reply, owner line, then in demo mode the question, its answer and the check-in", async () => {
    const blocks = demoBlocks();
    // 0: the two commands; 1: the demo at scale 1; 2: the start in demo mode; 3: what follows it.
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const [, scaleOne, demoStart, demo] = blocks as [string[], string[], string[], string[]];

    const dir = mkdtempSync(join(tmpdir(), "rapport-readme-"));
    const env: Record<string, string> = {
      REDIS_URL: inject("redisUrl"),
      RAPPORT_QUEUE_PREFIX: `t${randomBytes(6).toString("hex")}`,
      RAPPORT_DATA_DIR: dir,
      DATABASE_URL: testDatabaseUrl(dir),
      INBOUND_SMTP_PORT: String(await freePort()),
    };
    const outbox = join(dir, "outbox");
    const cliEnv = () => ({ ...env, PORT: String(rapport?.port), LOG_LEVEL: "silent" });

    /** Runs one README line: a `npx rapport …` command, or an `ls var/outbox/` that waits for `expects`. */
    const run = async (line: string, expects: string[] = []) => {
      const words = shellWords(line);
      if (words[0] === "ls") {
        for (const template of expects)
          await eventually(
            async () => filesOf(outbox, template.split(" ")[0] as string, template.split(" ")[1]).length > 0,
            `${template} in the outbox (README: ${line})`,
            40_000,
          );
        return "";
      }
      expect(words.slice(0, 2), line).toEqual(["npx", "rapport"]);
      const result = await runCli(words.slice(2), cliEnv());
      expect(result.code, `${line}\n${result.output}`).toBe(0);
      return result.output;
    };

    // At scale 1, with the config as shipped.
    rapport = await startChildRapport(env, "start", 60_000);
    const lsAt = (lines: string[], n: number) => lines.filter((l) => l.startsWith("ls "))[n];
    const expectations = new Map<string | undefined, string[]>([
      [lsAt(scaleOne, 0), ["thank-you"]],
      [
        lsAt(scaleOne, 1),
        [
          "owner-message-received",
          "owner-message-to-team owners@lyra-audio.example",
          "reply-to-team owners@lyra-audio.example",
        ],
      ],
    ]);
    for (const line of scaleOne) {
      if (line.includes("--to owner")) {
        // The owner line is written to after the reply; the reply must find the thank-you newest.
        await eventually(
          async () => filesOf(outbox, "reply-to-team", "owners@lyra-audio.example").length > 0,
          "the team's copy of the reply",
          40_000,
        );
      }
      await run(line, expectations.get(line) ?? []);
    }
    expect(filesOf(outbox, "get-to-know-you")).toEqual([]);
    expect(filesOf(outbox, "check-in")).toEqual([]);
    await rapport.stop();
    rapport = null;

    // Again in demo mode, with the README's own setting.
    const [startLine] = demoStart;
    const demoWords = shellWords(startLine as string);
    const scale = demoWords[0]?.match(/^RAPPORT_WAIT_SCALE=(.+)$/)?.[1];
    expect(scale, startLine).toBeDefined();
    expect(demoWords.slice(1)).toEqual(["npx", "rapport", "start"]);
    const restarted = Date.now();
    rapport = await startChildRapport({ ...env, RAPPORT_WAIT_SCALE: scale as string }, "start", 60_000);
    const up = Date.now();

    const [firstLs, answer, secondLs, timeline] = demo;
    expect(demo).toHaveLength(4);
    await run(firstLs as string, ["get-to-know-you"]);
    const questionAt = Date.now();
    await run(answer as string);
    await run(secondLs as string, ["thanks-for-answer", "check-in"]);
    const checkInAt = Date.now();
    const story = await run(timeline as string);

    // The timeline tells it all: the messages and both of Ada's replies, and the owner line.
    for (const subject of [
      "Thank you for registering your Lyra RD 2780",
      "What will you play first on your Lyra RD 2780?",
      "Thank you for your answer",
      "How is your Lyra RD 2780 treating you?",
    ])
      expect(story).toContain(subject);
    expect(story).toContain("Which cartridge do you recommend?");
    expect(story).toContain("Does it play 78s?");
    expect(story).toContain("Kind of Blue, of course.");
    // The thanks for the answer threads under Ada's answer.
    const [thanksFile] = filesOf(outbox, "thanks-for-answer");
    const thanks = readFileSync(join(outbox, thanksFile as string), "utf8");
    expect(thanks).toMatch(/^In-Reply-To: <.+>$/m);

    console.log(
      `README demo in demo mode (RAPPORT_WAIT_SCALE=${scale}): rapport up ${((up - restarted) / 1000).toFixed(1)} s after the start command; ` +
        `question ${((questionAt - up) / 1000).toFixed(1)} s and check-in ${((checkInAt - up) / 1000).toFixed(1)} s after it was up`,
    );
  }, 180_000);
});
