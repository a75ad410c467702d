/**
 * One case per kind of mistake, each asserting the exact file:line:col, path and wording
 * a marketing person will see (formatFlowError output).
 */
import { describe, expect, it } from "vitest";
import { type FlowError, formatFlowError, parseFlow } from "../../../src/flows/parse.js";

const HEAD = "name: Test\ntrigger:\n  event: registration\n";
const FIELDS =
  "customer.email, customer.name, customer.locale, customer.timezone, customer.birthday, customer.tags, customer.phone, customer.consent.sms, " +
  "customer.preferences.all / stayInTouch / frequency(.max, .per) / topics.<topic>, " +
  "customer.attributes.<name>, product.sku, product.name, product.category, product.serial, product.relationship, " +
  "ownership.status, ownership.started, ownership.kind, event.properties.<name>";

function errorsOf(source: string, file = "config/flows/x.yaml"): string[] {
  const result = parseFlow(source, file);
  if (result.ok) throw new Error("expected errors, got a valid flow");
  return result.errors.map(formatFlowError);
}

interface Case {
  name: string;
  source: string;
  file?: string;
  errors: string[];
}

const cases: Case[] = [
  {
    name: "YAML syntax error",
    source: `${HEAD}steps:\n  - send: a\n  wait: 14 days\n`,
    errors: [
      "config/flows/x.yaml:6:1: not valid YAML: the indentation is off (All mapping items must start at the same column)",
    ],
  },
  {
    name: "tab used for indentation",
    source: `${HEAD}steps:\n\t- send: a\n`,
    errors: [
      "config/flows/x.yaml:5:1: not valid YAML: tabs cannot be used to indent; use spaces (Tabs are not allowed as indentation)",
    ],
  },
  {
    name: "same key twice",
    source: `${HEAD}name: Again\nsteps:\n  - send: a\n`,
    errors: [
      "config/flows/x.yaml:4:1: not valid YAML: the same setting appears twice here; keep only one (Map keys must be unique)",
    ],
  },
  {
    name: "unknown key in a step, with suggestion",
    source: `${HEAD}steps:\n  - send: a\n  - wiat: 14 days\n`,
    errors: [
      'config/flows/x.yaml:6:5: steps[1].wiat: unknown setting "wiat" (allowed here: branch, exit, id, keep_as, notify, on_event, on_reply, on_timeout, send, set, tag, topic, transactional, untag, wait, wait_for, wait_for_reply, wait_until); did you mean "wait"?',
    ],
  },
  {
    name: "unknown key at the top, with suggestion",
    source: `name: Test\ntrigger:\n  event: registration\nstep:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:1:1: steps: missing "steps": a flow needs at least one step, e.g. steps: [ { send: thank-you } ]',
      'config/flows/x.yaml:4:1: step: unknown setting "step" (allowed here: description, entry, exit_when, goal, name, relationship, runs_in_flight, steps, topic, transactional, trigger); did you mean "steps"?',
    ],
  },
  {
    name: "unknown key without a close match",
    source: `${HEAD}  colour: red\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:4:3: trigger.colour: unknown setting "colour" (allowed here: at, date, event, every, where)',
    ],
  },
  {
    name: "wrong enum value, with suggestion",
    source: `${HEAD}entry: once_per_prodcut\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:4:8: entry: expected one of once, once_per_product, every_time, or { at_most_once_in: "30 days" }, found "once_per_prodcut"; did you mean "once_per_product"?',
    ],
  },
  {
    name: "bad duration",
    source: `${HEAD}steps:\n  - send: a\n  - wait: 14 dayz\n`,
    errors: [
      'config/flows/x.yaml:6:11: steps[1].wait: expected a duration like "14 days" or "2h", found "14 dayz"; did you mean "14 days"?',
    ],
  },
  {
    name: "duration in months",
    source: `${HEAD}steps:\n  - wait: 1 month\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:5:11: steps[0].wait: expected a duration like "14 days" or "2h", found "1 month"; months and years have no fixed length, so write days or weeks instead (e.g. "30 days" or "52 weeks")',
    ],
  },
  {
    name: "duration without a unit",
    source: `${HEAD}steps:\n  - wait: 14\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:5:11: steps[0].wait: expected a duration like "14 days" or "2h", found 14; add a unit, e.g. "14 days"',
    ],
  },
  {
    name: "missing steps",
    source: HEAD,
    errors: [
      'config/flows/x.yaml:1:1: steps: missing "steps": a flow needs at least one step, e.g. steps: [ { send: thank-you } ]',
    ],
  },
  {
    name: "empty steps",
    source: `${HEAD}steps: []\n`,
    errors: ['config/flows/x.yaml:4:8: steps: a flow needs at least one step; "steps" is empty'],
  },
  {
    name: "steps with nothing after it",
    source: `${HEAD}steps:\n`,
    errors: [
      'config/flows/x.yaml:4:1: steps: expected a list of steps, each line starting with "- ", found nothing (an empty value)',
    ],
  },
  {
    name: "missing required key inside a map: reported at the map",
    source: "name: Test\ntrigger:\n  where:\n    product.sku: A\nsteps:\n  - send: a\n",
    errors: [
      'config/flows/x.yaml:3:3: trigger.event: missing "event": say which event starts this flow, e.g. event: registration (or, for a yearly date, date: customer.birthday)',
    ],
  },
  {
    name: "duplicate step id",
    source: `${HEAD}steps:\n  - send: a\n    id: hello\n  - wait: 1d\n  - send: b\n    id: hello\n`,
    errors: [
      'config/flows/x.yaml:9:9: steps[2].id: the step id "hello" is already used by the step on line 5; give each step its own id',
    ],
  },
  {
    name: "automatic step id taken by an explicit one",
    source: `${HEAD}steps:\n  - send: a\n    id: send-2\n  - send: b\n`,
    errors: [
      'config/flows/x.yaml:7:5: steps[1]: this step\'s automatic id "send-2" is already used by the step on line 5; give one of them another id',
    ],
  },
  {
    name: "bad step id",
    source: `${HEAD}steps:\n  - send: a\n    id: Thank You\n`,
    errors: [
      'config/flows/x.yaml:6:9: steps[0].id: expected a step id made of lowercase letters, digits, "-" and "_", starting with a letter or digit (like "thank-you"), found "Thank You"; did you mean "thank-you"?',
    ],
  },
  {
    name: "bad where root",
    source: `${HEAD}  where:\n    order.total: 100\nsteps:\n  - send: a\n`,
    errors: [
      `config/flows/x.yaml:5:5: trigger.where.order.total: "order.total" is not a field a flow can check (allowed fields: ${FIELDS})`,
    ],
  },
  {
    name: "misspelt where field, with suggestion",
    source: `${HEAD}  where:\n    product.categroy: turntable\nsteps:\n  - send: a\n`,
    errors: [
      `config/flows/x.yaml:5:5: trigger.where.product.categroy: "product.categroy" is not a field a flow can check (allowed fields: ${FIELDS}); did you mean "product.category"?`,
    ],
  },
  {
    name: "where value given as a list",
    source: `${HEAD}  where:\n    product.sku: [A-1, A-2]\nsteps:\n  - send: a\n`,
    errors: [
      "config/flows/x.yaml:5:18: trigger.where.product.sku: found a list; to match any of several values write { in: [A-1, A-2] }",
    ],
  },
  {
    name: "misspelt where operator, with suggestion",
    source: `${HEAD}  where:\n    customer.locale: { nto: de }\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:5:24: trigger.where.customer.locale.nto: unknown setting "nto" (allowed here: after, before, contains, exists, gt, gte, in, lt, lte, matches, not); did you mean "not"?',
    ],
  },
  {
    name: "where exists with a non-boolean",
    source: `${HEAD}  where:\n    customer.birthday: { exists: yes }\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:5:34: trigger.where.customer.birthday.exists: expected true or false, found "yes"',
    ],
  },
  {
    name: "step doing two things",
    source: `${HEAD}steps:\n  - send: a\n    wait: 2d\n`,
    errors: [
      "config/flows/x.yaml:5:5: steps[0]: a step does one thing: either send or wait, not both; split it into two steps",
    ],
  },
  {
    name: "step doing nothing",
    source: `${HEAD}steps:\n  - id: lonely\n`,
    errors: [
      'config/flows/x.yaml:5:5: steps[0]: a step needs one of send, wait, wait_until, wait_for, wait_for_reply, notify, branch, tag, untag, set, exit, e.g. "- send: thank-you", "- wait: 14 days", "- wait_for_reply: 7 days", "- notify: owner-message-to-team", "- tag: vip", "- branch: ..." or "- exit"',
    ],
  },
  {
    name: "step written without a colon",
    source: `${HEAD}steps:\n  - send thank-you\n`,
    errors: [
      'config/flows/x.yaml:5:5: steps[0]: found "send thank-you"; a colon is missing: write "send: thank-you"',
    ],
  },
  {
    name: "misspelt wait_for_reply, with suggestion",
    source: `${HEAD}steps:\n  - wait_for_replay: 7 days\n`,
    errors: [
      'config/flows/x.yaml:5:5: steps[0].wait_for_replay: unknown setting "wait_for_replay" (allowed here: branch, exit, id, keep_as, notify, on_event, on_reply, on_timeout, send, set, tag, topic, transactional, untag, wait, wait_for, wait_for_reply, wait_until); did you mean "wait_for_reply"?',
    ],
  },
  {
    name: "misspelt on_reply: only wait_for_reply's settings are listed",
    source: `${HEAD}steps:\n  - wait_for_reply: 7 days\n    on_replies:\n      - send: a\n`,
    errors: [
      'config/flows/x.yaml:6:5: steps[0].on_replies: unknown setting "on_replies" (allowed here: id, keep_as, on_reply, on_timeout, wait_for_reply); did you mean "on_reply"?',
    ],
  },
  {
    name: "bad wait_for_reply timeout",
    source: `${HEAD}steps:\n  - wait_for_reply: 7 dayz\n`,
    errors: [
      'config/flows/x.yaml:5:21: steps[0].wait_for_reply: expected a duration like "14 days" or "2h", found "7 dayz"; did you mean "7 days"?',
    ],
  },
  {
    name: "wait_for_reply without a colon",
    source: `${HEAD}steps:\n  - wait_for_reply 7 days\n`,
    errors: [
      'config/flows/x.yaml:5:5: steps[0]: found "wait_for_reply 7 days"; a colon is missing: write "wait_for_reply: 7 days"',
    ],
  },
  {
    name: "on_reply given a text instead of steps",
    source: `${HEAD}steps:\n  - wait_for_reply: 7 days\n    on_reply: thanks\n`,
    errors: [
      'config/flows/x.yaml:6:15: steps[0].on_reply: expected a list of steps, each line starting with "- ", found "thanks"',
    ],
  },
  {
    name: "a mistake inside a nested list",
    source: `${HEAD}steps:\n  - wait_for_reply: 7 days\n    on_reply:\n      - sned: thanks\n`,
    errors: [
      'config/flows/x.yaml:7:9: steps[0].on_reply[0].sned: unknown setting "sned" (allowed here: branch, exit, id, keep_as, notify, on_event, on_reply, on_timeout, send, set, tag, topic, transactional, untag, wait, wait_for, wait_for_reply, wait_until); did you mean "send"?',
    ],
  },
  {
    name: "misspelt notify, with suggestion",
    source: `${HEAD}steps:\n  - notif: team\n`,
    errors: [
      'config/flows/x.yaml:5:5: steps[0].notif: unknown setting "notif" (allowed here: branch, exit, id, keep_as, notify, on_event, on_reply, on_timeout, send, set, tag, topic, transactional, untag, wait, wait_for, wait_for_reply, wait_until); did you mean "notify"?',
    ],
  },
  {
    name: "send and notify in one step",
    source: `${HEAD}steps:\n  - send: a\n    notify: b\n`,
    errors: [
      "config/flows/x.yaml:5:5: steps[0]: a step does one thing: either send or notify, not both; split it into two steps",
    ],
  },
  {
    name: "misspelt bare exit",
    source: `${HEAD}steps:\n  - exti\n`,
    errors: ['config/flows/x.yaml:5:5: steps[0]: found "exti"; did you mean "exit"?'],
  },
  {
    name: "exit reason that is not text",
    source: `${HEAD}steps:\n  - exit: 3\n`,
    errors: ["config/flows/x.yaml:5:11: steps[0].exit: expected a reason as text (or nothing), found 3"],
  },
  {
    name: "misspelt condition word, with suggestion",
    source: `${HEAD}steps:\n  - branch:\n      - if: { replid: true }\n        then: []\n`,
    errors: [
      'config/flows/x.yaml:6:15: steps[0].branch[0].if.replid: "replid" is not something a branch can check (allowed: replied, tagged, owns, all, any, not, or a field); did you mean "replied"?',
    ],
  },
  {
    name: "misspelt condition field, with suggestion",
    source: `${HEAD}steps:\n  - branch:\n      - if: { product.categroy: x }\n        then: []\n`,
    errors: [
      `config/flows/x.yaml:6:15: steps[0].branch[0].if.product.categroy: "product.categroy" is not something a branch can check (allowed: replied, tagged, owns, all, any, not, or one of the fields ${FIELDS}); did you mean "product.category"?`,
    ],
  },
  {
    name: "misspelt combinator: its value is not judged",
    source: `${HEAD}steps:\n  - branch:\n      - if: { alll: [ { replied: true } ] }\n        then: []\n`,
    errors: [
      'config/flows/x.yaml:6:15: steps[0].branch[0].if.alll: "alll" is not something a branch can check (allowed: replied, tagged, owns, all, any, not, or a field); did you mean "all"?',
    ],
  },
  {
    name: "misspelt condition deep inside any/not",
    source: `${HEAD}steps:\n  - branch:\n      - if:\n          any:\n            - not: { repled: true }\n        then: []\n`,
    errors: [
      'config/flows/x.yaml:8:22: steps[0].branch[0].if.any[0].not.repled: "repled" is not something a branch can check (allowed: replied, tagged, owns, all, any, not, or a field); did you mean "replied"?',
    ],
  },
  {
    name: "replied with a non-boolean",
    source: `${HEAD}steps:\n  - branch:\n      - if: { replied: yes }\n        then: []\n`,
    errors: ['config/flows/x.yaml:6:24: steps[0].branch[0].if.replied: expected true or false, found "yes"'],
  },
  {
    name: "not given a value instead of conditions",
    source: `${HEAD}steps:\n  - branch:\n      - if: { not: de }\n        then: []\n`,
    errors: [
      'config/flows/x.yaml:6:20: steps[0].branch[0].if.not: expected conditions like { customer.attributes.vip: true } or { replied: true }, found "de"',
    ],
  },
  {
    name: "empty all",
    source: `${HEAD}steps:\n  - branch:\n      - if: { all: [] }\n        then: []\n`,
    errors: [
      "config/flows/x.yaml:6:20: steps[0].branch[0].if.all: the list after all: is empty; list at least one condition",
    ],
  },
  {
    name: "empty condition",
    source: `${HEAD}steps:\n  - branch:\n      - if: {}\n        then: []\n`,
    errors: [
      "config/flows/x.yaml:6:13: steps[0].branch[0].if: the condition is empty; write at least one, e.g. { customer.attributes.vip: true }",
    ],
  },
  {
    name: "if without then",
    source: `${HEAD}steps:\n  - branch:\n      - if: { replied: true }\n`,
    errors: [
      'config/flows/x.yaml:6:9: steps[0].branch[0]: missing "then": say which steps to take when the condition holds, e.g. then: [ { send: vip-thanks } ]',
    ],
  },
  {
    name: "misspelt if, with suggestion",
    source: `${HEAD}steps:\n  - branch:\n      - iff: { replied: true }\n        then: []\n`,
    errors: [
      'config/flows/x.yaml:6:9: steps[0].branch[0].iff: unknown setting "iff" (allowed here: else, if, then); did you mean "if"?',
    ],
  },
  {
    name: "if and else in one choice",
    source: `${HEAD}steps:\n  - branch:\n      - if: { replied: true }\n        else: []\n`,
    errors: [
      'config/flows/x.yaml:6:13: steps[0].branch[0].if: a choice is either "if" (with "then") or "else", not both; make them two choices',
    ],
  },
  {
    name: "else before an if",
    source: `${HEAD}steps:\n  - branch:\n      - else: []\n      - if: { replied: true }\n        then: []\n`,
    errors: [
      'config/flows/x.yaml:6:9: steps[0].branch[0].else: "else" must be the last choice of a branch: choices are tried from the top, so the ones after it would never be taken',
    ],
  },
  {
    name: "branch with only else",
    source: `${HEAD}steps:\n  - branch:\n      - else: []\n`,
    errors: [
      'config/flows/x.yaml:6:7: steps[0].branch: a branch needs at least one "if" choice; to always take these steps, write them without a branch',
    ],
  },
  {
    name: "empty branch",
    source: `${HEAD}steps:\n  - branch: []\n`,
    errors: [
      'config/flows/x.yaml:5:13: steps[0].branch: a branch needs at least one choice, e.g. "- if: { replied: true }" with "then: [...]"',
    ],
  },
  {
    name: "branch given a text",
    source: `${HEAD}steps:\n  - branch: vip\n`,
    errors: [
      'config/flows/x.yaml:5:13: steps[0].branch: expected a list of choices, each starting with "- if:" or "- else:", found "vip"',
    ],
  },
  {
    name: "duplicate step id across nesting",
    source: `${HEAD}steps:\n  - send: a\n    id: hello\n  - wait_for_reply: 7 days\n    on_reply:\n      - send: b\n        id: hello\n`,
    errors: [
      'config/flows/x.yaml:10:13: steps[1].on_reply[0].id: the step id "hello" is already used by the step on line 5; give each step its own id',
    ],
  },
  {
    name: "duplicate parent id: reported once, not again for its nested steps' automatic ids",
    source: `${HEAD}steps:\n  - wait_for_reply: 7 days\n    id: x\n    on_reply:\n      - send: b\n  - wait_for_reply: 7 days\n    id: x\n    on_reply:\n      - send: b\n`,
    errors: [
      'config/flows/x.yaml:10:9: steps[1].id: the step id "x" is already used by the step on line 5; give each step its own id',
    ],
  },
  {
    name: "duplicate id inside two branch arms",
    source: `${HEAD}steps:\n  - branch:\n      - if: { replied: true }\n        then:\n          - send: a\n            id: same\n      - else:\n          - send: b\n            id: same\n`,
    errors: [
      'config/flows/x.yaml:12:17: steps[0].branch[1].else[0].id: the step id "same" is already used by the step on line 8; give each step its own id',
    ],
  },
  {
    name: "event name with capitals",
    source: "name: Test\ntrigger:\n  event: Registration\nsteps:\n  - send: a\n",
    errors: [
      'config/flows/x.yaml:3:10: trigger.event: expected an event name in lowercase letters, digits, ".", "_" or "-" (like registration or purchase), found "Registration"; did you mean "registration"?',
    ],
  },
  {
    name: "number where text is expected",
    source: "name: 2024\ntrigger:\n  event: registration\nsteps:\n  - send: a\n",
    errors: [
      'config/flows/x.yaml:1:7: name: expected a text, found 2024; to use it as text, put it in quotes: "2024"',
    ],
  },
  {
    name: "bad flow id (file name)",
    file: "config/flows/Thank You.yaml",
    source: `${HEAD}steps:\n  - send: a\n`,
    errors: [
      'config/flows/Thank You.yaml:1:1: the file name "Thank You.yaml" cannot be used as a flow id: use lowercase letters, digits, "-" and "_", starting with a letter or digit; did you mean "thank-you.yaml"?',
    ],
  },
  {
    name: "trigger written on one line",
    source: "name: Test\ntrigger: registration\nsteps:\n  - send: a\n",
    errors: [
      'config/flows/x.yaml:2:10: trigger: expected settings such as event: registration (indented on the next line), found "registration"',
    ],
  },
  {
    name: "missing trigger",
    source: "name: Test\nsteps:\n  - send: a\n",
    errors: [
      'config/flows/x.yaml:1:1: trigger: missing "trigger": say which event starts this flow, e.g. trigger: { event: registration }',
    ],
  },
  {
    name: "empty file",
    source: "# nothing yet\n",
    errors: ["config/flows/x.yaml:1:1: the file is empty; a flow needs at least name, trigger and steps"],
  },
  {
    name: "several problems at once, in file order",
    source: "trigger:\n  event: registration\nentry: sometimes\nsteps:\n  - wait: soon\n",
    errors: [
      'config/flows/x.yaml:1:1: name: missing "name": give the flow a name people will recognise, e.g. name: Thank you for registering',
      'config/flows/x.yaml:3:8: entry: expected one of once, once_per_product, every_time, or { at_most_once_in: "30 days" }, found "sometimes"',
      'config/flows/x.yaml:5:11: steps[0].wait: expected a duration like "14 days" or "2h", found "soon"; write a number and a unit: seconds (s, sec), minutes (m, min), hours (h, hr), days (d, day), weeks (w, week)',
    ],
  },
];

describe("parseFlow: errors", () => {
  it.each(cases)("$name", ({ source, file, errors }) => {
    expect(errorsOf(source, file)).toEqual(errors);
  });

  it("gives structured fields as well as the formatted line", () => {
    const result = parseFlow(`${HEAD}steps:\n  - send: a\n  - wait: 14 dayz\n`, "config/flows/x.yaml");
    expect(result.ok).toBe(false);
    const errors: FlowError[] = result.ok ? [] : result.errors;
    expect(errors).toEqual([
      {
        file: "config/flows/x.yaml",
        line: 6,
        col: 11,
        path: "steps[1].wait",
        message: 'expected a duration like "14 days" or "2h", found "14 dayz"; did you mean "14 days"?',
      },
    ]);
  });

  it("formats an error without a position (a missing folder) without line and column", () => {
    expect(formatFlowError({ file: "config/flows", line: 0, col: 0, path: "", message: "missing" })).toBe(
      "config/flows: missing",
    );
  });
});
