/**
 * The links a customer uses to say what mail they want, built on RAPPORT_PUBLIC_URL:
 *   unsubscribeUrl(customerId, topic?) → PUBLIC_URL/u/TOKEN  (one-click POST; GET shows a page)
 *   preferencesUrl(customerId)         → PUBLIC_URL/p/TOKEN  (the preference page)
 *
 * The base is read on every call: when it is not configured it follows the port the HTTP
 * server actually got (PORT=0 in tests), which is known only once it listens.
 */
import type { ConsentTokens } from "./tokens.js";

export interface ConsentLinks {
  readonly tokens: ConsentTokens;
  unsubscribeUrl(customerId: string, topic?: string | null): string;
  preferencesUrl(customerId: string): string;
}

export function createConsentLinks(tokens: ConsentTokens, publicUrl: () => string): ConsentLinks {
  const base = () => publicUrl().replace(/\/+$/, "");
  return {
    tokens,
    unsubscribeUrl: (customerId, topic = null) => `${base()}/u/${tokens.make(customerId, topic)}`,
    preferencesUrl: (customerId) => `${base()}/p/${tokens.make(customerId)}`,
  };
}

/**
 * The unsubscribe link of one message, or null for mail that carries none: transactional
 * mail (it answers something the customer did) and team notifications (not to the
 * customer). The List-Unsubscribe header and the template's `unsubscribeUrl` both come from
 * here, so they never disagree.
 */
export function unsubscribeUrlFor(
  message: { customerId: string; transactional: boolean; audience: string },
  links: ConsentLinks,
): string | null {
  if (message.transactional || message.audience !== "customer") return null;
  return links.unsubscribeUrl(message.customerId);
}
