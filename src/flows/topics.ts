/**
 * Topics: what a customer can opt in or out of ("Product news", "Birthday wishes"). The
 * brand lists them in config/rapport.yaml; flows and send steps name one (`topic:`).
 * A topic name ends up in stored preferences, tokens and URLs, so it is kept to a short,
 * safe alphabet.
 *
 * Contract: TOPIC_PATTERN (JSON-Schema-compatible regex source) is the allowed form;
 * isTopicName(text) tests it; TOPIC_RULE words it for messages.
 */

export const TOPIC_PATTERN = "^[a-z][a-z0-9_]{0,39}$";
const TOPIC_RE = new RegExp(TOPIC_PATTERN);

export const TOPIC_RULE = 'lowercase letters, digits and "_", starting with a letter (at most 40)';

export function isTopicName(text: string): boolean {
  return TOPIC_RE.test(text);
}

/** A topic as config/rapport.yaml declares it. */
export interface Topic {
  /** What the customer sees, e.g. "Product news". */
  title: string;
  /** One sentence on what they would get, for the preference page. */
  description?: string | undefined;
}
