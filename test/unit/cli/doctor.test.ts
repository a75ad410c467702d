/** `rapport doctor` with DNS answered by the test: each thing DNS can say about the record. */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type DoctorDns, runDoctor } from "../../../src/cli/doctor.js";
import { loadDkimKey, txtStrings } from "../../../src/config/dkim-key.js";

const dnsError = (code: string) => Object.assign(new Error(`queryTxt ${code}`), { code });
const NAME = "s1._domainkey.lyra-audio.example";

describe("rapport doctor", () => {
  let env: Record<string, string>;
  let publicKey: string;
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-doctor-"));
    const file = join(dir, "dkim.pem");
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }));
    env = { DKIM_DOMAIN: "lyra-audio.example", DKIM_SELECTOR: "s1", DKIM_PRIVATE_KEY_FILE: file };
    publicKey = (loadDkimKey(env) as { publicKey: string }).publicKey;
  });

  async function doctor(dns: DoctorDns, over: Record<string, string> = {}) {
    const lines: string[] = [];
    const result = await runDoctor({
      env: { ...env, ...over },
      configDir: resolve("config"),
      dns,
      out: (l) => lines.push(l),
    });
    return { ...result, text: lines.join("\n") };
  }
  const txt = (records: string[][]): DoctorDns => ({
    resolveTxt: async (name) => {
      if (name !== NAME) throw dnsError("ENOTFOUND");
      return records;
    },
    resolveSoa: async () => ({}),
  });

  it("prints the record and finds it published", async () => {
    const r = await doctor(txt([txtStrings(`v=DKIM1; k=rsa; p=${publicKey}`)]));
    expect(r.problems).toBe(0);
    expect(r.text).toContain(`${NAME}. IN TXT "v=DKIM1; k=rsa; p=`);
    expect(r.text).toContain(`ok: the record published at ${NAME} matches the key`);
    // brand.from in the shipped config is at lyra-audio.example.
    expect(r.text).toContain("is aligned with the signing domain lyra-audio.example");
  });

  it("fails on a different key in DNS, and on a revoked one", async () => {
    const other = await doctor(
      txt([["v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAother"]]),
    );
    expect(other.problems).toBe(1);
    expect(other.text).toMatch(/problem: s1._domainkey.lyra-audio.example publishes a different key/);
    const revoked = await doctor(txt([["v=DKIM1; p="]]));
    expect(revoked.text).toMatch(/problem: .* is revoked/);
  });

  it("tells a record not yet published from DNS it cannot reach, and passes both", async () => {
    const unpublished = await doctor({
      resolveTxt: async () => {
        throw dnsError("ENOTFOUND");
      },
      resolveSoa: async () => ({ nsname: "ns1.lyra-audio.example" }),
    });
    expect(unpublished.problems).toBe(0);
    expect(unpublished.text).toContain(`warning: DNS has no record at ${NAME} yet`);

    const noDns = await doctor({
      resolveTxt: async () => {
        throw dnsError("ENOTFOUND");
      },
      resolveSoa: async () => {
        throw dnsError("ENOTFOUND");
      },
    });
    expect(noDns.problems).toBe(0);
    expect(noDns.text).toContain("warning: could not check DNS: lyra-audio.example itself is unknown");

    const refused = await doctor({
      resolveTxt: async () => {
        throw dnsError("ECONNREFUSED");
      },
      resolveSoa: async () => ({}),
    });
    expect(refused.problems).toBe(0);
    expect(refused.text).toContain(`warning: could not check DNS for ${NAME} (ECONNREFUSED)`);
  });

  it("fails on a broken key or incomplete settings, and only warns without DKIM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-doctor-"));
    writeFileSync(join(dir, "bad.pem"), "garbage\n");
    const broken = await doctor(txt([]), { DKIM_PRIVATE_KEY_FILE: join(dir, "bad.pem") });
    expect(broken.problems).toBe(1);
    expect(broken.text).toMatch(/problem: DKIM_PRIVATE_KEY_FILE=.*bad.pem: expected a PEM private key/);
    expect(broken.text).not.toContain("IN TXT");

    const lines: string[] = [];
    const partial = await runDoctor({
      env: { DKIM_DOMAIN: "lyra-audio.example" },
      configDir: resolve("config"),
      dns: txt([]),
      out: (l) => lines.push(l),
    });
    expect(partial.problems).toBe(1);
    expect(lines.join("\n")).toMatch(/DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE: missing/);

    const none = await runDoctor({ env: {}, configDir: resolve("config"), dns: txt([]), out: () => {} });
    expect(none).toEqual({ problems: 0, warnings: 1 });
  });
});
