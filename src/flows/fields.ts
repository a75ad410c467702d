/**
 * The fields a trigger's `where` may test, as dotted paths into TriggerFacts.
 *
 * Contract: WHERE_FIELD_PATTERN (JSON-Schema-compatible regex source) accepts exactly
 * the allowed paths; WHERE_FIELDS_TEXT lists them for messages; whereFieldProblem(key)
 * explains a refused key with a "did you mean". The list is closed on purpose: a typo
 * like `product.categroy` would otherwise silently never match, and marketing would
 * wonder why the flow never starts.
 */
import { didYouMean } from "./suggest.js";

/** phone and consent.sms: whether a text may go (a flow offering something by SMS asks both). */
const CUSTOMER_FIELDS = [
  "email",
  "name",
  "locale",
  "timezone",
  "birthday",
  "tags",
  "phone",
  "consent.sms",
] as const;
/** What the customer chose (src/consent/preferences.ts, preferenceView): all, stayInTouch, frequency. */
const PREFERENCE_FIELDS = ["all", "stayInTouch", "frequency", "frequency.max", "frequency.per"] as const;
const PRODUCT_FIELDS = ["sku", "name", "category", "serial", "relationship"] as const;
const OWNERSHIP_FIELDS = ["status", "started", "kind"] as const;
/** Prefixes followed by any name the sender of the event chose. */
const OPEN_PREFIXES = ["customer.attributes", "event.properties", "customer.preferences.topics"] as const;

const FIXED_FIELDS: readonly string[] = [
  ...CUSTOMER_FIELDS.map((f) => `customer.${f}`),
  ...PREFERENCE_FIELDS.map((f) => `customer.preferences.${f}`),
  ...PRODUCT_FIELDS.map((f) => `product.${f}`),
  ...OWNERSHIP_FIELDS.map((f) => `ownership.${f}`),
];

const NAME_SEGMENT = "[A-Za-z0-9_-]+";

export const WHERE_FIELD_PATTERN =
  `^(customer\\.(${CUSTOMER_FIELDS.map((f) => f.replace(".", "\\.")).join("|")})` +
  `|customer\\.preferences\\.(${PREFERENCE_FIELDS.map((f) => f.replace(".", "\\.")).join("|")})` +
  `|customer\\.preferences\\.topics\\.${NAME_SEGMENT}` +
  `|customer\\.attributes(\\.${NAME_SEGMENT})+` +
  `|product\\.(${PRODUCT_FIELDS.join("|")})` +
  `|ownership\\.(${OWNERSHIP_FIELDS.join("|")})` +
  `|event\\.properties(\\.${NAME_SEGMENT})+` +
  // The latest reply the run took: branch conditions after a wait_for_reply.
  "|reply\\.text)$";

const CUSTOMER_COUNT = CUSTOMER_FIELDS.length + PREFERENCE_FIELDS.length;

export const WHERE_FIELDS_TEXT = [
  ...FIXED_FIELDS.slice(0, CUSTOMER_FIELDS.length),
  // Listed compactly: the message is long enough.
  "customer.preferences.all / stayInTouch / frequency(.max, .per) / topics.<topic>",
  "customer.attributes.<name>",
  ...FIXED_FIELDS.slice(CUSTOMER_COUNT),
  "event.properties.<name>",
].join(", ");

/** Why `key` cannot be used in `where`, with a guess at what was meant. */
export function whereFieldProblem(key: string): string {
  const segments = key.split(".");
  // "event.property.size" should suggest "event.properties.size": keep the user's tail.
  const tail = segments.slice(2).join(".");
  const candidates = [...FIXED_FIELDS, ...(tail ? OPEN_PREFIXES.map((p) => `${p}.${tail}`) : [])];
  const open = OPEN_PREFIXES.find((p) => key === p || key === `${p}.`);
  if (open) {
    return `"${key}" needs a name after it, like "${open}.color" (allowed fields: ${WHERE_FIELDS_TEXT})`;
  }
  return `"${key}" is not a field a flow can check (allowed fields: ${WHERE_FIELDS_TEXT})${didYouMean(key, candidates)}`;
}

/** What a branch condition may name besides fields: the run fact, tags, ownerships and the combinators. */
export const CONDITION_WORDS = ["replied", "tagged", "owns", "all", "any", "not"] as const;

/** The only fields a `set` step may write: customer.attributes.<name>. */
export const SET_FIELD_PATTERN = `^customer\\.attributes\\.${NAME_SEGMENT}$`;

/** Why `key` cannot be set, with a guess at what was meant. */
export function setFieldProblem(key: string): string {
  const base = `"${key}" cannot be set: a flow can only set customer attributes, written customer.attributes.<name>`;
  const last = key.split(".").at(-1) ?? key;
  const fixed = `customer.attributes.${last}`;
  return new RegExp(SET_FIELD_PATTERN).test(fixed) && fixed !== key
    ? `${base}; did you mean "${fixed}"?`
    : base;
}

/** Keys of a branch condition map: a `where` field, or one of CONDITION_WORDS. */
export const CONDITION_KEY_PATTERN = `^(${CONDITION_WORDS.join("|")}|${WHERE_FIELD_PATTERN.slice(2, -2)})$`;

/** Why `key` cannot be used in a branch condition, with a guess at what was meant. */
export function conditionKeyProblem(key: string): string {
  const words = CONDITION_WORDS.join(", ");
  const guess = didYouMean(key, CONDITION_WORDS);
  if (guess) return `"${key}" is not something a branch can check (allowed: ${words}, or a field)${guess}`;
  const field = whereFieldProblem(key);
  return field.replace(
    /^("[^"]*") is not a field a flow can check \(allowed fields: /,
    `$1 is not something a branch can check (allowed: ${words}, or one of the fields `,
  );
}
