/**
 * The names a flow file uses: events, step ids, templates, topics and tags. Each carries
 * the "did you mean" its marketers need when they write one wrongly.
 */
import { z } from "zod";
import { describeFound } from "../describe.js";
import { ID_PATTERN, ID_RULE, slugify } from "../ids.js";
import { TOPIC_PATTERN, TOPIC_RULE } from "../topics.js";
import { whenMissing } from "./words.js";

const EVENT_PATTERN = "^[a-z][a-z0-9_.-]*$";

export const EventName = z
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

export const StepId = z
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

export const TemplateName = z
  .string()
  .min(1, { error: "expected the name of a template (a folder in config/templates), found an empty text" })
  .meta({
    description: "The template to send: the name of a folder in config/templates.",
    examples: ["thank-you"],
  });

/** Whether a topic exists is checked against config/rapport.yaml later (check.ts); here only its form. */
export const TopicName = z
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

export const TAG_PATTERN = "^[a-z0-9][a-z0-9_-]*$";

export const TagName = z
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
