/**
 * The Handlebars environment templates run in: an isolated `Handlebars.create()` (no
 * global helpers or partials leak in or out) with the few helpers marketing needs.
 *
 *   {{default customer.firstName "there"}}       the fallback when the value is null/empty
 *   {{formatDate customer.birthday}}             "10 December 1990" (customer.locale, else en-GB)
 *   {{formatDate event.properties.at style="medium" locale="de-DE"}}
 *   {{address brand.supportAddress}}             "care@lyra-audio.example" out of "Name <care@…>"
 *
 * Helpers are pure: no clock, no I/O, so a message renders the same every time.
 * `templateHelperNames` is what the variable check accepts as helper names.
 */
import Handlebars from "handlebars";
import { addressOf } from "../config/brand.js";

export const templateHandlebars = Handlebars.create();

const FALLBACK_LOCALE = "en-GB";
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_STYLES = new Set(["full", "long", "medium", "short"]);

/** Handlebars passes its options object last; every helper here needs it to count its arguments. */
function splitArgs(args: unknown[]): { params: unknown[]; options: Handlebars.HelperOptions } {
  return { params: args.slice(0, -1), options: args[args.length - 1] as Handlebars.HelperOptions };
}

function isBlank(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === "string" && value.trim() === "");
}

function rootData(options: Handlebars.HelperOptions): Record<string, unknown> {
  const root: unknown = options.data?.root;
  return typeof root === "object" && root !== null ? (root as Record<string, unknown>) : {};
}

function customerSetting(options: Handlebars.HelperOptions, key: "locale" | "timezone"): string | null {
  const customer = rootData(options).customer;
  if (typeof customer !== "object" || customer === null) return null;
  const value = (customer as Record<string, unknown>)[key];
  return typeof value === "string" && value ? value : null;
}

/** Intl throws RangeError on a malformed locale or zone from customer data; a message should still go out. */
function dateFormatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat(locale, options);
  } catch {
    try {
      return new Intl.DateTimeFormat(FALLBACK_LOCALE, options);
    } catch {
      return new Intl.DateTimeFormat(FALLBACK_LOCALE, { ...options, timeZone: "UTC" });
    }
  }
}

export function formatDateHelper(...args: unknown[]): string {
  const { params, options } = splitArgs(args);
  const [value] = params;
  if (params.length !== 1) throw new Error("formatDate takes one date: {{formatDate customer.birthday}}");
  if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
    throw new Error(
      `formatDate: expected an ISO date like "2026-12-06", got ${JSON.stringify(value) ?? "nothing"}`,
    );
  }
  const hash = options.hash as Record<string, unknown>;
  const style = typeof hash.style === "string" ? hash.style : "long";
  if (!DATE_STYLES.has(style))
    throw new Error(`formatDate: style must be full, long, medium or short, not "${style}"`);
  const locale =
    typeof hash.locale === "string" ? hash.locale : (customerSetting(options, "locale") ?? FALLBACK_LOCALE);
  const dateOnly = DATE_ONLY.test(value);
  // A calendar date has no zone: read and print it in UTC so "2026-12-06" never becomes the 5th.
  const date = new Date(dateOnly ? `${value}T00:00:00Z` : value);
  if (dateOnly && date.toISOString().slice(0, 10) !== value)
    throw new Error(`formatDate: "${value}" is not a real date`);
  const timeZone = dateOnly
    ? "UTC"
    : typeof hash.timezone === "string"
      ? hash.timezone
      : (customerSetting(options, "timezone") ?? "UTC");
  return dateFormatter(locale, {
    dateStyle: style as Intl.DateTimeFormatOptions["dateStyle"],
    timeZone,
  }).format(date);
}

export function defaultHelper(...args: unknown[]): unknown {
  const { params } = splitArgs(args);
  if (params.length !== 2)
    throw new Error('default takes a value and a fallback: {{default customer.firstName "there"}}');
  return isBlank(params[0]) ? params[1] : params[0];
}

export function addressHelper(...args: unknown[]): string {
  const { params } = splitArgs(args);
  const [mailbox] = params;
  if (params.length !== 1 || typeof mailbox !== "string" || !mailbox.includes("@")) {
    throw new Error(`address: expected an email address, got ${JSON.stringify(mailbox) ?? "nothing"}`);
  }
  return addressOf(mailbox);
}

templateHandlebars.registerHelper("default", defaultHelper);
templateHandlebars.registerHelper("formatDate", formatDateHelper);
templateHandlebars.registerHelper("address", addressHelper);

/** Built-ins (if, each, with, unless, lookup, log) and ours; the internal *Missing hooks are not for templates. */
export const templateHelperNames: ReadonlySet<string> = new Set(
  Object.keys(templateHandlebars.helpers).filter((name) => !name.endsWith("Missing")),
);
