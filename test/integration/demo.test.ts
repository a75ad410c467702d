/**
 * The README's demo on its embedded defaults (mail to the outbox folder): register, find the
 * thank-you in the outbox, answer it and write to the owner line with `rapport reply`'s
 * code over real SMTP into the listener, and read both on the timeline.
 */
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { latestSentTo, replyToMessage } from "../../src/cli/reply.js";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

describe("the README demo", () => {
  let rapport: Rapport | null = null;
  afterEach(async () => {
    await rapport?.close();
    rapport = null;
  });

  it("registers, replies from the outbox, writes to the owner line, and shows it all", async () => {
    const t = testEnv(inject("redisUrl"), {}, { flows: ["thank-you", "owner-line"] });
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    const store = await openTestStore(t.settings);
    try {
      await postEvent(rapport.httpPort as number, registration({ id: "demo-1" }));
      const outbox = join(t.dir, "outbox");
      const thanks = await eventually(
        () => latestSentTo(outbox, "ada@example.com").catch(() => null),
        "the thank-you",
      );
      const port = rapport.inboundSmtpPort as number;
      const answered = await replyToMessage(thanks, { text: "Lovely, thank you!", host: "127.0.0.1", port });
      expect(answered.to).toMatch(/^reply\+m/);
      const wrote = await replyToMessage(thanks, {
        text: "Does it play 78s?",
        to: "owner",
        host: "127.0.0.1",
        port,
      });
      expect(wrote.to).toMatch(/^reply\+o/);

      const tl = await eventually(async () => {
        const x = await store.timeline("ada@example.com");
        return x && x.interactions.length === 2 && x.messages.filter((m) => m.status === "sent").length === 3
          ? x
          : null;
      }, "both messages on the timeline and the owner line answered");
      expect(tl.interactions.map((i) => [i.attributedBy, i.text])).toEqual([
        ["reply-address", "Lovely, thank you!"],
        ["owner-address", "Does it play 78s?"],
      ]);
      expect(tl.interactions[1]?.subject).toBe("Does it play 78s?");
      // The acknowledgement is now the newest message to Ada in the outbox.
      expect(await latestSentTo(outbox, "ada@example.com")).not.toBe(thanks);
    } finally {
      await store.close();
    }
  });
});
