import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { inspectMail } from "../../../src/cli/inspect-mail.js";
import { loadSettings } from "../../../src/config/settings.js";
import { createReplyAddresses } from "../../../src/mail/tokens.js";
import { dsn, eml } from "../mail/fixtures.js";

describe("rapport inspect-mail", () => {
  it("prints one JSON line per file with kind, tokens and new text, and creates no store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-inspect-"));
    const secret = "q".repeat(40);
    writeFileSync(join(dir, "secret"), `${secret}\n`);
    const addresses = createReplyAddresses({ secret, domain: "reply.lyra-audio.example" });
    const owner = addresses.forOwnership("0f8fad5b-d9cb-469f-a165-70867728950e");
    const forged = createReplyAddresses({ secret: "x".repeat(40), domain: "reply.lyra-audio.example" });
    const files = {
      reply: eml(
        { From: "Ada <ada@example.com>", To: owner, Subject: "Question", "Message-ID": "<q1@example.com>" },
        "Does it play 78s?\n\nOn Sun, 22 Nov 2026, Lyra wrote:\n> Thank you",
      ),
      forged: eml(
        {
          From: "eve@example.com",
          To: forged.forMessage("0f8fad5b-d9cb-469f-a165-70867728950e"),
          Subject: "hi",
        },
        "hello",
      ),
      bounce: dsn({ action: "failed", status: "5.1.1", diagnostic: "550 5.1.1 user unknown" }),
    };
    const paths = Object.entries(files).map(([name, raw]) => {
      const path = join(dir, `${name}.eml`);
      writeFileSync(path, raw);
      return path;
    });
    paths.push(join(dir, "missing.eml"));
    const settings = loadSettings({ RAPPORT_DATA_DIR: dir, RAPPORT_CONFIG_DIR: resolve("config") });
    const lines: string[] = [];
    const { failures } = await inspectMail(paths, settings, (l) => lines.push(l));
    const [reply, forgedLine, bounce, missing] = lines.map((l) => JSON.parse(l));
    expect(reply).toMatchObject({
      kind: "human_reply",
      // A short owner line carries the first 13 characters of the ownership id.
      tokens: [{ address: owner, kind: "owner", id: "0f8fad5b-d9cb" }],
      newText: "Does it play 78s?",
      attribution: { by: null, store: null },
    });
    expect(forgedLine.tokens).toEqual([expect.objectContaining({ kind: "forged", id: null })]);
    expect(bounce).toMatchObject({ kind: "bounce", bounce: { type: "hard", status: "5.1.1" } });
    // Attributed to nothing (no store here): a bounce that would suppress nobody, and says why.
    expect(bounce.suppression).toEqual({
      applied: false,
      reason: expect.stringMatching(/^not suppressed: not attributed to a message we sent/),
    });
    expect(reply.suppression).toBeUndefined();
    expect(missing.error).toMatch(/ENOENT/);
    expect(failures).toBe(1);
    expect(existsSync(join(dir, "rapport.db"))).toBe(false);
  });
});
