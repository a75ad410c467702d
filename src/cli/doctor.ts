/**
 * `rapport doctor`: checks what can be checked without sending anything, and says what
 * to do about it. Today: the settings, and DKIM (the key, the DNS record to publish,
 * whether DNS has it, whether brand.from's domain lines up with the signing domain).
 * A problem (a broken setting or key, a different key in DNS) makes it exit 1; a
 * warning (no DKIM yet, a short key, DNS not reachable from here) does not.
 */
import { Resolver } from "node:dns/promises";
import { join } from "node:path";
import { addressOf, loadBrand } from "../config/brand.js";
import {
  type DkimKey,
  DkimKeyError,
  dkimRecordName,
  dkimRecordValue,
  dkimZoneLine,
  loadDkimKey,
} from "../config/dkim-key.js";
import { loadSettings, SettingsError } from "../config/settings.js";

/** The DNS look-ups doctor makes; injected so tests answer them. */
export interface DoctorDns {
  resolveTxt(name: string): Promise<string[][]>;
  /** Only whether the name exists in DNS matters (ENODATA: it does, without an SOA). */
  resolveSoa(name: string): Promise<unknown>;
}

export interface DoctorOptions {
  env: Record<string, string | undefined>;
  configDir: string;
  dns: DoctorDns;
  out: (line: string) => void;
}

export interface DoctorResult {
  problems: number;
  warnings: number;
}

export function systemDns(timeoutMs = 5000): DoctorDns {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  return {
    resolveTxt: (name) => resolver.resolveTxt(name),
    resolveSoa: (name) => resolver.resolveSoa(name),
  };
}

const codeOf = (err: unknown) => String((err as { code?: unknown })?.code ?? (err as Error)?.message ?? err);
const NO_SUCH_NAME = new Set(["ENOTFOUND", "ENODATA"]);

/** The tags of a TXT record (`v=DKIM1; k=rsa; p=…`), the p= value without whitespace. */
function tagsOf(record: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of record.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).replace(/\s+/g, ""));
  }
  return tags;
}

type Report = (kind: "ok" | "warning" | "problem" | "info", text: string) => void;

async function checkPublished(key: DkimKey, dns: DoctorDns, report: Report): Promise<void> {
  const name = dkimRecordName(key);
  let records: string[][];
  try {
    records = await dns.resolveTxt(name);
  } catch (err) {
    const code = codeOf(err);
    if (!NO_SUCH_NAME.has(code)) {
      report("warning", `could not check DNS for ${name} (${code}); check it yourself: dig TXT ${name}`);
      return;
    }
    // "No such name" from a resolver that knows nothing at all is no answer: ask for the domain itself.
    const domainKnown = await dns.resolveSoa(key.domain).then(
      () => true,
      (e: unknown) => codeOf(e) === "ENODATA",
    );
    if (domainKnown)
      report(
        "warning",
        `DNS has no record at ${name} yet: receivers fail every signature until the record above is published`,
      );
    else
      report(
        "warning",
        `could not check DNS: ${key.domain} itself is unknown to the resolver here (no DNS from this machine, or the domain is not registered); check it yourself: dig TXT ${name}`,
      );
    return;
  }
  const dkimRecords = records.map((strings) => tagsOf(strings.join(""))).filter((t) => t.has("p"));
  if (dkimRecords.length === 0) {
    report("problem", `${name} has TXT records but none is a DKIM key (no p= tag); publish the record above`);
    return;
  }
  if (dkimRecords.some((t) => t.get("p") === key.publicKey)) {
    report("ok", `the record published at ${name} matches the key`);
    return;
  }
  const published = dkimRecords.map((t) => t.get("p") ?? "");
  report(
    "problem",
    published.every((p) => p === "")
      ? `the key at ${name} is revoked (empty p=): every signature with this selector fails; use a new selector`
      : `${name} publishes a different key (p=${(published[0] ?? "").slice(0, 24)}…): every signature fails until the record above replaces it (or DKIM_SELECTOR names the published key's selector)`,
  );
}

/** DMARC passes on DKIM only when the From domain and the signing domain line up (relaxed alignment, roughly). */
async function checkAlignment(key: DkimKey, configDir: string, report: Report): Promise<void> {
  let fromDomain: string;
  try {
    const brand = await loadBrand(join(configDir, "rapport.yaml"));
    fromDomain = (addressOf(brand.from).split("@")[1] ?? "").toLowerCase();
  } catch {
    report(
      "info",
      `could not read the brand settings in ${configDir} to compare brand.from (see rapport validate)`,
    );
    return;
  }
  const d = key.domain.toLowerCase();
  if (fromDomain === d || fromDomain.endsWith(`.${d}`) || d.endsWith(`.${fromDomain}`))
    report("ok", `brand.from (${fromDomain}) is aligned with the signing domain ${d}`);
  else
    report(
      "warning",
      `brand.from is at ${fromDomain} but DKIM_DOMAIN is ${d}: DMARC needs them aligned, so the signature will not count for ${fromDomain}`,
    );
}

async function checkDkim(
  settings: ReturnType<typeof loadSettings>,
  opts: DoctorOptions,
  report: Report,
): Promise<void> {
  let key: DkimKey | null;
  try {
    key = loadDkimKey(settings);
  } catch (err) {
    if (!(err instanceof DkimKeyError)) throw err;
    report("problem", err.message);
    return;
  }
  if (!key) {
    report(
      "warning",
      "DKIM is not configured: mail goes out unsigned, and bulk mail without a signature lands in spam or is refused. Make a key (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim.pem`), set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE, and run rapport doctor again",
    );
    return;
  }
  report(
    "ok",
    `DKIM key: RSA, ${key.bits} bits, from ${key.file}; every message is signed as d=${key.domain} s=${key.selector}`,
  );
  for (const w of key.warnings) report("warning", w);
  report(
    "info",
    [
      `publish this DNS TXT record (zone-file form; in a provider's web form the name is ${dkimRecordName(key)} and the value the strings joined):`,
      `  ${dkimZoneLine(key)}`,
    ].join("\n"),
  );
  // The value again, whole: some forms want it in one piece, and a wrapped terminal breaks the line above.
  report("info", `record value: ${dkimRecordValue(key)}`);
  await checkAlignment(key, opts.configDir, report);
  await checkPublished(key, opts.dns, report);
}

export async function runDoctor(opts: DoctorOptions): Promise<DoctorResult> {
  const result: DoctorResult = { problems: 0, warnings: 0 };
  const report: Report = (kind, text) => {
    if (kind === "problem") result.problems++;
    if (kind === "warning") result.warnings++;
    opts.out(kind === "info" ? text : `${kind}: ${text}`);
  };
  let settings: ReturnType<typeof loadSettings>;
  try {
    settings = loadSettings(opts.env);
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    for (const p of err.problems) report("problem", p);
    opts.out(`\n${result.problems} problem(s) found.`);
    return result;
  }
  report("ok", "settings are valid");
  await checkDkim(settings, opts, report);
  opts.out(
    result.problems > 0
      ? `\n${result.problems} problem(s) found.`
      : `\nno problems${result.warnings > 0 ? ` (${result.warnings} warning(s))` : ""}.`,
  );
  return result;
}
