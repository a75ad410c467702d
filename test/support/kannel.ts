/**
 * A real SMS gateway for tests: Debian's Kannel (packages kannel + kannel-extras),
 * started here as bearerbox + smsbox + fakesmsc on free loopback ports, with a generated
 * kannel.conf in a temp dir.
 *
 * fakesmsc plays the operator: every SMS Kannel sends is printed by it ("Got message N:
 * <from to text ...>"), which `sent` collects; and, because the fake SMSC acknowledges
 * every message, Kannel calls the message's dlr-url with a delivery report. `inject()`
 * types a line on fakesmsc's stdin, which arrives at Kannel as an incoming text (MO) and is
 * passed to the sms-service get-url the caller gave (rapport's inbound endpoint).
 *
 * kannelProblem() says why Kannel cannot be started here (so the suite can skip and say
 * why), or null.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "../../src/infra/embedded-redis.js";

export const KANNEL_USERNAME = "rapport";
export const KANNEL_PASSWORD = "kannel-test-password";

interface Binaries {
  bearerbox: string;
  smsbox: string;
  fakesmsc: string;
}

function firstExisting(candidates: string[]): string | null {
  for (const c of candidates) if (existsSync(c)) return c;
  return null;
}

/** fakesmsc is not on PATH: kannel-extras puts it under /usr/lib/kannel/test; dpkg -L says where. */
function fakesmscPath(): string | null {
  const known = firstExisting(["/usr/lib/kannel/test/fakesmsc", "/usr/local/lib/kannel/test/fakesmsc"]);
  if (known) return known;
  try {
    const files = execFileSync("dpkg", ["-L", "kannel-extras"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return files.split("\n").find((f) => f.endsWith("/fakesmsc") && existsSync(f)) ?? null;
  } catch {
    return null;
  }
}

function binaries(): Binaries | string {
  const bearerbox = firstExisting(["/usr/sbin/bearerbox", "/usr/local/sbin/bearerbox"]);
  const smsbox = firstExisting(["/usr/sbin/smsbox", "/usr/local/sbin/smsbox"]);
  if (!bearerbox || !smsbox)
    return "Kannel is not installed (Debian/Ubuntu: apt-get install -y kannel kannel-extras)";
  const fakesmsc = fakesmscPath();
  if (!fakesmsc)
    return "Kannel's fakesmsc is not installed (Debian/Ubuntu: apt-get install -y kannel-extras)";
  return { bearerbox, smsbox, fakesmsc };
}

/** Why Kannel cannot run here, or null when it can. */
export function kannelProblem(): string | null {
  const found = binaries();
  return typeof found === "string" ? found : null;
}

/** One SMS as the operator (fakesmsc) received it from Kannel. */
export interface OperatorSms {
  from: string;
  to: string;
  /** "text", "data" or "ucs-2", as fakesmsc prints it. */
  type: string;
  /** The message: plain for "text"; for "ucs2" and "data" decoded from fakesmsc's URL-encoding. */
  text: string;
}

export interface TestKannel {
  /** The smsbox sendsms URL: http://127.0.0.1:PORT/cgi-bin/sendsms */
  sendsmsUrl: string;
  username: string;
  password: string;
  /** What the operator received so far, in order. */
  sent(): OperatorSms[];
  /** An incoming text from a phone (MO): `from` the customer's number, `to` our number. */
  inject(from: string, to: string, text: string): void;
  /** The gateway's logs, for a failing test's message. */
  logs(): string;
  close(): Promise<void>;
}

export interface KannelOptions {
  /**
   * Where Kannel passes incoming texts: the sms-service get-url, with Kannel's escapes
   * (%p sender, %P receiver, %a text, %C charset, %I message id, %t time).
   */
  incomingUrl: string;
}

/** %XX escapes to bytes (fakesmsc's UCS-2 is UTF-16BE bytes, not UTF-8, so decodeURIComponent cannot). */
function percentBytes(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "%" && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === "+") out.push(0x20);
    else out.push(...Buffer.from(c ?? "", "utf8"));
  }
  return Buffer.from(out);
}

/** fakesmsc prints what it receives as "<from to type text>" after "Got message N: ". */
export function parseOperatorLine(line: string): OperatorSms | null {
  const m = /Got message \d+: <(\S+) (\S+) (\S+) (.*)>\s*$/.exec(line);
  if (!m) return null;
  const [, from = "", to = "", type = "", body = ""] = m;
  let text = body;
  if (type === "ucs2" || type === "ucs-2") {
    text = percentBytes(body).swap16().toString("utf16le");
  } else if (type === "data") {
    text = percentBytes(body).toString("latin1");
  }
  return { from, to, type, text };
}

/** Resolves true once smsbox answers its sendsms port over HTTP (any status). */
async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

interface Child {
  proc: ChildProcess;
  exited: Promise<void>;
  isExited(): boolean;
}

function launch(
  bin: string,
  args: string[],
  onOutput: (chunk: string) => void,
  stdin: "pipe" | "ignore",
): Child {
  const proc = spawn(bin, args, { stdio: [stdin, "pipe", "pipe"] });
  proc.stdout?.on("data", (d: Buffer) => onOutput(d.toString()));
  proc.stderr?.on("data", (d: Buffer) => onOutput(d.toString()));
  let exited = false;
  // Should the test process end without close(), the gateway goes with it.
  const killOnExit = () => proc.kill("SIGKILL");
  process.once("exit", killOnExit);
  const done = new Promise<void>((resolve) =>
    proc.once("exit", () => {
      exited = true;
      process.off("exit", killOnExit);
      resolve();
    }),
  );
  return { proc, exited: done, isExited: () => exited };
}

async function stopChild(child: Child): Promise<void> {
  if (child.isExited()) return;
  child.proc.kill("SIGTERM");
  const timeout = setTimeout(() => child.proc.kill("SIGKILL"), 5000);
  await child.exited;
  clearTimeout(timeout);
}

export async function startKannel(opts: KannelOptions): Promise<TestKannel> {
  const found = binaries();
  if (typeof found === "string") throw new Error(found);
  const dir = mkdtempSync(join(tmpdir(), "rapport-kannel-"));
  // Distinct: bearerbox fails to start when two of its ports are the same.
  const [adminPort, boxPort, smscPort, sendsmsPort] = (await freePorts(4)) as [
    number,
    number,
    number,
    number,
  ];
  const bearerLog = join(dir, "bearerbox.log");
  const smsboxLog = join(dir, "smsbox.log");
  // Kannel's config strings are double-quoted; the get-url holds no quote of its own.
  if (opts.incomingUrl.includes('"'))
    throw new Error(`incomingUrl must not contain '"': ${opts.incomingUrl}`);
  const config = `# generated by test/support/kannel.ts
group = core
admin-port = ${adminPort}
admin-interface = 127.0.0.1
admin-password = "${KANNEL_PASSWORD}"
smsbox-port = ${boxPort}
box-allow-ip = "127.0.0.1"
log-file = "${bearerLog}"
log-level = 1
dlr-storage = internal
store-type = spool
store-location = "${join(dir, "store")}"

group = smsc
smsc = fake
smsc-id = fake
port = ${smscPort}
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${boxPort}
sendsms-port = ${sendsmsPort}
sendsms-interface = 127.0.0.1
log-file = "${smsboxLog}"
log-level = 1
# Incoming UCS-2 texts are handed on as UTF-8 where they can be.
mo-recode = true

group = sendsms-user
username = "${KANNEL_USERNAME}"
password = "${KANNEL_PASSWORD}"
max-messages = 10
concatenation = true

group = sms-service
keyword = default
catch-all = true
get-url = "${opts.incomingUrl}"
# rapport answers (STOP's confirmation, HELP) through sendsms; the get-url's body is not a reply.
max-messages = 0
`;
  mkdirSync(join(dir, "store"));
  const configPath = join(dir, "kannel.conf");
  writeFileSync(configPath, config);

  let output = "";
  const collect = (chunk: string) => {
    output += chunk;
  };
  const received: OperatorSms[] = [];
  let partial = "";
  const operatorOutput = (chunk: string) => {
    output += chunk;
    partial += chunk;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      const sms = parseOperatorLine(line);
      if (sms) received.push(sms);
    }
  };

  const children: Child[] = [];
  const logs = () => {
    const read = (p: string) => (existsSync(p) ? readFileSync(p, "utf8") : "");
    return `${output}\n--- bearerbox.log\n${read(bearerLog)}\n--- smsbox.log\n${read(smsboxLog)}`;
  };
  const stop = async () => {
    // fakesmsc and smsbox first: bearerbox would otherwise wait for its boxes.
    for (const c of [...children].reverse()) await stopChild(c);
    rmSync(dir, { recursive: true, force: true });
  };
  const bearerSays = (text: string) =>
    existsSync(bearerLog) && readFileSync(bearerLog, "utf8").includes(text);
  const deadline = Date.now() + 20_000;
  /** Polls until ready(); a box that exits or a minute's silence fails with the logs. */
  const waitUntil = async (ready: () => Promise<boolean> | boolean, what: string) => {
    while (!(await ready())) {
      if (children.some((c) => c.isExited()) || Date.now() > deadline) {
        const why = logs();
        await stop();
        throw new Error(`Kannel did not start (${what}):\n${why}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  // smsbox and fakesmsc give up when bearerbox is not listening yet: start it first.
  children.push(launch(found.bearerbox, ["-v", "1", configPath], collect, "ignore"));
  await waitUntil(() => bearerSays("Start-up done"), "bearerbox start-up");
  children.push(launch(found.smsbox, ["-v", "1", configPath], collect, "ignore"));
  // -m: the most texts fakesmsc will send; they come only from its stdin (inject), so a big number.
  const fakesmsc = launch(
    found.fakesmsc,
    ["-H", "127.0.0.1", "-r", String(smscPort), "-m", "1000000"],
    operatorOutput,
    "pipe",
  );
  children.push(fakesmsc);
  const sendsmsUrl = `http://127.0.0.1:${sendsmsPort}/cgi-bin/sendsms`;
  await waitUntil(() => bearerSays("Fakesmsc client connected"), "fakesmsc connecting to bearerbox");
  await waitUntil(() => answers(sendsmsUrl), `smsbox answering ${sendsmsUrl}`);
  await waitUntil(() => bearerSays("Client connected from"), "smsbox connecting to bearerbox");

  return {
    sendsmsUrl,
    username: KANNEL_USERNAME,
    password: KANNEL_PASSWORD,
    sent: () => [...received],
    inject: (from, to, text) => {
      // fakesmsc's line format: "sender receiver type text"; "ucs2" carries any character.
      const units = Buffer.from(text, "utf16le").swap16();
      let encoded = "";
      for (const b of units) encoded += `%${b.toString(16).padStart(2, "0").toUpperCase()}`;
      fakesmsc.proc.stdin?.write(`${from} ${to} ucs2 ${encoded}\n`);
    },
    logs,
    close: stop,
  };
}
