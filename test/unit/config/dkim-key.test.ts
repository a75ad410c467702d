import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  dkimRecordName,
  dkimRecordValue,
  dkimZoneLine,
  loadDkimKey,
  parseDkimKey,
  txtStrings,
} from "../../../src/config/dkim-key.js";
import { loadSettings } from "../../../src/config/settings.js";

const where = { file: "dkim.pem", domain: "lyra-audio.example", selector: "s1" };
const rsaPem = (bits: number, type: "pkcs8" | "pkcs1" = "pkcs8") =>
  generateKeyPairSync("rsa", { modulusLength: bits }).privateKey.export({ type, format: "pem" }) as string;

describe("DKIM settings", () => {
  it("takes all three or none, naming what is missing", () => {
    expect(loadSettings({}).DKIM_DOMAIN).toBeUndefined();
    const all = loadSettings({
      DKIM_DOMAIN: "lyra-audio.example",
      DKIM_SELECTOR: "rapport2026",
      DKIM_PRIVATE_KEY_FILE: "/etc/rapport/dkim.pem",
    });
    expect(all.DKIM_SELECTOR).toBe("rapport2026");
    expect(() => loadSettings({ DKIM_DOMAIN: "lyra-audio.example" })).toThrow(
      /DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE: missing; DKIM signing needs all of/,
    );
    expect(() => loadSettings({ DKIM_SELECTOR: "s1", DKIM_DOMAIN: "lyra-audio.example" })).toThrow(
      /DKIM_PRIVATE_KEY_FILE: missing/,
    );
  });

  it("refuses a domain or selector DNS could not hold", () => {
    const base = { DKIM_DOMAIN: "lyra-audio.example", DKIM_SELECTOR: "s1", DKIM_PRIVATE_KEY_FILE: "k.pem" };
    expect(() => loadSettings({ ...base, DKIM_DOMAIN: "https://lyra-audio.example" })).toThrow(
      /DKIM_DOMAIN="https:\/\/lyra-audio.example": expected the signing domain/,
    );
    expect(() => loadSettings({ ...base, DKIM_SELECTOR: "my selector" })).toThrow(
      /DKIM_SELECTOR="my selector": expected a selector/,
    );
  });
});

describe("DKIM key", () => {
  it("takes an RSA key in PKCS#8 or PKCS#1 PEM and derives the DNS record", () => {
    const key = parseDkimKey(rsaPem(2048), where);
    expect(key.bits).toBe(2048);
    expect(key.warnings).toEqual([]);
    expect(parseDkimKey(rsaPem(2048, "pkcs1"), where).bits).toBe(2048);
    expect(dkimRecordName(key)).toBe("s1._domainkey.lyra-audio.example");
    expect(dkimRecordValue(key)).toBe(`v=DKIM1; k=rsa; p=${key.publicKey}`);
    // A 2048-bit key's record is longer than one TXT string can hold.
    const line = dkimZoneLine(key);
    const strings = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? "");
    expect(line.startsWith('s1._domainkey.lyra-audio.example. IN TXT "v=DKIM1; k=rsa; p=')).toBe(true);
    expect(strings.length).toBe(2);
    expect(strings.every((s) => s.length <= 255)).toBe(true);
    expect(strings.join("")).toBe(dkimRecordValue(key));
  });

  it("warns under 2048 bits and refuses under 1024", () => {
    expect(parseDkimKey(rsaPem(1024), where).warnings).toEqual([expect.stringMatching(/1024 bits; 2048/)]);
    expect(() => parseDkimKey(rsaPem(512), where)).toThrow(
      /DKIM_PRIVATE_KEY_FILE=dkim.pem: an RSA key of 512 bits; receivers reject DKIM keys under 1024/,
    );
  });

  it("says why it refuses Ed25519, EC, public, encrypted and garbage keys", () => {
    const ed = generateKeyPairSync("ed25519");
    expect(() =>
      parseDkimKey(ed.privateKey.export({ type: "pkcs8", format: "pem" }) as string, where),
    ).toThrow(/an Ed25519 key: nodemailer signs with rsa-sha256 only/);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    expect(() =>
      parseDkimKey(ec.privateKey.export({ type: "sec1", format: "pem" }) as string, where),
    ).toThrow(/a ec key; DKIM here needs an RSA key/);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    expect(() =>
      parseDkimKey(rsa.publicKey.export({ type: "spki", format: "pem" }) as string, where),
    ).toThrow(/this is a public key/);
    const encrypted = rsa.privateKey.export({
      type: "pkcs8",
      format: "pem",
      cipher: "aes-256-cbc",
      passphrase: "secret",
    }) as string;
    expect(() => parseDkimKey(encrypted, where)).toThrow(/encrypted with a passphrase/);
    expect(() => parseDkimKey("not a key\n", where)).toThrow(
      /DKIM_PRIVATE_KEY_FILE=dkim.pem: expected a PEM private key/,
    );
    const broken = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    expect(() => parseDkimKey(broken, where)).toThrow(/not a readable private key/);
  });

  it("reads the file named by the settings, and names it when it cannot", () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-dkim-"));
    const file = join(dir, "dkim.pem");
    writeFileSync(file, rsaPem(2048));
    const settings = { DKIM_DOMAIN: "lyra-audio.example", DKIM_SELECTOR: "s1", DKIM_PRIVATE_KEY_FILE: file };
    expect(loadDkimKey(settings)?.file).toBe(file);
    expect(
      loadDkimKey({ DKIM_DOMAIN: undefined, DKIM_SELECTOR: undefined, DKIM_PRIVATE_KEY_FILE: undefined }),
    ).toBe(null);
    expect(() => loadDkimKey({ ...settings, DKIM_PRIVATE_KEY_FILE: join(dir, "nope.pem") })).toThrow(
      /nope.pem: cannot read the DKIM private key: no such file/,
    );
    mkdirSync(join(dir, "folder"));
    expect(() => loadDkimKey({ ...settings, DKIM_PRIVATE_KEY_FILE: join(dir, "folder") })).toThrow(
      /cannot read the DKIM private key: a directory/,
    );
  });

  it("splits a TXT value into strings of at most 255 characters", () => {
    expect(txtStrings("a".repeat(600))).toEqual(["a".repeat(255), "a".repeat(255), "a".repeat(90)]);
    expect(txtStrings("short")).toEqual(["short"]);
  });
});
