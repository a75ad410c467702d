/**
 * DKIM on real parts: rapport signs what it sends (SMTP to a real server, and the outbox
 * folder), and a verifier (mailauth) checks the delivered bytes against the DNS record
 * `rapport doctor` prints; the verifier's DNS is answered from that printed record, so
 * the record an operator would publish is the one proven to verify.
 */
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dkimVerify } from "mailauth";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import type { DkimSigning } from "../../src/mail/dkim-options.js";
import {
  createOutboxMailer,
  createSmtpMailer,
  type Mailer,
  SMTP_DEFAULTS,
} from "../../src/mail/transport.js";
import { type Rapport, startRapport } from "../../src/main.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { postEvent, registration, testEnv } from "../support/test-env.js";

const DOMAIN = "lyra-audio.example";
const SELECTOR = "rapport1";
const RECORD = `${SELECTOR}._domainkey.${DOMAIN}`;

function doctor(env: Record<string, string>) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "src/cli.ts", "doctor"], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

/** The h= list of the message's DKIM-Signature, lower-cased. */
function signedHeaders(raw: Buffer | string): string[] {
  const head = raw.toString("latin1").split(/\r?\n\r?\n/)[0] ?? "";
  const sig = /^DKIM-Signature:(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1] ?? "";
  const h = /\bh=([^;]*)/.exec(sig.replace(/\r?\n[ \t]/g, " "))?.[1] ?? "";
  return h
    .split(":")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

describe("DKIM", () => {
  let keyFile: string;
  let dkimEnv: Record<string, string>;
  let signing: DkimSigning;
  /** The TXT strings doctor printed for the record. */
  let published: string[];
  const resolver = async (name: string, type: string) => {
    if (name === RECORD && type === "TXT") return [published];
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
  };
  const verify = async (raw: Buffer | string) => (await dkimVerify(raw, { resolver })).results;

  let sink: SmtpSink | null = null;
  let mailer: Mailer | null = null;
  let rapport: Rapport | null = null;
  afterEach(async () => {
    await rapport?.close();
    await mailer?.close();
    await sink?.close();
    rapport = null;
    mailer = null;
    sink = null;
  });

  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-dkim-"));
    keyFile = join(dir, "dkim.pem");
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    writeFileSync(keyFile, pem, { mode: 0o600 });
    dkimEnv = { DKIM_DOMAIN: DOMAIN, DKIM_SELECTOR: SELECTOR, DKIM_PRIVATE_KEY_FILE: keyFile };
    signing = { domainName: DOMAIN, keySelector: SELECTOR, privateKey: pem };

    // The operator's view: doctor prints the record; DNS cannot be asked here (or has no such
    // record), which is a warning, not a failure.
    const { status, out } = doctor(dkimEnv);
    expect(out, out).toContain(`${RECORD}. IN TXT "v=DKIM1; k=rsa; p=`);
    expect(status, out).toBe(0);
    const line = out.split("\n").find((l) => l.includes(" IN TXT ")) ?? "";
    published = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? "");
    expect(published.length).toBeGreaterThan(1);
    expect(published.every((s) => s.length <= 255)).toBe(true);
  }, 60_000);

  it("a message rapport delivers over SMTP verifies, with its headers in the signed set", async () => {
    sink = await startSmtpSink();
    // A relationship message (the get-to-know-you question, its 3 days scaled to a moment):
    // it carries the one-click unsubscribe headers, which must be signed too.
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_WAIT_SCALE: "0.000001", ...dkimEnv },
      { flows: ["get-to-know-you"] },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    expect(rapport.mailer.describe()).toContain(`DKIM-signed as ${RECORD}`);
    expect((await postEvent(rapport.httpPort as number, registration({ id: "reg-dkim" }))).status).toBe(202);
    const [thanks] = await sink.waitFor(1);
    const raw = thanks?.raw as Buffer;

    const [result, ...more] = await verify(raw);
    expect(more).toEqual([]);
    expect(result?.status.result, result?.info).toBe("pass");
    expect(result?.signingDomain).toBe(DOMAIN);
    expect(result?.selector).toBe(SELECTOR);
    const h = signedHeaders(raw);
    for (const name of [
      "from",
      "to",
      "reply-to",
      "subject",
      "date",
      "message-id",
      "mime-version",
      "content-type",
      "list-unsubscribe",
      "list-unsubscribe-post",
    ])
      expect(h, name).toContain(name);

    // Changed in transit: the body, or the unsubscribe header, and it no longer verifies.
    const text = raw.toString("latin1");
    const bodyAt = text.search(/\r?\n\r?\n/);
    const alteredBody = `${text.slice(0, bodyAt)}${text.slice(bodyAt).replace(/Lyra/, "Lira")}`;
    expect(alteredBody).not.toBe(text);
    const [tampered] = await verify(Buffer.from(alteredBody, "latin1"));
    expect(tampered?.status.result).not.toBe("pass");
    expect(tampered?.status.comment).toMatch(/body hash did not verify/);
    const alteredHeader = text.replace("?subject=unsubscribe>", "?subject=subscribe>");
    expect(alteredHeader).not.toBe(text);
    const [forged] = await verify(Buffer.from(alteredHeader, "latin1"));
    expect(forged?.status.result).not.toBe("pass");
  });

  it("signs both one-click unsubscribe headers, through the SMTP pool and into the outbox", async () => {
    const mail = {
      from: `Lyra Audio <hello@${DOMAIN}>`,
      to: "ada@example.com",
      replyTo: `r-1@reply.${DOMAIN}`,
      subject: "News about your turntable",
      html: "<p>Hello Ada</p>",
      text: "Hello Ada",
      messageId: `<m1@reply.${DOMAIN}>`,
      headers: {
        "List-Unsubscribe": `<https://${DOMAIN}/u/TOKEN>, <mailto:r-1@reply.${DOMAIN}?subject=unsubscribe>`,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      },
    };
    sink = await startSmtpSink();
    mailer = createSmtpMailer(sink.url, { ...SMTP_DEFAULTS, poolSize: 1, dkim: signing });
    await mailer.send(mail);
    const [sent] = await sink.waitFor(1);
    const dir = mkdtempSync(join(tmpdir(), "rapport-dkim-outbox-"));
    await createOutboxMailer(dir, { dkim: signing }).send({ ...mail, messageId: `<m2@reply.${DOMAIN}>` });
    const [file] = readdirSync(dir);
    // The outbox file has unix newlines; verifiers read it as any mail program does.
    const eml = readFileSync(join(dir, file as string));

    for (const raw of [sent?.raw as Buffer, eml]) {
      const [result] = await verify(raw);
      expect(result?.status.result, result?.info).toBe("pass");
      expect(signedHeaders(raw)).toEqual(
        expect.arrayContaining(["list-unsubscribe", "list-unsubscribe-post", "from", "reply-to", "subject"]),
      );
    }
  });

  it("does not start, and doctor fails, on a key that is not a private key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-dkim-"));
    const garbage = join(dir, "garbage.pem");
    writeFileSync(garbage, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
    const env = { ...dkimEnv, DKIM_PRIVATE_KEY_FILE: garbage };
    const t = testEnv(inject("redisUrl"), env);
    await expect(startRapport({ settings: t.settings, role: "all", logger: silentLogger })).rejects.toThrow(
      /DKIM_PRIVATE_KEY_FILE=.*garbage.pem: not a readable private key/,
    );
    const { status, out } = doctor(env);
    expect(status, out).toBe(1);
    expect(out).toMatch(/problem: DKIM_PRIVATE_KEY_FILE=.*garbage.pem: not a readable private key/);
    expect(out).not.toContain("IN TXT");
  });
});
