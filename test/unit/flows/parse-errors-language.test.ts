/**
 * One case per mistake in the newer constructs (date triggers, comparisons, dates, tags,
 * ownership, wait_until, wait_for, tag / untag / set, entry windows, relationship,
 * exit_when, goal), each asserting the exact file:line:col, path and wording.
 */
import { describe, expect, it } from "vitest";
import { formatFlowError, parseFlow } from "../../../src/flows/parse.js";

const HEAD = "name: Test\ntrigger:\n  event: registration\n";

function errorsOf(source: string): string[] {
  const result = parseFlow(source, "config/flows/x.yaml");
  if (result.ok) throw new Error("expected errors, got a valid flow");
  return result.errors.map(formatFlowError);
}

const cases: Array<{ name: string; source: string; errors: string[] }> = [
  {
    name: "date trigger: misspelt date field",
    source: "name: T\ntrigger:\n  date: customer.birthdy\nsteps:\n  - send: a\n",
    errors: [
      'config/flows/x.yaml:3:9: trigger.date: expected one of customer.birthday, ownership.started, found "customer.birthdy"; did you mean "customer.birthday"?',
    ],
  },
  {
    name: "date trigger: 12-hour time",
    source: "name: T\ntrigger:\n  date: customer.birthday\n  at: 9am\nsteps:\n  - send: a\n",
    errors: [
      'config/flows/x.yaml:4:7: trigger.at: expected a time of day like "09:00" (24-hour, HH:MM), found "9am"; did you mean "09:00"?',
    ],
  },
  {
    name: "date trigger: time as a number",
    source: "name: T\ntrigger:\n  date: customer.birthday\n  at: 900\nsteps:\n  - send: a\n",
    errors: [
      'config/flows/x.yaml:4:7: trigger.at: expected a time of day like "09:00" (24-hour, in quotes), found 900',
    ],
  },
  {
    name: "date trigger: every month",
    source: "name: T\ntrigger:\n  date: ownership.started\n  every: month\nsteps:\n  - send: a\n",
    errors: ['config/flows/x.yaml:4:10: trigger.every: expected one of year, found "month"'],
  },
  {
    name: "trigger with both event and date",
    source: "name: T\ntrigger:\n  event: purchase\n  date: customer.birthday\nsteps:\n  - send: a\n",
    errors: [
      "config/flows/x.yaml:4:3: trigger.date: a flow starts on an event or on a date, not both; keep event or date",
    ],
  },
  {
    name: "at on an event trigger",
    source: 'name: T\ntrigger:\n  event: purchase\n  at: "09:00"\nsteps:\n  - send: a\n',
    errors: [
      'config/flows/x.yaml:4:3: trigger.at: "at" belongs to date triggers (date: customer.birthday); an event trigger starts when the event happens',
    ],
  },
  {
    name: "before: a duration without ago",
    source: `${HEAD}  where:\n    ownership.started: { before: 30 days }\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:5:34: trigger.where.ownership.started.before: expected a point in time like "30 days ago", "in 2 weeks", "now" or a date "2026-01-31", found "30 days"; say which way: "30 days ago" or "in 30 days"',
    ],
  },
  {
    name: "before: months",
    source: `${HEAD}  where:\n    ownership.started: { before: 1 month ago }\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:5:34: trigger.where.ownership.started.before: expected a point in time like "30 days ago", "in 2 weeks", "now" or a date "2026-01-31", found "1 month ago"; months and years have no fixed length, so write days or weeks (e.g. "365 days ago")',
    ],
  },
  {
    name: "gt: a number in quotes",
    source: `${HEAD}  where:\n    customer.attributes.visits: { gt: "3" }\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:5:39: trigger.where.customer.attributes.visits.gt: expected a number, found "3"; write it without quotes: 3',
    ],
  },
  {
    name: "gt: a word",
    source: `${HEAD}  where:\n    customer.attributes.visits: { gt: many }\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:5:39: trigger.where.customer.attributes.visits.gt: expected a number, found "many"',
    ],
  },
  {
    name: "two kinds of test on one field",
    source: `${HEAD}  where:\n    customer.attributes.visits: { gt: 3, in: [1] }\nsteps:\n  - send: a\n`,
    errors: [
      "config/flows/x.yaml:5:33: trigger.where.customer.attributes.visits: found in and gt together; use one kind of test per field (in, not, exists, contains, a comparison with gt/gte/lt/lte, or dates with before/after); to combine, write all: [ ... ]",
    ],
  },
  {
    name: "misspelt comparison, with suggestion",
    source: `${HEAD}  where:\n    customer.attributes.visits: { gtee: 3 }\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:5:35: trigger.where.customer.attributes.visits.gtee: unknown setting "gtee" (allowed here: after, before, contains, exists, gt, gte, in, lt, lte, matches, not); did you mean "gte"?',
    ],
  },
  {
    name: "empty field test",
    source: `${HEAD}  where:\n    customer.attributes.visits: {}\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:5:33: trigger.where.customer.attributes.visits: the test is empty; write one of { in: [...] }, { not: value }, { exists: true/false }, { contains: value }, { matches: regex }, { gt / gte / lt / lte: number }, { before / after: "30 days ago" }',
    ],
  },
  {
    name: "tagged: not a tag",
    source: `${HEAD}steps:\n  - branch:\n      - if: { tagged: VIP Club }\n        then: []\n`,
    errors: [
      'config/flows/x.yaml:6:23: steps[0].branch[0].if.tagged: expected a tag like vip (lowercase letters, digits, "-" or "_"), found "VIP Club"; did you mean "vip-club"?',
    ],
  },
  {
    name: "owns: nothing named",
    source: `${HEAD}steps:\n  - branch:\n      - if: { owns: {} }\n        then: []\n`,
    errors: [
      "config/flows/x.yaml:6:21: steps[0].branch[0].if.owns: say what the customer owns: { sku: LYRA-RD-2780 } or { category: turntable }",
    ],
  },
  {
    name: "owns: misspelt key",
    source: `${HEAD}steps:\n  - branch:\n      - if: { owns: { categroy: turntable } }\n        then: []\n`,
    errors: [
      'config/flows/x.yaml:6:23: steps[0].branch[0].if.owns.categroy: unknown setting "categroy" (allowed here: category, sku); did you mean "category"?',
    ],
  },
  {
    name: "owns: a word instead of a map",
    source: `${HEAD}steps:\n  - branch:\n      - if: { owns: turntable }\n        then: []\n`,
    errors: [
      'config/flows/x.yaml:6:21: steps[0].branch[0].if.owns: expected what the customer owns, like { sku: LYRA-RD-2780 } or { category: turntable }, found "turntable"',
    ],
  },
  {
    name: "wait_until: empty",
    source: `${HEAD}steps:\n  - wait_until: {}\n`,
    errors: [
      'config/flows/x.yaml:5:17: steps[0].wait_until: say until when: a date (date: customer.birthday, offset: "-1 day", at: "09:00") or a time of day (at: "10:00", days: [mon, tue, wed, thu, fri])',
    ],
  },
  {
    name: "wait_until: misspelt date field",
    source: `${HEAD}steps:\n  - wait_until: { date: customer.brithday }\n`,
    errors: [
      'config/flows/x.yaml:5:25: steps[0].wait_until.date: expected customer.birthday, ownership.started or a date like "2026-12-24", found "customer.brithday"; did you mean "customer.birthday"?',
    ],
  },
  {
    name: "wait_until: misspelt weekday",
    source: `${HEAD}steps:\n  - wait_until: { at: "10:00", days: [mon, tues] }\n`,
    errors: [
      'config/flows/x.yaml:5:44: steps[0].wait_until.days[1]: expected one of mon, tue, wed, thu, fri, sat, sun, found "tues"; did you mean "tue"?',
    ],
  },
  {
    name: "wait_until: offset without date",
    source: `${HEAD}steps:\n  - wait_until: { at: "10:00", offset: -1 day }\n`,
    errors: [
      "config/flows/x.yaml:5:32: steps[0].wait_until.offset: an offset shifts a date: add date: (e.g. date: customer.birthday) or remove offset",
    ],
  },
  {
    name: "wait_until: misspelt offset unit",
    source: `${HEAD}steps:\n  - wait_until: { date: customer.birthday, offset: -1 dya }\n`,
    errors: [
      'config/flows/x.yaml:5:52: steps[0].wait_until.offset: expected an offset like "-1 day" or "2 weeks", found "-1 dya"; did you mean "-1 day"?',
    ],
  },
  {
    name: "wait_until: offset in months",
    source: `${HEAD}steps:\n  - wait_until: { date: customer.birthday, offset: -1 month }\n`,
    errors: [
      'config/flows/x.yaml:5:52: steps[0].wait_until.offset: expected an offset like "-1 day" or "2 weeks", found "-1 month"; months and years have no fixed length, so write days or weeks instead (e.g. "30 days" or "52 weeks")',
    ],
  },
  {
    name: "wait_until: hour 25",
    source: `${HEAD}steps:\n  - wait_until: { at: "25:00" }\n`,
    errors: [
      'config/flows/x.yaml:5:23: steps[0].wait_until.at: expected a time of day like "09:00" (24-hour, HH:MM), found "25:00"',
    ],
  },
  {
    name: "wait_until: misspelt key",
    source: `${HEAD}steps:\n  - wait_until: { at: "10:00", day: [mon] }\n`,
    errors: [
      'config/flows/x.yaml:5:32: steps[0].wait_until.day: unknown setting "day" (allowed here: at, date, days, offset); did you mean "days"?',
    ],
  },
  {
    name: "wait_for: no timeout",
    source: `${HEAD}steps:\n  - wait_for: { event: purchase }\n`,
    errors: [
      'config/flows/x.yaml:5:15: steps[0].wait_for.timeout: missing "timeout": say how long to wait for the event, e.g. timeout: 30 days',
    ],
  },
  {
    name: "wait_for: misspelt timeout",
    source: `${HEAD}steps:\n  - wait_for: { event: purchase, timeout: 30 dyas }\n`,
    errors: [
      'config/flows/x.yaml:5:43: steps[0].wait_for.timeout: expected a duration like "14 days" or "2h", found "30 dyas"; did you mean "30 days"?',
    ],
  },
  {
    name: "wait_for: capitalised event",
    source: `${HEAD}steps:\n  - wait_for: { event: Purchase, timeout: 30 days }\n`,
    errors: [
      'config/flows/x.yaml:5:24: steps[0].wait_for.event: expected an event name in lowercase letters, digits, ".", "_" or "-" (like registration or purchase), found "Purchase"; did you mean "purchase"?',
    ],
  },
  {
    name: "wait_for: misspelt on_event",
    source: `${HEAD}steps:\n  - wait_for: { event: purchase, timeout: 30 days }\n    on_evnt:\n      - send: a\n`,
    errors: [
      'config/flows/x.yaml:6:5: steps[0].on_evnt: unknown setting "on_evnt" (allowed here: id, on_event, on_timeout, wait_for); did you mean "on_event"?',
    ],
  },
  {
    name: "wait_for: just an event name",
    source: `${HEAD}steps:\n  - wait_for: purchase\n`,
    errors: [
      'config/flows/x.yaml:5:15: steps[0].wait_for: expected the event and a timeout, like wait_for: { event: purchase, timeout: 30 days }, found "purchase"',
    ],
  },
  {
    name: "tag: not a tag",
    source: `${HEAD}steps:\n  - tag: VIP Club\n`,
    errors: [
      'config/flows/x.yaml:5:10: steps[0].tag: expected a tag like vip (lowercase letters, digits, "-" or "_"), found "VIP Club"; did you mean "vip-club"?',
    ],
  },
  {
    name: "tag: empty list",
    source: `${HEAD}steps:\n  - tag: []\n`,
    errors: ["config/flows/x.yaml:5:10: steps[0].tag: the list of tags is empty; name at least one"],
  },
  {
    name: "untag: a map",
    source: `${HEAD}steps:\n  - untag: { a: 1 }\n`,
    errors: [
      "config/flows/x.yaml:5:12: steps[0].untag: expected a tag like vip or a list like [vip, early-adopter], found a group of settings",
    ],
  },
  {
    name: "set: a field that is not an attribute",
    source: `${HEAD}steps:\n  - set: { customer.name: Ada }\n`,
    errors: [
      'config/flows/x.yaml:5:12: steps[0].set.customer.name: "customer.name" cannot be set: a flow can only set customer attributes, written customer.attributes.<name>; did you mean "customer.attributes.name"?',
    ],
  },
  {
    name: "set: misspelt attributes",
    source: `${HEAD}steps:\n  - set: { customer.attribute.tier: gold }\n`,
    errors: [
      'config/flows/x.yaml:5:12: steps[0].set.customer.attribute.tier: "customer.attribute.tier" cannot be set: a flow can only set customer attributes, written customer.attributes.<name>; did you mean "customer.attributes.tier"?',
    ],
  },
  {
    name: "set: nothing",
    source: `${HEAD}steps:\n  - set: {}\n`,
    errors: [
      "config/flows/x.yaml:5:10: steps[0].set: nothing to set; write a field and a value, e.g. { customer.attributes.tier: gold }",
    ],
  },
  {
    name: "set: a list value",
    source: `${HEAD}steps:\n  - set: { customer.attributes.tier: [a] }\n`,
    errors: [
      "config/flows/x.yaml:5:38: steps[0].set.customer.attributes.tier: expected a text, a number or true/false, found a list",
    ],
  },
  {
    name: "tag and send in one step",
    source: `${HEAD}steps:\n  - tag: vip\n    send: a\n`,
    errors: [
      "config/flows/x.yaml:5:5: steps[0]: a step does one thing: either send or tag, not both; split it into two steps",
    ],
  },
  {
    name: "entry window in months",
    source: `${HEAD}entry: { at_most_once_in: 1 month }\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:4:27: entry.at_most_once_in: expected a duration like "14 days" or "2h", found "1 month"; months and years have no fixed length, so write days or weeks instead (e.g. "30 days" or "52 weeks")',
    ],
  },
  {
    name: "entry window: misspelt key",
    source: `${HEAD}entry: { at_most_once: 30 days }\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:4:8: entry.at_most_once_in: missing "at_most_once_in": write e.g. entry: { at_most_once_in: 30 days }',
      'config/flows/x.yaml:4:10: entry.at_most_once: unknown setting "at_most_once" (allowed here: at_most_once_in); did you mean "at_most_once_in"?',
    ],
  },
  {
    name: "entry: the window word alone",
    source: `${HEAD}entry: at_most_once_in\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:4:8: entry: found "at_most_once_in"; write it with a time span: entry: { at_most_once_in: "30 days" }',
    ],
  },
  {
    name: "relationship: misspelt",
    source: `${HEAD}relationship: onetime\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:4:15: relationship: expected one of one_time, repeat, found "onetime"; did you mean "one_time"?',
    ],
  },
  {
    name: "exit_when: misspelt field",
    source: `${HEAD}exit_when:\n  ownership.stauts: disposed\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:5:3: exit_when.ownership.stauts: "ownership.stauts" is not something a branch can check (allowed: replied, tagged, owns, all, any, not, or one of the fields customer.email, customer.name, customer.locale, customer.timezone, customer.birthday, customer.tags, customer.phone, customer.consent.sms, customer.preferences.all / stayInTouch / frequency(.max, .per) / topics.<topic>, customer.attributes.<name>, product.sku, product.name, product.category, product.serial, product.relationship, ownership.status, ownership.started, ownership.kind, event.properties.<name>); did you mean "ownership.status"?',
    ],
  },
  {
    name: "goal: not a condition",
    source: `${HEAD}goal: yes\nsteps:\n  - send: a\n`,
    errors: [
      'config/flows/x.yaml:4:7: goal: expected conditions like { customer.attributes.vip: true } or { replied: true }, found "yes"',
    ],
  },
  {
    name: "misspelt wait_for",
    source: `${HEAD}steps:\n  - wait_fro: { event: purchase, timeout: 30 days }\n`,
    errors: [
      'config/flows/x.yaml:5:5: steps[0].wait_fro: unknown setting "wait_fro" (allowed here: branch, exit, id, keep_as, notify, on_event, on_reply, on_timeout, send, set, tag, topic, transactional, untag, wait, wait_for, wait_for_reply, wait_until); did you mean "wait_for"?',
    ],
  },
  {
    name: "misspelt wait_until",
    source: `${HEAD}steps:\n  - wait_untill: { at: "10:00" }\n`,
    errors: [
      'config/flows/x.yaml:5:5: steps[0].wait_untill: unknown setting "wait_untill" (allowed here: branch, exit, id, keep_as, notify, on_event, on_reply, on_timeout, send, set, tag, topic, transactional, untag, wait, wait_for, wait_for_reply, wait_until); did you mean "wait_until"?',
    ],
  },
];

describe("parseFlow: errors in the newer constructs", () => {
  it.each(cases)("$name", ({ source, errors }) => {
    expect(errorsOf(source)).toEqual(errors);
  });
});
