/**
 * The shape of a flow file (config/flows/*.yaml), as a zod v4 schema.
 *
 * Contract: FlowFileSchema validates the plain data a YAML flow file parses to; objects
 * are strict (an unknown key is an error, because a misspelt `wiat:` silently ignored
 * would send the next email at once). It describes the file, not the Flow the
 * interpreter runs: parse.ts turns a valid FlowFile into a Flow (ids, durations in ms,
 * version). The same schema generates schema/flow.schema.json for editors, so it
 * carries descriptions, and uses only checks JSON Schema can express except where noted.
 *
 * Messages attached here are the field-specific ones, written for the marketing people
 * who edit these files; parse.ts supplies plain generic ones for everything else and
 * adds line, column and "did you mean".
 */
import { z } from "zod";
import {
  DATE_BOUND_PATTERN,
  dateBoundProblem,
  OFFSET_PATTERN,
  parseDateBound,
  parseOffset,
} from "./dates.js";
import { describeFound } from "./describe.js";
import { DURATION_PATTERN, durationProblem, isAcceptableWait } from "./duration.js";
import {
  CONDITION_KEY_PATTERN,
  conditionKeyProblem,
  SET_FIELD_PATTERN,
  setFieldProblem,
  WHERE_FIELD_PATTERN,
  whereFieldProblem,
} from "./fields.js";
import { ID_PATTERN, ID_RULE, slugify } from "./ids.js";
import { closest, didYouMean } from "./suggest.js";
import { parseCalendarDate, TIME_OF_DAY_PATTERN, WEEKDAYS } from "./time.js";
import { TOPIC_PATTERN, TOPIC_RULE } from "./topics.js";
import { DATE_FIELDS, RELATIONSHIPS } from "./types.js";

type RawIssue = z.core.$ZodRawIssue;

/** True for the issue zod raises when a required key is absent. */
function isMissing(iss: RawIssue): boolean {
  return iss.code === "invalid_type" && iss.input === undefined;
}

/** An error function that only words the "this key is missing" case. */
function whenMissing(text: string) {
  return (iss: RawIssue): string | undefined => (isMissing(iss) ? text : undefined);
}

const EVENT_PATTERN = "^[a-z][a-z0-9_.-]*$";

const EventName = z
  .string({
    error: whenMissing('missing "event": say which event starts this flow, e.g. event: registration'),
  })
  .regex(new RegExp(EVENT_PATTERN), {
    error: (iss) => {
      const found = String(iss.input);
      const lower = found.toLowerCase();
      const hint = new RegExp(EVENT_PATTERN).test(lower) ? `; did you mean ${JSON.stringify(lower)}?` : "";
      return `expected an event name in lowercase letters, digits, ".", "_" or "-" (like registration or purchase), found ${JSON.stringify(found)}${hint}`;
    },
  })
  .meta({
    description: "The event that starts this flow, e.g. registration or purchase.",
    examples: ["registration"],
  });

const Scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: (iss) => `expected a text, a number or true/false, found ${describeFound(iss.input)}`,
});

/** Which kind of test each operator key of a field condition belongs to; one kind per field. */
const OPERATOR_KINDS: Readonly<Record<string, string>> = {
  in: "in",
  not: "not",
  exists: "exists",
  contains: "contains",
  matches: "matches",
  gt: "comparison",
  gte: "comparison",
  lt: "comparison",
  lte: "comparison",
  before: "dates",
  after: "dates",
};

const OPERATORS_TEXT =
  "{ in: [...] }, { not: value }, { exists: true/false }, { contains: value }, { matches: regex }, " +
  '{ gt / gte / lt / lte: number }, { before / after: "30 days ago" }';

/** Why a `where` value is none of the allowed forms; only reached when no single form fits. */
function conditionError(iss: RawIssue): string | undefined {
  if (iss.code !== "invalid_union") return undefined;
  const input = iss.input;
  if (Array.isArray(input)) {
    return `found a list; to match any of several values write { in: [${input.map((v) => String(v)).join(", ")}] }`;
  }
  return `expected a value to compare with (text, number or true/false), or one of ${OPERATORS_TEXT}; found ${describeFound(input)}`;
}

/** One kind of test per field, and at least one key. */
function operatorsCheck(value: Record<string, unknown>, ctx: z.core.$RefinementCtx<unknown>): void {
  const keys = Object.keys(value).filter((k) => k in OPERATOR_KINDS);
  // An unknown key (`nto:`) was reported already, with a suggestion; "empty" would only confuse.
  if (ctx.issues.length > 0) return;
  if (Object.keys(value).length === 0) {
    ctx.addIssue({
      code: "custom",
      path: [],
      message: `the test is empty; write one of ${OPERATORS_TEXT}`,
      input: value,
    });
    return;
  }
  const kinds = [...new Set(keys.map((k) => OPERATOR_KINDS[k]))];
  if (kinds.length > 1) {
    ctx.addIssue({
      code: "custom",
      path: [],
      message: `found ${keys.join(" and ")} together; use one kind of test per field (in, not, exists, contains, a comparison with gt/gte/lt/lte, or dates with before/after); to combine, write all: [ ... ]`,
      input: value,
    });
  }
}

const Num = z.number({
  error: (iss) => {
    const found = describeFound(iss.input);
    const asNumber =
      typeof iss.input === "string" && iss.input.trim() !== "" && Number.isFinite(Number(iss.input));
    return `expected a number, found ${found}${asNumber ? `; write it without quotes: ${String(iss.input).trim()}` : ""}`;
  },
});

export const DateBound = z
  .string({
    error: (iss) =>
      `expected a point in time like "30 days ago" or "2026-01-31", found ${describeFound(iss.input)}`,
  })
  .regex(new RegExp(DATE_BOUND_PATTERN), { error: (iss) => dateBoundProblem(String(iss.input)) })
  // Not expressible in JSON Schema: the calendar date must exist (no 2026-02-30).
  .refine((text) => parseDateBound(text) !== null || !new RegExp(DATE_BOUND_PATTERN).test(text), {
    error: (iss) => dateBoundProblem(String(iss.input)),
  });

const FieldOperators = z
  .strictObject({
    in: z
      .array(Scalar)
      .min(1, { error: "the list after in: is empty; list at least one value" })
      .optional()
      .meta({ description: "Matches when the field equals any of these values." }),
    not: Scalar.optional().meta({
      description: "Matches when the field is anything but this value (or is missing).",
    }),
    exists: z
      .boolean()
      .optional()
      .meta({ description: "true: the field must have a value; false: it must be missing." }),
    contains: Scalar.optional().meta({
      description:
        "Matches when the field is a list holding this value, e.g. customer.tags: { contains: vip }.",
    }),
    matches: z
      .string()
      .refine(
        (source) => {
          try {
            new RegExp(source, "i");
            return true;
          } catch {
            return false;
          }
        },
        { error: (iss) => `not a regular expression: ${JSON.stringify(iss.input)}` },
      )
      .optional()
      .meta({
        description:
          'Matches when the field is text matching this regular expression, ignoring case, e.g. reply.text: { matches: "^(yes|y|4040)$" }.',
      }),
    gt: Num.optional().meta({ description: "Matches when the field is a number greater than this." }),
    gte: Num.optional().meta({ description: "Matches when the field is a number at least this." }),
    lt: Num.optional().meta({ description: "Matches when the field is a number less than this." }),
    lte: Num.optional().meta({ description: "Matches when the field is a number at most this." }),
    before: DateBound.optional().meta({
      description:
        'Matches when the field is a date earlier than this: "30 days ago" (more than 30 days ago), "now", "2026-01-31".',
      examples: ["30 days ago"],
    }),
    after: DateBound.optional().meta({
      description:
        'Matches when the field is a date later than this: "7 days ago" (within the last 7 days), "in 2 weeks".',
      examples: ["7 days ago"],
    }),
  })
  .superRefine(operatorsCheck)
  .meta({ minProperties: 1 });

const FieldCondition = z
  .union([z.string(), z.number(), z.boolean(), FieldOperators], { error: conditionError })
  .meta({
    description:
      "A value the field must equal, or { in: [a, b] }, { not: value }, { exists: true/false }, { contains: value }, " +
      '{ gt / gte / lt / lte: number }, { before / after: "30 days ago" }.',
  });

const WhereField = z.string().regex(new RegExp(WHERE_FIELD_PATTERN), {
  error: (iss) => whereFieldProblem(String(iss.input)),
});

const Where = z.record(WhereField, FieldCondition).meta({
  description:
    "Only start the flow when every listed field matches. Fields: customer.email, customer.name, customer.locale, " +
    "customer.timezone, customer.birthday, customer.tags, customer.attributes.<name>, product.sku, product.name, " +
    "product.category, product.serial, product.relationship, ownership.status, ownership.started, ownership.kind, " +
    "event.properties.<name>.",
});

const TimeOfDay = z
  .string({
    error: (iss) =>
      `expected a time of day like "09:00" (24-hour, in quotes), found ${describeFound(iss.input)}${
        typeof iss.input === "number" && Number.isInteger(iss.input) && iss.input >= 0 && iss.input < 24
          ? `; did you mean "${String(iss.input).padStart(2, "0")}:00"?`
          : ""
      }`,
  })
  .regex(new RegExp(TIME_OF_DAY_PATTERN), {
    error: (iss) => {
      const found = String(iss.input);
      const m = /^(\d{1,2})(?:[.:h]?(\d{2}))?\s*(am|pm)?$/i.exec(found.trim());
      let hint = "";
      if (m) {
        let h = Number(m[1]);
        const suffix = m[3]?.toLowerCase();
        if (suffix === "pm" && h < 12) h += 12;
        if (suffix === "am" && h === 12) h = 0;
        const fixed = `${String(h).padStart(2, "0")}:${m[2] ?? "00"}`;
        if (new RegExp(TIME_OF_DAY_PATTERN).test(fixed)) hint = `; did you mean "${fixed}"?`;
      }
      return `expected a time of day like "09:00" (24-hour, HH:MM), found ${JSON.stringify(found)}${hint}`;
    },
  })
  .meta({
    description: 'A local time of day, 24-hour "HH:MM", in the customer\'s time zone.',
    examples: ["09:00"],
  });

const DateField = z.enum(DATE_FIELDS).meta({
  description:
    "customer.birthday (every year) or ownership.started (the registration or purchase, every year).",
});

const Every = z
  .enum(["year"])
  .meta({ description: "How often the date recurs: every year (the only choice)." });

/** An event trigger or a date trigger: exactly one of event, date; every / at only with date. */
function triggerCheck(value: unknown, ctx: z.core.$RefinementCtx<unknown>): void {
  // Not a map at all: the object's own error says so.
  if (value === null || typeof value !== "object" || Array.isArray(value)) return;
  const map = value as Record<string, unknown>;
  const has = (k: string) => Object.hasOwn(map, k) && map[k] !== undefined;
  if (!has("event") && !has("date")) {
    ctx.addIssue({
      code: "custom",
      path: ["event"],
      message:
        'missing "event": say which event starts this flow, e.g. event: registration (or, for a yearly date, date: customer.birthday)',
      input: value,
    });
    return;
  }
  if (has("event") && has("date")) {
    ctx.addIssue({
      code: "custom",
      path: ["date"],
      message: "a flow starts on an event or on a date, not both; keep event or date",
      params: { at: "key" },
      input: value,
    });
    return;
  }
  if (has("event")) {
    for (const k of ["every", "at"]) {
      if (!has(k)) continue;
      ctx.addIssue({
        code: "custom",
        path: [k],
        message: `"${k}" belongs to date triggers (date: customer.birthday); an event trigger starts when the event happens`,
        params: { at: "key" },
        input: value,
      });
    }
  }
}

const Trigger = z
  .strictObject(
    {
      event: EventName.optional(),
      date: DateField.optional(),
      every: Every.optional(),
      at: TimeOfDay.optional().meta({
        description: 'For a date trigger: the local time of day it starts at, "HH:MM" (default "09:00").',
      }),
      where: Where.optional(),
    },
    {
      error: (iss) => {
        if (iss.code !== "invalid_type") return undefined;
        if (isMissing(iss)) {
          return 'missing "trigger": say which event starts this flow, e.g. trigger: { event: registration }';
        }
        const example = typeof iss.input === "string" ? iss.input : "registration";
        return `expected settings such as event: ${example} (indented on the next line), found ${describeFound(iss.input)}`;
      },
    },
  )
  .superRefine(triggerCheck, { when: () => true })
  .meta({
    description:
      'When the flow starts: an event (event: purchase), or a yearly date (date: customer.birthday, at: "09:00"); ' +
      "optionally narrowed by `where`.",
    anyOf: [{ required: ["event"] }, { required: ["date"] }],
  });

export const ENTRY_RULES = ["once", "once_per_product", "every_time"] as const;

/** A duration setting like WaitDuration, with its own words for when it is missing. */
function durationText(missing: string) {
  return z
    .string({ error: (iss) => (isMissing(iss) ? missing : notADuration(iss.input)) })
    .regex(new RegExp(DURATION_PATTERN), { error: (iss) => durationProblem(String(iss.input)) })
    .refine((text) => isAcceptableWait(text) || !new RegExp(DURATION_PATTERN).test(text), {
      error: (iss) => durationProblem(String(iss.input)),
    });
}

const EntryWindow = durationText(
  'missing "at_most_once_in": write e.g. entry: { at_most_once_in: 30 days }',
).meta({
  description:
    'A customer enters again only if their last run of this flow began at least this long ago, e.g. "30 days".',
});

function entryError(iss: RawIssue): string | undefined {
  if (iss.code !== "invalid_union") return undefined;
  const input = iss.input;
  const rules = `${ENTRY_RULES.join(", ")}, or { at_most_once_in: "30 days" }`;
  if (typeof input === "string") {
    const guess = didYouMean(input, [...ENTRY_RULES, "at_most_once_in"]);
    if (input === "at_most_once_in" || guess.includes("at_most_once_in")) {
      return `found ${JSON.stringify(input)}; write it with a time span: entry: { at_most_once_in: "30 days" }`;
    }
    return `expected one of ${rules}, found ${describeFound(input)}${guess}`;
  }
  return `expected one of ${rules}, found ${describeFound(input)}`;
}

const Entry = z
  .union([z.enum(ENTRY_RULES), z.strictObject({ at_most_once_in: EntryWindow })], { error: entryError })
  .default("once_per_product")
  .meta({
    description:
      "How often one customer can go through this flow: once (ever), once_per_product (once per registered product), " +
      'every_time (each matching event), or { at_most_once_in: "30 days" }.',
  });

const StepId = z
  .string()
  .regex(new RegExp(ID_PATTERN), {
    error: (iss) => {
      const found = String(iss.input);
      const slug = slugify(found);
      const hint = slug && slug !== found ? `; did you mean ${JSON.stringify(slug)}?` : "";
      return `expected a step id made of ${ID_RULE} (like "thank-you"), found ${JSON.stringify(found)}${hint}`;
    },
  })
  .meta({
    description:
      'Optional name for this step, unique in the whole flow (nested steps included); defaults to "send-1", "wait-2", ... ' +
      '(inside on_reply, then, ...: "<parent id>.<list>.<type>-<n>", e.g. "answer.on_reply.send-1").',
  });

const TemplateName = z
  .string()
  .min(1, { error: "expected the name of a template (a folder in config/templates), found an empty text" })
  .meta({
    description: "The template to send: the name of a folder in config/templates.",
    examples: ["thank-you"],
  });

/** Whether a topic exists is checked against config/rapport.yaml later (check.ts); here only its form. */
const TopicName = z
  .string({
    error: (iss) =>
      `expected a topic name like product_news (from config/rapport.yaml), found ${describeFound(iss.input)}`,
  })
  .regex(new RegExp(TOPIC_PATTERN), {
    error: (iss) => {
      const found = String(iss.input);
      const fixed = found
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9_]+/g, "_")
        .replace(/^_+|_+$/g, "");
      const hint =
        fixed && fixed !== found && new RegExp(TOPIC_PATTERN).test(fixed)
          ? `; did you mean ${JSON.stringify(fixed)}?`
          : "";
      return `expected a topic name of ${TOPIC_RULE}, like product_news, found ${JSON.stringify(found)}${hint}`;
    },
  })
  .meta({
    description:
      "What the customer can opt out of (a topic listed under topics: in config/rapport.yaml), e.g. check_ins. " +
      "Every message that is not transactional needs one.",
    examples: ["check_ins", "product_news"],
  });

/** `wait:` given something other than text: most often a bare number (`wait: 14`). */
function notADuration(input: unknown): string {
  if (typeof input === "string") return durationProblem(input);
  const base = `expected a duration like "14 days" or "2h", found ${describeFound(input)}`;
  return typeof input === "number" ? `${base}; add a unit, e.g. "${input} days"` : base;
}

const WaitDuration = z
  .string({ error: (iss) => notADuration(iss.input) })
  .regex(new RegExp(DURATION_PATTERN), { error: (iss) => durationProblem(String(iss.input)) })
  // Not expressible in JSON Schema: above zero and at most the maximum. The regex has
  // already reported texts that are not durations at all, so this only judges the size.
  .refine((text) => isAcceptableWait(text) || !new RegExp(DURATION_PATTERN).test(text), {
    error: (iss) => durationProblem(String(iss.input)),
  })
  .meta({
    description: 'How long to wait before the next step, e.g. "14 days", "2h", "30 minutes", "1 week".',
    examples: ["14 days", "2h", "1 week"],
  });

/** What the steps of a flow file look like once validated (the schemas below are recursive). */
export type FlowFileStep =
  | "exit"
  | {
      send: string | { template: string; channel?: (typeof SEND_CHANNELS)[number] | undefined };
      id?: string | undefined;
      transactional?: boolean | undefined;
      topic?: string | undefined;
    }
  | { wait: string; id?: string | undefined }
  | {
      wait_for_reply: string;
      id?: string | undefined;
      keep_as?: string | undefined;
      on_reply?: FlowFileStep[] | null | undefined;
      on_timeout?: FlowFileStep[] | null | undefined;
    }
  | { notify: string; id?: string | undefined }
  | { branch: FlowFileArm[]; id?: string | undefined }
  | { exit: string | null; id?: string | undefined }
  | {
      wait_until: {
        date?: string | undefined;
        offset?: string | undefined;
        at?: string | undefined;
        days?: Array<(typeof WEEKDAYS)[number]> | undefined;
      };
      id?: string | undefined;
    }
  | {
      wait_for: { event: string; timeout: string };
      id?: string | undefined;
      on_event?: FlowFileStep[] | null | undefined;
      on_timeout?: FlowFileStep[] | null | undefined;
    }
  | { tag: string | string[]; id?: string | undefined }
  | { untag: string | string[]; id?: string | undefined }
  | { set: Record<string, string | number | boolean>; id?: string | undefined };

export type FlowFileArm =
  | { if: FlowFileCondition; then: FlowFileStep[] | null }
  | { else: FlowFileStep[] | null };

/**
 * A condition map as written: field paths (with a where-style condition each), `replied`,
 * and the combinators `all`, `any` (lists of condition maps) and `not` (one condition map).
 */
export type FlowFileCondition = Record<string, unknown>;

/** The keys that make a step what it is, in the order messages list them. */
export const STEP_KINDS = [
  "send",
  "wait",
  "wait_until",
  "wait_for",
  "wait_for_reply",
  "notify",
  "branch",
  "tag",
  "untag",
  "set",
  "exit",
] as const;

const STEP_EXAMPLES =
  '"- send: thank-you", "- wait: 14 days", "- wait_for_reply: 7 days", "- notify: owner-message-to-team", "- tag: vip", "- branch: ..." or "- exit"';

/** Why a step is none of the step forms; only reached when no single form fits. */
function stepError(iss: RawIssue): string | undefined {
  if (iss.code !== "invalid_union") return undefined;
  const input = iss.input;
  if (input !== null && typeof input === "object" && !Array.isArray(input)) {
    const kinds = STEP_KINDS.filter((k) => k in input);
    if (kinds.length === 2) {
      return `a step does one thing: either ${kinds[0]} or ${kinds[1]}, not both; split it into two steps`;
    }
    if (kinds.length > 2) {
      return `a step does one thing, this one has ${kinds.join(", ")}; split it into one step each`;
    }
    return `a step needs one of ${STEP_KINDS.join(", ")}, e.g. ${STEP_EXAMPLES}`;
  }
  if (typeof input === "string") {
    const word = /^([a-z_]+)(\s+(.*))?$/.exec(input.trim());
    const kind = word?.[1];
    const rest = word?.[3]?.trim();
    if (kind && (STEP_KINDS as readonly string[]).includes(kind)) {
      if (rest) return `found ${JSON.stringify(input)}; a colon is missing: write "${kind}: ${rest}"`;
      return `found ${JSON.stringify(input)} alone; say what to ${kind.replaceAll("_", " ")}, e.g. ${STEP_EXAMPLES}`;
    }
    const guess = closest(kind ?? input, STEP_KINDS);
    if (guess === "exit" && !rest) return `found ${JSON.stringify(input)}; did you mean "exit"?`;
    if (guess !== null && kind) {
      return `found ${JSON.stringify(input)}; did you mean "${guess}:${rest ? ` ${rest}` : ""}"?`;
    }
  }
  return `expected a step like ${STEP_EXAMPLES}, found ${describeFound(input)}`;
}

/** email (the default), sms, or preferred: the customer's choice, else email. */
export const SEND_CHANNELS = ["email", "sms", "preferred"] as const;

const SendTarget = z
  .strictObject({
    template: TemplateName,
    channel: z
      .enum(SEND_CHANNELS, { error: "expected email, sms or preferred (the customer's choice, else email)" })
      .optional()
      .meta({
        description:
          "How to send it: email (default; config/templates/NAME/ with subject.hbs, body.mjml, text.hbs), " +
          "sms (config/templates/NAME/sms.hbs, to the customer's phone, with their SMS consent) or preferred " +
          "(the customer's choice, else email).",
      }),
  })
  .meta({ title: "send target", description: "A template and the channel to send it on." });

const SendStep = z
  .strictObject({
    send: z.union([TemplateName, SendTarget]),
    id: StepId.optional(),
    transactional: z
      .boolean()
      .optional()
      .meta({
        description:
          "true: this message answers something the customer just did and goes out at once, outside the send " +
          "window and the frequency cap; false: it keeps to them even in a transactional flow. Default: the flow's.",
      }),
    topic: TopicName.optional().meta({
      description:
        "The topic of this message, if not the flow's (a topic listed in config/rapport.yaml), e.g. product_news.",
    }),
  })
  .meta({
    title: "send",
    description:
      "Send the customer a message made from a template: `send: thank-you` (email), or " +
      "`send: { template: care-tip, channel: sms }`.",
  });

const WaitStep = z
  .strictObject({ wait: WaitDuration, id: StepId.optional() })
  .meta({ title: "wait", description: "Pause the flow before the next step." });

const ReplyTimeout = WaitDuration.meta({
  description:
    'How long to wait for a reply before giving up (taking on_timeout), e.g. "7 days". A reply that arrives in time takes on_reply.',
  examples: ["7 days", "10 days"],
});

/** Steps inside a step (on_reply, then, ...): a list, possibly empty; nothing at all means an empty list. */
function nestedSteps(description: string) {
  return z
    .array(Step, {
      error: (iss) =>
        iss.code === "invalid_type"
          ? `expected a list of steps, each line starting with "- ", found ${describeFound(iss.input)}`
          : undefined,
    })
    .nullable()
    .optional()
    .meta({ description });
}

const WaitForReplyStep = z
  .strictObject({
    wait_for_reply: ReplyTimeout,
    id: StepId.optional(),
    keep_as: z
      .string({
        error: (iss) => `expected a field like customer.attributes.uses, found ${describeFound(iss.input)}`,
      })
      .regex(new RegExp(SET_FIELD_PATTERN), { error: (iss) => setFieldProblem(String(iss.input)) })
      .optional()
      .meta({
        description:
          "Keep the words of the reply on the customer, in this attribute (customer.attributes.<name>), for later conditions and templates ({{customer.attributes.<name>}}).",
        examples: ["customer.attributes.usesItFor"],
      }),
    get on_reply() {
      return nestedSteps(
        "Steps to take when the customer replies before the timeout; then the flow carries on after this wait_for_reply.",
      );
    },
    get on_timeout() {
      return nestedSteps(
        "Steps to take when no reply came in time (optional; leave out to just carry on after this wait_for_reply).",
      );
    },
  })
  .meta({
    title: "wait_for_reply",
    description:
      "Wait until the customer replies or the time runs out, and take on_reply or on_timeout accordingly.",
  });

const NotifyStep = z
  .strictObject({
    notify: TemplateName.meta({
      description:
        "The template to send to the team (the address in brand settings): a folder in config/templates.",
      examples: ["owner-message-to-team"],
    }),
    id: StepId.optional(),
  })
  .meta({ title: "notify", description: "Send the team (not the customer) an email made from a template." });

/** wait_until: a date (with offset) or the next allowed day, at a local time. */
function waitUntilCheck(value: Record<string, unknown>, ctx: z.core.$RefinementCtx<unknown>): void {
  const has = (k: string) => value[k] !== undefined && value[k] !== null;
  if (!has("date") && !has("at")) {
    ctx.addIssue({
      code: "custom",
      path: [],
      message:
        'say until when: a date (date: customer.birthday, offset: "-1 day", at: "09:00") or a time of day (at: "10:00", days: [mon, tue, wed, thu, fri])',
      input: value,
    });
  }
  if (has("offset") && !has("date")) {
    ctx.addIssue({
      code: "custom",
      path: ["offset"],
      message: "an offset shifts a date: add date: (e.g. date: customer.birthday) or remove offset",
      params: { at: "key" },
      input: value,
    });
  }
}

const DATE_TARGETS_TEXT = `${DATE_FIELDS.join(", ")} or a date like "2026-12-24"`;

const WaitUntilDate = z
  .string({ error: (iss) => `expected ${DATE_TARGETS_TEXT}, found ${describeFound(iss.input)}` })
  .refine(
    (text) => (DATE_FIELDS as readonly string[]).includes(text) || parseCalendarDate(text)?.year != null,
    {
      error: (iss) => {
        const found = String(iss.input);
        const hint = /^\d{4}-\d{2}-\d{2}$/.test(found)
          ? "; that day does not exist"
          : didYouMean(found, DATE_FIELDS);
        return `expected ${DATE_TARGETS_TEXT}, found ${JSON.stringify(found)}${hint}`;
      },
    },
  )
  .meta({
    description:
      "customer.birthday (the next one), ownership.started (the registration or purchase) or a calendar date YYYY-MM-DD.",
    anyOf: [{ enum: [...DATE_FIELDS] }, { pattern: "^\\d{4}-\\d{2}-\\d{2}$" }],
  });

const Offset = z
  .string({
    error: (iss) =>
      `expected an offset like "-1 day" or "2 weeks", found ${describeFound(iss.input)}${typeof iss.input === "number" ? `; add a unit, e.g. "${iss.input} days"` : ""}`,
  })
  .regex(new RegExp(OFFSET_PATTERN), {
    error: (iss) => {
      const found = String(iss.input);
      const sign = /^\s*([+-])/.exec(found)?.[1] ?? "";
      const rest = found.replace(/^\s*[+-]/, "");
      const why = durationProblem(rest).replace(
        /^expected a duration like "14 days" or "2h", found "[^"]*"/,
        "",
      );
      const fixed = /did you mean "([^"]*)"/.exec(why)?.[1];
      const tail = fixed
        ? `; did you mean ${JSON.stringify(`${sign}${fixed}`)}?`
        : why.replace(/; a wait must be longer than zero/, "");
      return `expected an offset like "-1 day" or "2 weeks", found ${JSON.stringify(found)}${tail}`;
    },
  })
  .refine((text) => Math.abs(parseOffset(text) ?? 0) <= 3650 * 24 * 60 * 60 * 1000, {
    error: "an offset can be at most 3650 days",
  })
  .meta({ description: 'Shifts the date: "-1 day" (the day before), "2 weeks" (two weeks after).' });

const WaitUntilStep = z
  .strictObject({
    wait_until: z
      .strictObject({
        date: WaitUntilDate.optional(),
        offset: Offset.optional(),
        at: TimeOfDay.optional(),
        days: z
          .array(z.enum(WEEKDAYS), {
            error: (iss) =>
              iss.code === "invalid_type"
                ? `expected a list of weekdays like [mon, tue, wed, thu, fri], found ${describeFound(iss.input)}`
                : undefined,
          })
          .min(1, { error: "the list of days is empty; name at least one, e.g. [mon, tue, wed, thu, fri]" })
          .optional()
          .meta({
            description: "Only on these weekdays (mon ... sun): a time lands on the next one of them.",
          }),
      })
      .superRefine(waitUntilCheck)
      .meta({
        description:
          'Until when: { date: customer.birthday, offset: "-1 day", at: "09:00" } or { at: "10:00", days: [mon, tue, wed, thu, fri] }. ' +
          "Times are in the customer's time zone.",
      }),
    id: StepId.optional(),
  })
  .meta({
    title: "wait_until",
    description: "Pause the flow until a date or a local time of day (a date already past does not wait).",
  });

const WaitForStep = z
  .strictObject({
    wait_for: z
      .strictObject(
        {
          event: EventName.meta({ description: "The event to wait for, e.g. purchase." }),
          timeout: durationText(
            'missing "timeout": say how long to wait for the event, e.g. timeout: 30 days',
          ).meta({ description: 'How long to wait for it before taking on_timeout, e.g. "30 days".' }),
        },
        {
          error: (iss) =>
            iss.code === "invalid_type" && !isMissing(iss)
              ? `expected the event and a timeout, like wait_for: { event: ${typeof iss.input === "string" ? iss.input : "purchase"}, timeout: 30 days }, found ${describeFound(iss.input)}`
              : undefined,
        },
      )
      .meta({
        description: 'The event and how long to wait for it: { event: purchase, timeout: "30 days" }.',
      }),
    id: StepId.optional(),
    get on_event() {
      return nestedSteps(
        "Steps to take when the event happens in time; then the flow carries on after this wait_for.",
      );
    },
    get on_timeout() {
      return nestedSteps("Steps to take when the event did not happen in time (optional).");
    },
  })
  .meta({
    title: "wait_for",
    description:
      "Wait until the customer's next event of a type (e.g. a purchase) or the timeout, and take on_event or on_timeout.",
  });

export const TAG_PATTERN = "^[a-z0-9][a-z0-9_-]*$";

const TagName = z
  .string({
    error: (iss) =>
      `expected a tag like vip (lowercase letters, digits, "-" or "_"), found ${describeFound(iss.input)}`,
  })
  .regex(new RegExp(TAG_PATTERN), {
    error: (iss) => {
      const found = String(iss.input);
      const slug = slugify(found);
      const hint = slug && slug !== found ? `; did you mean ${JSON.stringify(slug)}?` : "";
      return `expected a tag like vip (lowercase letters, digits, "-" or "_"), found ${JSON.stringify(found)}${hint}`;
    },
  });

const Tags = z
  .union([TagName, z.array(TagName).min(1, { error: "the list of tags is empty; name at least one" })], {
    error: (iss) =>
      iss.code === "invalid_union"
        ? `expected a tag like vip or a list like [vip, early-adopter], found ${describeFound(iss.input)}`
        : undefined,
  })
  .meta({ description: "A tag (vip) or a list of tags ([vip, early-adopter])." });

const TagStep = z
  .strictObject({ tag: Tags, id: StepId.optional() })
  .meta({ title: "tag", description: "Add tags to the customer (conditions test them with tagged: vip)." });

const UntagStep = z
  .strictObject({ untag: Tags, id: StepId.optional() })
  .meta({ title: "untag", description: "Remove tags from the customer." });

const SetStep = z
  .strictObject({
    set: z
      .record(
        z
          .string()
          .regex(new RegExp(SET_FIELD_PATTERN), { error: (iss) => setFieldProblem(String(iss.input)) }),
        Scalar,
        {
          error: (iss) =>
            iss.code === "invalid_type"
              ? `expected fields and values like { customer.attributes.tier: gold }, found ${describeFound(iss.input)}`
              : undefined,
        },
      )
      .refine((r) => Object.keys(r).length > 0, {
        error: "nothing to set; write a field and a value, e.g. { customer.attributes.tier: gold }",
      })
      .meta({
        description: "Customer attributes to set: { customer.attributes.<name>: value }.",
        propertyNames: { pattern: SET_FIELD_PATTERN },
      }),
    id: StepId.optional(),
  })
  .meta({
    title: "set",
    description: "Set customer attributes (customer.attributes.<name>) to fixed values.",
  });

const ExitReason = z
  .string({ error: (iss) => `expected a reason as text (or nothing), found ${describeFound(iss.input)}` })
  .trim()
  .min(1, { error: 'the reason is empty; write a reason or just "- exit"' })
  .nullable()
  .meta({ description: "Why the flow ends here, for timelines (optional)." });

const ExitStep = z
  .strictObject({ exit: ExitReason, id: StepId.optional() })
  .meta({ title: "exit", description: "End the flow here; later steps are not taken." });

const ExitWord = z
  .literal("exit")
  .meta({ title: "exit", description: "End the flow here; later steps are not taken." });

const Owns = z
  .strictObject(
    {
      sku: Scalar.optional().meta({ description: "The product's SKU." }),
      category: Scalar.optional().meta({ description: "The product's category, e.g. turntable." }),
    },
    {
      error: (iss) =>
        iss.code === "invalid_type"
          ? `expected what the customer owns, like { sku: LYRA-RD-2780 } or { category: turntable }, found ${describeFound(iss.input)}`
          : undefined,
    },
  )
  .superRefine((o, ctx) => {
    // An unknown key (`categroy:`) was reported already, with a suggestion.
    if (ctx.issues.length > 0 || o.sku !== undefined || o.category !== undefined) return;
    ctx.addIssue({
      code: "custom",
      path: [],
      message: "say what the customer owns: { sku: LYRA-RD-2780 } or { category: turntable }",
      input: o,
    });
  })
  .meta({
    description:
      "The customer owns a product (not disposed of) with this sku and/or category: { category: turntable }.",
  });

/** Why a condition key is refused; the refine below reports it at the key. */
function conditionKeysCheck(value: unknown, ctx: z.core.$RefinementCtx<unknown>): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    if (new RegExp(CONDITION_KEY_PATTERN).test(key)) continue;
    ctx.addIssue({
      code: "custom",
      path: [key],
      message: conditionKeyProblem(key),
      params: { at: "key" },
      input: value,
    });
  }
  if (Object.keys(value).length === 0) {
    ctx.addIssue({
      code: "custom",
      path: [],
      message: "the condition is empty; write at least one, e.g. { customer.attributes.vip: true }",
      input: value,
    });
  }
}

function conditionList(word: string) {
  return z
    .array(FlowCondition, {
      error: (iss) =>
        iss.code === "invalid_type"
          ? `expected a list of conditions after ${word}:, like ${word}: [ { replied: true }, { product.category: turntable } ], found ${describeFound(iss.input)}`
          : undefined,
    })
    .min(1, { error: `the list after ${word}: is empty; list at least one condition` });
}

export const FlowCondition: z.ZodType<FlowFileCondition> = z.lazy(() =>
  z
    .object(
      {
        get all() {
          return conditionList("all")
            .optional()
            .meta({ description: "Holds when every condition in the list holds." });
        },
        get any() {
          return conditionList("any")
            .optional()
            .meta({ description: "Holds when at least one condition in the list holds." });
        },
        get not() {
          return FlowCondition.optional().meta({ description: "Holds when the condition does not hold." });
        },
        replied: z.boolean().optional().meta({
          description: "true: the customer has replied in this flow (to a wait_for_reply); false: not yet.",
        }),
        tagged: TagName.optional().meta({
          description: "The customer has this tag (short for customer.tags: { contains: <tag> }).",
        }),
        owns: Owns.optional(),
      },
      {
        error: (iss) =>
          iss.code === "invalid_type"
            ? `expected conditions like { customer.attributes.vip: true } or { replied: true }, found ${describeFound(iss.input)}`
            : undefined,
      },
    )
    .catchall(FieldCondition)
    .superRefine(conditionKeysCheck, { when: () => true })
    .meta({
      id: "condition",
      description:
        "Conditions, all of which must hold: field: value (as in a trigger's where), replied: true/false, " +
        "tagged: <tag>, owns: { sku / category }, all: [ ... ], any: [ ... ], not: { ... }.",
      propertyNames: { pattern: CONDITION_KEY_PATTERN },
    }),
);

/** Why a branch choice is neither if/then nor else; only reached when no single form fits. */
function armError(iss: RawIssue): string | undefined {
  if (iss.code !== "invalid_union") return undefined;
  const input = iss.input;
  const example = 'each choice is "- if: <conditions>" with "then: <steps>" below it, or "- else: <steps>"';
  if (input !== null && typeof input === "object" && !Array.isArray(input)) {
    const has = (k: string) => Object.hasOwn(input, k);
    if (has("if") && has("else")) return NOT_BOTH;
    if (has("if"))
      return 'missing "then": say which steps to take when the condition holds, e.g. then: [ { send: vip-thanks } ]';
    if (has("then"))
      return '"then" needs an "if" with the condition, e.g. if: { customer.attributes.vip: true }';
    return example;
  }
  return `${example}; found ${describeFound(input)}`;
}

/** A key the other kind of choice has: never allowed, so `if` and `else` together get one clear message. */
const NOT_BOTH = 'a choice is either "if" (with "then") or "else", not both; make them two choices';
const Neither = z.never({ error: NOT_BOTH }).optional();

/** A branch choice's list of steps (called lazily: Step is defined further down). */
function armSteps(description: string) {
  return z
    .array(Step, {
      error: (iss) =>
        iss.code === "invalid_type" && iss.input !== undefined
          ? `expected a list of steps, each line starting with "- ", found ${describeFound(iss.input)}`
          : undefined,
    })
    .nullable()
    .meta({ description });
}

const IfArm = z
  .strictObject({
    if: FlowCondition,
    else: Neither,
    // biome-ignore lint/suspicious/noThenProperty: the flow file's key is "then"; this shape is never awaited.
    get then() {
      return armSteps("The steps to take when the condition holds.");
    },
  })
  .meta({
    title: "if",
    description: "Take `then` when the conditions hold (and no earlier choice was taken).",
  });

const ElseArm = z
  .strictObject({
    if: Neither,
    get else() {
      return armSteps("The steps to take when no choice above was taken.");
    },
  })
  .meta({ title: "else", description: "Taken when no choice above was taken; must be the last choice." });

const Arm = z.union([IfArm, ElseArm], { error: armError });

const BranchStep = z
  .strictObject({
    branch: z
      .array(Arm, {
        error: (iss) =>
          iss.code === "invalid_type"
            ? `expected a list of choices, each starting with "- if:" or "- else:", found ${describeFound(iss.input)}`
            : undefined,
      })
      .min(1, {
        error: 'a branch needs at least one choice, e.g. "- if: { replied: true }" with "then: [...]"',
      })
      .meta({
        description:
          "Choices tried from the top: the first `if` whose conditions hold has its `then` steps taken; else the `else` " +
          "steps (if any). Then the flow carries on after the branch.",
      }),
    id: StepId.optional(),
  })
  .meta({
    title: "branch",
    description: "Take different steps depending on conditions (if / else if / else).",
  });

const Step: z.ZodType<FlowFileStep> = z.lazy(() =>
  z
    .union(
      [
        SendStep,
        WaitStep,
        WaitUntilStep,
        WaitForStep,
        WaitForReplyStep,
        NotifyStep,
        BranchStep,
        TagStep,
        UntagStep,
        SetStep,
        ExitStep,
        ExitWord,
      ],
      { error: stepError },
    )
    .meta({ id: "step" }),
);

const Steps = z
  .array(Step, {
    error: (iss) =>
      isMissing(iss)
        ? 'missing "steps": a flow needs at least one step, e.g. steps: [ { send: thank-you } ]'
        : `expected a list of steps, each line starting with "- ", found ${describeFound(iss.input)}`,
  })
  .min(1, { error: 'a flow needs at least one step; "steps" is empty' })
  .meta({
    description: "What the flow does, in order: send, wait, wait_for_reply, notify, branch or exit.",
  });

const Name = z
  .string({
    error: (iss) =>
      isMissing(iss)
        ? 'missing "name": give the flow a name people will recognise, e.g. name: Thank you for registering'
        : undefined,
  })
  .trim()
  .min(1, { error: "the name is empty; give the flow a name people will recognise" })
  .meta({ description: "A name people will recognise, shown in timelines and logs." });

export const FlowFileSchema = z
  .strictObject(
    {
      name: Name,
      description: z.string().optional().meta({ description: "Notes for people; rapport ignores it." }),
      trigger: Trigger,
      entry: Entry,
      relationship: z
        .enum(RELATIONSHIPS)
        .optional()
        .meta({
          description:
            "Only for products of this kind: one_time (bought once) or repeat (bought again and again). " +
            "Compared with product.relationship (else customer.attributes.relationship).",
        }),
      runs_in_flight: z
        .enum(["keep", "move"])
        .optional()
        .meta({
          description:
            "When this file changes: keep (default) lets runs already under way finish on the version they " +
            "started on; move brings them to the new version at the step with the same id (each step a run " +
            "can wait at must still exist, with the same kind, or the run keeps its version).",
        }),
      transactional: z
        .boolean()
        .optional()
        .meta({
          description:
            "true for messages that answer something the customer did (an acknowledgement, a receipt): " +
            "they go out at once, outside the send window and the frequency cap. Default false.",
        }),
      topic: TopicName.optional().meta({
        description:
          "What the flow's messages are about, as customers choose it on their preference page: a topic listed " +
          "under topics: in config/rapport.yaml, e.g. check_ins. Needed unless every send is transactional; a " +
          "send step may name its own.",
      }),
      exit_when: FlowCondition.optional().meta({
        description:
          "Checked before every step: when it holds, the run ends, e.g. exit_when: { ownership.status: disposed }.",
      }),
      goal: FlowCondition.optional().meta({
        description:
          "Checked before every step: when it holds, the run ends as converted, e.g. goal: { tagged: reviewed }.",
      }),
      steps: Steps,
    },
    {
      error: (iss) => {
        if (iss.code !== "invalid_type") return undefined;
        if (iss.input === null || iss.input === undefined) {
          return "the file is empty; a flow needs at least name, trigger and steps";
        }
        return `a flow file must contain settings like name:, trigger: and steps:, found ${describeFound(iss.input)}`;
      },
    },
  )
  .meta({
    title: "rapport flow",
    description: "One automated sequence of emails: when it starts, and which steps it takes.",
  });

/** What a valid flow file contains (after defaults: `entry` is always set). */
export type FlowFile = z.output<typeof FlowFileSchema>;
