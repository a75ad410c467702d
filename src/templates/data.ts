/**
 * What every template sees: the contract between the delivery job (which builds it,
 * src/jobs/template-data.ts) and the templates in config/templates (which read it).
 *
 * `templateVariables` describes the same shape for the variable check (variables.ts):
 * it is the one list of paths a template may use. Adding a field (e.g. ownerAddress,
 * replyAddress) means adding it to `TemplateData` and to `templateVariables`; the
 * `satisfies` below fails the type-check when the two disagree.
 */

export interface TemplateData {
  customer: {
    email: string;
    name: string | null;
    firstName: string | null;
    locale: string | null;
    timezone: string | null;
    /** ISO date, YYYY-MM-DD. */
    birthday: string | null;
    attributes: Record<string, unknown>;
    /**
     * What the customer chose (src/consent/preferences.ts, preferenceView): topics they
     * chose something for (name → on/off), their own limit or null, stayInTouch, and all
     * (false: they stopped everything but transactional mail).
     */
    preferences: {
      topics: Record<string, boolean>;
      frequency: { max: number; per: string } | null;
      stayInTouch: boolean;
      all: boolean;
    };
  };
  product: { sku: string; name: string | null; category: string | null; serial: string | null } | null;
  brand: {
    name: string;
    fromAddress: string;
    postalAddress: string;
    publicUrl: string;
    supportAddress: string | null;
  };
  event: { type: string; properties: Record<string, unknown> } | null;
  /** The outbox row id, e.g. for tracking links. */
  message: { id: string };
  /** The owner-only address of this product's owner (`reply+…@replyDomain`); null without a product. For `mailto:`. */
  ownerAddress: string | null;
  /**
   * The same with its display name, for showing: `Lyra RD 2780 owners' desk <reply+…@…>`
   * (quoted where the product name needs it, so it can be copied into a To: line as is).
   */
  ownerMailbox: string | null;
  /** Where a reply to this message goes (its Reply-To). */
  replyAddress: string;
  /**
   * The customer's page for choosing which emails they get (`PUBLIC_URL/p/TOKEN`): the
   * footer's "Manage your emails" link.
   */
  preferencesUrl: string;
  /**
   * The unsubscribe page (`PUBLIC_URL/u/TOKEN`; opening it never unsubscribes by itself, its
   * button does), also in the List-Unsubscribe header. Null in transactional mail and team
   * notifications, which carry no unsubscribe link: use it inside `{{#if unsubscribeUrl}}`.
   */
  unsubscribeUrl: string | null;
}

/**
 * One node of the variable tree: a leaf value, a bag whose keys only the data knows
 * (attributes, properties: any child path is accepted), or an object with known fields.
 */
export type VariableShape = "value" | "dynamic" | VariableFields;
export interface VariableFields {
  readonly [field: string]: VariableShape;
}

/** The variable tree that `T` must have: every field described, nothing more. */
export type VariableTreeOf<T> = {
  readonly [K in keyof T]-?: NonNullable<T[K]> extends object
    ? string extends keyof NonNullable<T[K]>
      ? "dynamic"
      : VariableTreeOf<NonNullable<T[K]>>
    : "value";
};

export const templateVariables = {
  customer: {
    email: "value",
    name: "value",
    firstName: "value",
    locale: "value",
    timezone: "value",
    birthday: "value",
    attributes: "dynamic",
    preferences: {
      topics: "dynamic",
      frequency: { max: "value", per: "value" },
      stayInTouch: "value",
      all: "value",
    },
  },
  product: { sku: "value", name: "value", category: "value", serial: "value" },
  brand: {
    name: "value",
    fromAddress: "value",
    postalAddress: "value",
    publicUrl: "value",
    supportAddress: "value",
  },
  event: { type: "value", properties: "dynamic" },
  message: { id: "value" },
  ownerAddress: "value",
  ownerMailbox: "value",
  replyAddress: "value",
  preferencesUrl: "value",
  unsubscribeUrl: "value",
} as const satisfies VariableTreeOf<TemplateData>;

/** Every known path, flattened (`customer.attributes.*` for dynamic bags); for messages and docs. */
export function knownVariablePaths(tree: VariableFields = templateVariables, prefix = ""): string[] {
  const out: string[] = [];
  for (const [key, shape] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (shape === "value") out.push(path);
    else if (shape === "dynamic") out.push(`${path}.*`);
    else out.push(...knownVariablePaths(shape, path));
  }
  return out;
}
