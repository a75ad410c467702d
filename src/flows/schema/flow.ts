/**
 * The flow document: name, trigger, entry rule, the flow-wide settings and its steps.
 */
import { z } from "zod";
import { describeFound } from "../describe.js";
import { didYouMean } from "../suggest.js";
import { ENTRY_RULES, RELATIONSHIPS, RUNS_IN_FLIGHT } from "../types.js";
import { FlowCondition } from "./conditions.js";
import { TopicName } from "./names.js";
import { Steps } from "./steps.js";
import { durationText } from "./times.js";
import { Trigger } from "./triggers.js";
import { isMissing, type RawIssue } from "./words.js";

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
        .enum(RUNS_IN_FLIGHT)
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
