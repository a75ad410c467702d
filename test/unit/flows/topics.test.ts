/**
 * Topics on flows and send steps: parsed with their positions, checked against the
 * brand's topics (rapport validate), part of the version, carried by the send effect
 * with the message's category.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checkTopics } from "../../../src/flows/check.js";
import { advance, initialRun } from "../../../src/flows/interpreter.js";
import { formatFlowError, parseFlow } from "../../../src/flows/parse.js";
import type { Effect, Flow } from "../../../src/flows/types.js";
import { loadProject } from "../../../src/project.js";

function flowFrom(source: string, file = "config/flows/test.yaml"): Flow {
  const result = parseFlow(source, file);
  if (!result.ok) throw new Error(result.errors.map(formatFlowError).join("\n"));
  return result.flow;
}

const TOPICS = new Set(["check_ins", "product_news", "birthday"]);

const checked = (source: string, topics = TOPICS) =>
  checkTopics([flowFrom(source)], topics).map(formatFlowError);

describe("topic: in flow files", () => {
  it("reads the flow's topic and a step's own, with where they are", () => {
    const flow = flowFrom(`name: Test
trigger:
  event: registration
topic: check_ins
steps:
  - send: thank-you
  - send: news
    topic: product_news
`);
    expect(flow.topic).toBe("check_ins");
    expect(flow.steps[0]).toEqual({ id: "send-1", type: "send", template: "thank-you" });
    expect(flow.steps[1]).toEqual({ id: "send-2", type: "send", template: "news", topic: "product_news" });
    expect(flow.positions?.topic).toEqual({ line: 4, col: 8 });
    expect(flow.positions?.steps[1]?.topic).toEqual({ line: 8, col: 12 });
  });

  it.each([
    [
      "a topic not written as a name",
      "topic: Product News\n",
      'config/flows/x.yaml:4:8: topic: expected a topic name of lowercase letters, digits and "_", starting with a letter (at most 40), like product_news, found "Product News"; did you mean "product_news"?',
    ],
    [
      "a topic that is not text",
      "topic: [a, b]\n",
      "config/flows/x.yaml:4:8: topic: expected a topic name like product_news (from config/rapport.yaml), found a list",
    ],
  ])("refuses %s, at its line", (_name, line, expected) => {
    const result = parseFlow(
      `name: Test\ntrigger:\n  event: registration\n${line}steps:\n  - send: x\n`,
      "config/flows/x.yaml",
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map(formatFlowError)).toEqual([expected]);
  });

  it("refuses a misspelt step topic at its line", () => {
    const result = parseFlow(
      "name: Test\ntrigger:\n  event: registration\nsteps:\n  - send: x\n    topic: check-ins\n",
      "config/flows/x.yaml",
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors.map(formatFlowError)).toEqual([
        'config/flows/x.yaml:6:12: steps[0].topic: expected a topic name of lowercase letters, digits and "_", starting with a letter (at most 40), like product_news, found "check-ins"; did you mean "check_ins"?',
      ]);
  });

  it("makes the topic part of the version, and leaves flows without one as they were", () => {
    const base = "name: Test\ntrigger:\n  event: registration\nsteps:\n  - send: x\n";
    const plain = flowFrom(base);
    const withTopic = flowFrom(`${base.replace("steps:", "topic: check_ins\nsteps:")}`);
    const stepTopic = flowFrom(`${base}    topic: check_ins\n`);
    expect(new Set([plain.version, withTopic.version, stepTopic.version]).size).toBe(3);
    // The version of a flow without topics does not depend on this feature existing.
    expect(flowFrom(`# a comment\n${base}`).version).toBe(plain.version);
  });
});

describe("checkTopics (rapport validate)", () => {
  it.each<[string, string, string[]]>([
    [
      "a flow topic that exists",
      "topic: check_ins\nsteps:\n  - send: a\n  - send: b\n    topic: product_news\n",
      [],
    ],
    [
      "a non-transactional send without a topic",
      "steps:\n  - send: thank-you\n    transactional: true\n  - wait: 2 days\n  - send: check-in\n    id: check-in\n",
      [
        'config/flows/test.yaml:8:11: steps[2].send: step "check-in" sends "check-in", which is not transactional, so customers can opt out of it: say what it is about with topic: on the flow (or on the step) (topics in config/rapport.yaml: birthday, check_ins, product_news)',
      ],
    ],
    [
      "an unknown flow topic, reported once however many steps use it",
      "topic: check_inz\nsteps:\n  - send: a\n  - send: b\n",
      [
        'config/flows/test.yaml:4:8: topic: there is no topic named "check_inz" (topics in config/rapport.yaml: birthday, check_ins, product_news); did you mean "check_ins"?',
      ],
    ],
    [
      "an unknown step topic, nested, at the step's topic",
      "topic: check_ins\nsteps:\n  - wait_for_reply: 3 days\n    on_reply:\n      - send: thanks\n        topic: birtday\n",
      [
        'config/flows/test.yaml:9:16: steps[0].on_reply[0].topic: there is no topic named "birtday" (topics in config/rapport.yaml: birthday, check_ins, product_news); did you mean "birthday"?',
      ],
    ],
    ["a transactional flow needs no topic", "transactional: true\nsteps:\n  - send: ack\n", []],
    [
      "a transactional flow's step that is not transactional does",
      "transactional: true\nsteps:\n  - send: ack\n  - send: later\n    transactional: false\n",
      [
        'config/flows/test.yaml:7:11: steps[1].send: step "send-2" sends "later", which is not transactional, so customers can opt out of it: say what it is about with topic: on the flow (or on the step) (topics in config/rapport.yaml: birthday, check_ins, product_news)',
      ],
    ],
    [
      "a transactional send naming a topic: it must exist",
      "steps:\n  - send: ack\n    transactional: true\n    topic: nope\n",
      [
        'config/flows/test.yaml:7:12: steps[0].topic: there is no topic named "nope" (topics in config/rapport.yaml: birthday, check_ins, product_news)',
      ],
    ],
    ["notify steps write to the team and need none", "steps:\n  - notify: to-team\n", []],
  ])("%s", (_name, rest, expected) => {
    expect(checked(`name: Test\ntrigger:\n  event: registration\n${rest}`)).toEqual(expected);
  });

  it("says so when the brand lists no topics", () => {
    expect(checked("name: Test\ntrigger:\n  event: registration\nsteps:\n  - send: a\n", new Set())).toEqual([
      'config/flows/test.yaml:5:11: steps[0].send: step "send-1" sends "a", which is not transactional, so customers can opt out of it: say what it is about with topic: on the flow (or on the step) (config/rapport.yaml lists no topics yet; add them under topics:)',
    ]);
  });

  it("is part of loading the project (rapport validate, start): an unknown topic and a send without one are problems", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-topics-"));
    cpSync(resolve("config"), dir, { recursive: true });
    const edit = (file: string, from: RegExp, to: string) => {
      const path = join(dir, "flows", file);
      const text = readFileSync(path, "utf8");
      expect(text).toMatch(from);
      writeFileSync(path, text.replace(from, to));
    };
    edit("get-to-know-you.yaml", /^topic: check_ins$/m, "topic: check_inz");
    edit("birthday.yaml", /^topic: birthday$/m, "");
    const loaded = await loadProject(dir);
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.problems).toEqual([
      expect.stringMatching(
        /birthday\.yaml:\d+:\d+: steps\[0\]\.send: step "wishes" sends "birthday", which is not transactional, so customers can opt out of it/,
      ),
      expect.stringMatching(
        /get-to-know-you\.yaml:\d+:8: topic: there is no topic named "check_inz" .*did you mean "check_ins"\?$/,
      ),
    ]);
  });

  it("passes the shipped configuration", async () => {
    const loaded = await loadProject("config");
    expect(loaded.ok ? [] : loaded.problems).toEqual([]);
    if (!loaded.ok) return;
    expect(Object.keys(loaded.project.brand.topics).sort()).toEqual([
      "anniversary",
      "birthday",
      "check_ins",
      "product_news",
    ]);
    expect(loaded.project.flows.get("thank-you")?.topic).toBe("check_ins");
    expect(loaded.project.flows.get("product-news")?.topic).toBe("product_news");
  });
});

describe("the send effect", () => {
  const flow = flowFrom(`name: Test
trigger:
  event: registration
topic: check_ins
steps:
  - send: thanks
    transactional: true
  - send: question
  - send: news
    topic: product_news
`);
  const sends = (origin?: "broadcast") =>
    advance(flow, initialRun(origin), { type: "start" }, 0, { defaultTimezone: "UTC" }).effects.filter(
      (e): e is Extract<Effect, { type: "send" }> => e.type === "send",
    );

  it("carries the category and the topic (the step's, else the flow's)", () => {
    expect(sends()).toEqual([
      {
        type: "send",
        stepId: "send-1",
        template: "thanks",
        transactional: true,
        category: "transactional",
        topic: "check_ins",
      },
      { type: "send", stepId: "send-2", template: "question", category: "relationship", topic: "check_ins" },
      { type: "send", stepId: "send-3", template: "news", category: "relationship", topic: "product_news" },
    ]);
  });

  it("makes a broadcast's messages news, transactional ones excepted, on every step of the run", () => {
    expect(sends("broadcast").map((s) => s.category)).toEqual(["transactional", "news", "news"]);
    const waiting = flowFrom(
      "name: W\ntrigger:\n  event: product_news\ntopic: product_news\nsteps:\n  - wait: 1 day\n  - send: news\n",
    );
    const first = advance(waiting, initialRun("broadcast"), { type: "start" }, 0, { defaultTimezone: "UTC" });
    expect(first.run.origin).toBe("broadcast");
    const later = advance(waiting, first.run, { type: "wake" }, 86_400_000, { defaultTimezone: "UTC" });
    expect(later.effects.find((e) => e.type === "send")).toMatchObject({
      category: "news",
      topic: "product_news",
    });
  });
});
