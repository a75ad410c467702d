/**
 * config/rapport.yaml: who the messages come from. Validated with positions so a typo
 * is reported as file:line:col with what was expected.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { parseDuration } from "../flows/duration.js";
import type { SendPolicy } from "../flows/send-policy.js";
import { isTimeZone, TIME_OF_DAY_PATTERN, WEEKDAYS } from "../flows/time.js";
import { TOPIC_PATTERN, TOPIC_RULE, type Topic } from "../flows/topics.js";
import { BRAND_COLOR_DEFAULTS, type BrandColors, HEX_COLOR, paletteProblems } from "./colors.js";
import { parseYamlWithSchema, type YamlProblem } from "./yaml-validate.js";

const mailbox = z
  .string()
  .max(320)
  .regex(
    /^([^<>\r\n]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/,
    'expected an address like "Lyra Audio <hello@lyra-audio.example>"',
  );

const timeOfDay = z.string().regex(new RegExp(TIME_OF_DAY_PATTERN), 'expected a local time like "09:00"');

/**
 * When relationship messages may go out (transactional flows are exempt): a window in
 * the customer's time zone and a cap per customer. Absent: any time, no cap.
 */
const sendingSchema = z.strictObject({
  window: z
    .strictObject({
      start: timeOfDay,
      end: timeOfDay,
      days: z
        .array(z.enum(WEEKDAYS, { error: `expected a weekday: ${WEEKDAYS.join(", ")}` }))
        .min(1, "at least one day")
        .default([...WEEKDAYS]),
    })
    .optional(),
  cap: z
    .strictObject({
      max: z.number().int().min(1, "at least 1 message"),
      per: z.string().refine((t) => (parseDuration(t) ?? 0) > 0, 'expected a duration like "7 days"'),
    })
    .optional(),
});

const hexColor = z
  .string()
  .regex(HEX_COLOR, 'expected a hex colour like "#8c4a2f" (quoted: YAML reads # as a comment)');

/**
 * The pages customers open from their emails (preference page, unsubscribe) in the brand's
 * colours; each one left out keeps its default (src/config/colors.ts). Refused when text
 * would be hard to read: every pair the pages combine must reach WCAG AA contrast.
 */
const colorsSchema = z
  .strictObject({ primary: hexColor.optional(), background: hexColor.optional(), text: hexColor.optional() })
  .superRefine((given, ctx) => {
    if (Object.values(given).some((c) => c !== undefined && !HEX_COLOR.test(c))) return;
    for (const problem of paletteProblems({ ...BRAND_COLOR_DEFAULTS, ...given })) {
      ctx.addIssue({ code: "custom", path: [problem.setting], message: problem.message });
    }
  });

/**
 * What customers can choose to hear about: name → title (and a line of description).
 * Every message that is not transactional names one (flows check it).
 */
const topicsSchema = z.record(
  z.string().regex(new RegExp(TOPIC_PATTERN), `expected a topic name of ${TOPIC_RULE}, like product_news`),
  z.strictObject(
    {
      title: z.string().trim().min(1, "the title customers see, e.g. Product news").max(80),
      description: z.string().trim().min(1).max(300).optional(),
    },
    {
      error: (iss) =>
        iss.code === "invalid_type" ? 'expected { title: "Product news", description: "…" }' : undefined,
    },
  ),
);

const brandFileSchema = z.strictObject({
  brand: z.strictObject({
    name: z.string().min(1).max(100),
    from: mailbox,
    replyDomain: z
      .string()
      .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, "expected a domain like reply.lyra-audio.example"),
    supportAddress: mailbox.optional(),
    /** Where `notify` steps send (e.g. mail to an owner-only address, forwarded); default supportAddress. */
    teamAddress: mailbox.optional(),
    postalAddress: z.string().min(5, "the postal address anti-spam laws require in every message").max(300),
    publicUrl: z.url({ protocol: /^https?$/ }),
    defaultTimezone: z
      .string()
      .refine(isTimeZone, "expected an IANA time zone such as Europe/Berlin")
      .default("UTC"),
    colors: colorsSchema.optional(),
  }),
  sending: sendingSchema.optional(),
  topics: topicsSchema.optional(),
});

export type BrandFile = z.infer<typeof brandFileSchema>;
/** The brand settings (colours with their defaults filled in), with the send policy (times parsed) and the topics beside them. */
export type Brand = Omit<BrandFile["brand"], "colors"> & {
  colors: BrandColors;
  sendPolicy: SendPolicy;
  topics: Readonly<Record<string, Topic>>;
};

function sendPolicyOf(sending: BrandFile["sending"]): SendPolicy {
  const policy: SendPolicy = {};
  if (sending?.window) {
    policy.window = {
      start: sending.window.start,
      end: sending.window.end,
      days: sending.window.days.map((d) => WEEKDAYS.indexOf(d)),
    };
  }
  if (sending?.cap) policy.cap = { max: sending.cap.max, perMs: parseDuration(sending.cap.per) as number };
  return policy;
}

export class BrandConfigError extends Error {
  constructor(readonly problems: YamlProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.path}: ${p.message}`).join("\n"));
    this.name = "BrandConfigError";
  }
}

export function parseBrand(source: string, file: string): Brand {
  const result = parseYamlWithSchema(source, file, brandFileSchema);
  if (!result.ok) throw new BrandConfigError(result.problems);
  const brand = result.value.brand;
  return {
    ...brand,
    colors: { ...BRAND_COLOR_DEFAULTS, ...brand.colors },
    sendPolicy: sendPolicyOf(result.value.sending),
    topics: result.value.topics ?? {},
  };
}

export async function loadBrand(file: string): Promise<Brand> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch {
    throw new BrandConfigError([
      { file, line: 1, col: 1, path: "(file)", message: "missing: rapport needs its brand settings here" },
    ]);
  }
  return parseBrand(source, file);
}

/** The bare address out of `Name <addr>`. */
export function addressOf(mailboxText: string): string {
  const m = /<([^>]+)>/.exec(mailboxText);
  return (m?.[1] ?? mailboxText).trim();
}
