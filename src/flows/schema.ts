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
 *
 * The schema is split by concern under schema/: words (shared scalars and issue helpers),
 * names, times, conditions, triggers, messages (send, notify), waits, customer-steps
 * (tag, untag, set), steps (the union, nested and branch steps) and flow (the document).
 * This file re-exports what the rest of rapport uses.
 */
export { FlowCondition, type FlowFileCondition } from "./schema/conditions.js";
export { type FlowFile, FlowFileSchema } from "./schema/flow.js";
export { TAG_PATTERN } from "./schema/names.js";
export { type FlowFileArm, type FlowFileStep, STEP_KINDS } from "./schema/steps.js";
export { DateBound } from "./schema/times.js";
export { ENTRY_RULES, SEND_CHANNELS } from "./types.js";
