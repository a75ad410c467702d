/**
 * config/rapport.yaml: who the messages come from. Validated with positions so a typo
 * is reported as file:line:col with what was expected.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { parseYamlWithSchema, type YamlProblem } from "./yaml-validate.js";

const mailbox = z
  .string()
  .max(320)
  .regex(
    /^([^<>\r\n]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/,
    'expected an address like "Lyra Audio <hello@lyra-audio.example>"',
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
    defaultTimezone: z.string().default("UTC"),
  }),
});

export type BrandFile = z.infer<typeof brandFileSchema>;
export type Brand = BrandFile["brand"];

export class BrandConfigError extends Error {
  constructor(readonly problems: YamlProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.path}: ${p.message}`).join("\n"));
    this.name = "BrandConfigError";
  }
}

export function parseBrand(source: string, file: string): Brand {
  const result = parseYamlWithSchema(source, file, brandFileSchema);
  if (!result.ok) throw new BrandConfigError(result.problems);
  return result.value.brand;
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
