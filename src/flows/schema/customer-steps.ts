/**
 * The steps that change the customer: `tag`, `untag` and `set`.
 */
import { z } from "zod";
import { describeFound } from "../describe.js";
import { SET_FIELD_PATTERN, setFieldProblem } from "../fields.js";
import { StepId, TagName } from "./names.js";
import { Scalar } from "./words.js";

const Tags = z
  .union([TagName, z.array(TagName).min(1, { error: "the list of tags is empty; name at least one" })], {
    error: (iss) =>
      iss.code === "invalid_union"
        ? `expected a tag like vip or a list like [vip, early-adopter], found ${describeFound(iss.input)}`
        : undefined,
  })
  .meta({ description: "A tag (vip) or a list of tags ([vip, early-adopter])." });

export const TagStep = z
  .strictObject({ tag: Tags, id: StepId.optional() })
  .meta({ title: "tag", description: "Add tags to the customer (conditions test them with tagged: vip)." });

export const UntagStep = z
  .strictObject({ untag: Tags, id: StepId.optional() })
  .meta({ title: "untag", description: "Remove tags from the customer." });

export const SetStep = z
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
