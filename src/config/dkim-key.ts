/**
 * The DKIM signing key (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY_FILE): read and
 * checked once at start, so a key nodemailer could not sign with stops rapport instead
 * of sending mail unsigned. nodemailer's signer gives up silently on a key it cannot use
 * (the message then goes out without a signature), which is why every check is here.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import type { Settings } from "./settings.js";

export interface DkimKey {
  domain: string;
  selector: string;
  file: string;
  /** PKCS#8 PEM: plain text, so it crosses to the SMTP sender thread as it is. */
  privateKeyPem: string;
  bits: number;
  /** The p= value of the DNS record: the public key, SubjectPublicKeyInfo DER in base64. */
  publicKey: string;
  /** Usable, but worth fixing (a short key). */
  warnings: string[];
}

export class DkimKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DkimKeyError";
  }
}

/** RFC 8301: signers must use at least 1024 bits, should use 2048; verifiers need not go past 4096. */
export const DKIM_MIN_BITS = 1024;
export const DKIM_RECOMMENDED_BITS = 2048;
export const DKIM_MAX_VERIFIED_BITS = 4096;
/** A PEM key is a few kB; anything much larger is the wrong file. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

const HOW_TO_MAKE =
  "make one with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim.pem`";

/** Checks PEM text as a DKIM signing key; `file` only names it in the errors. */
export function parseDkimKey(
  pem: string,
  where: { file: string; domain: string; selector: string },
): DkimKey {
  const { file } = where;
  const problem = (what: string) => new DkimKeyError(`DKIM_PRIVATE_KEY_FILE=${file}: ${what}`);
  if (/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem) && !/PRIVATE KEY-----/.test(pem))
    throw problem(
      "this is a public key; rapport signs with the private key (the public one goes into DNS, `rapport doctor` prints it)",
    );
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem))
    throw problem(
      "the key is encrypted with a passphrase; rapport needs it unencrypted (`openssl pkey -in KEY -out dkim.pem`, kept readable by rapport only)",
    );
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(pem))
    throw problem(
      `expected a PEM private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----); ${HOW_TO_MAKE}`,
    );
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch (err) {
    throw problem(`not a readable private key (${(err as Error).message}); ${HOW_TO_MAKE}`);
  }
  const type = key.asymmetricKeyType;
  if (type === "ed25519")
    throw problem(
      "an Ed25519 key: nodemailer signs with rsa-sha256 only, and many receivers (Gmail among them) do not verify ed25519-sha256 signatures; use an RSA key of 2048 bits",
    );
  if (type !== "rsa")
    throw problem(`a ${type ?? "unknown"} key; DKIM here needs an RSA key (rsa-sha256). ${HOW_TO_MAKE}`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < DKIM_MIN_BITS)
    throw problem(
      `an RSA key of ${bits} bits; receivers reject DKIM keys under ${DKIM_MIN_BITS} bits (RFC 8301). ${HOW_TO_MAKE}`,
    );
  const warnings: string[] = [];
  if (bits < DKIM_RECOMMENDED_BITS)
    warnings.push(
      `the DKIM key has ${bits} bits; ${DKIM_RECOMMENDED_BITS} is recommended (RFC 8301) and some receivers treat shorter keys as weak`,
    );
  if (bits > DKIM_MAX_VERIFIED_BITS)
    warnings.push(
      `the DKIM key has ${bits} bits; receivers need only verify up to ${DKIM_MAX_VERIFIED_BITS} (RFC 8301), so some may not check it`,
    );
  const publicKey = (createPublicKey(key).export({ type: "spki", format: "der" }) as Buffer).toString(
    "base64",
  );
  return {
    domain: where.domain,
    selector: where.selector,
    file,
    privateKeyPem: key.export({ type: "pkcs8", format: "pem" }) as string,
    bits,
    publicKey,
    warnings,
  };
}

/** The configured key, read and checked; null when DKIM is not configured. */
export function loadDkimKey(
  settings: Pick<Settings, "DKIM_DOMAIN" | "DKIM_SELECTOR" | "DKIM_PRIVATE_KEY_FILE">,
): DkimKey | null {
  const { DKIM_DOMAIN: domain, DKIM_SELECTOR: selector, DKIM_PRIVATE_KEY_FILE: file } = settings;
  // loadSettings already insists on all three or none.
  if (!domain || !selector || !file) return null;
  let pem: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_KEY_FILE_BYTES)
      throw new DkimKeyError(
        `DKIM_PRIVATE_KEY_FILE=${file}: ${size} bytes, too large for a PEM key (at most ${MAX_KEY_FILE_BYTES}); is it the right file?`,
      );
    pem = readFileSync(file, "utf8");
  } catch (err) {
    if (err instanceof DkimKeyError) throw err;
    const code = (err as { code?: string }).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "not readable by this user"
          : code === "EISDIR"
            ? "a directory, not a key file"
            : (err as Error).message;
    throw new DkimKeyError(`DKIM_PRIVATE_KEY_FILE=${file}: cannot read the DKIM private key: ${why}`);
  }
  return parseDkimKey(pem, { file, domain, selector });
}

/** Where the public key is published: SELECTOR._domainkey.DOMAIN. */
export function dkimRecordName(key: Pick<DkimKey, "selector" | "domain">): string {
  return `${key.selector}._domainkey.${key.domain}`;
}

/** The TXT record's value, as one string. */
export function dkimRecordValue(key: Pick<DkimKey, "publicKey">): string {
  return `v=DKIM1; k=rsa; p=${key.publicKey}`;
}

/** A TXT record holds strings of at most 255 bytes each; receivers join them. */
export function txtStrings(value: string, size = 255): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i += size) out.push(value.slice(i, i + size));
  return out;
}

/** The record as a zone-file line: `s1._domainkey.example.com. IN TXT "v=DKIM1; …" "…"`. */
export function dkimZoneLine(key: Pick<DkimKey, "selector" | "domain" | "publicKey">): string {
  const strings = txtStrings(dkimRecordValue(key)).map((s) => `"${s}"`);
  return `${dkimRecordName(key)}. IN TXT ${strings.join(" ")}`;
}
