/**
 * A real IMAP server for tests: Debian's dovecot (package dovecot-imapd), started here
 * with a generated configuration in a temp dir, on a free loopback port, plain text
 * login without TLS, maildirs in the temp dir. Any user name logs in with the password
 * below and gets an empty mailbox of its own, so each test takes a fresh user and no
 * two tests share state. As root, dovecot's login and mail processes run as its
 * unprivileged users (dovenull, nobody); as anyone else, everything runs as that user.
 *
 * dovecotProblem() says why the server cannot be started here (so the suite can skip
 * and say why), or null.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

export const IMAP_TEST_PASSWORD = "imap-test-password";
/** Dovecot first answers "Waiting for authentication process" while auth starts; this comes once it is ready. */
const GREETING = "rapport test IMAP ready";

const CANDIDATES = ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot", "/opt/homebrew/sbin/dovecot"];

function dovecotBinary(): string | null {
  for (const c of CANDIDATES) if (existsSync(c)) return c;
  try {
    return execFileSync("sh", ["-c", "command -v dovecot"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

function idOf(flag: "-u" | "-g" | "-gn", user?: string): string {
  return execFileSync("id", user ? [flag, user] : [flag], { encoding: "utf8" }).trim();
}

/** Why dovecot cannot run here, or null when it can. */
export function dovecotProblem(): string | null {
  const bin = dovecotBinary();
  if (!bin) return "dovecot is not installed (Debian/Ubuntu: apt-get install -y dovecot-imapd)";
  let version: string;
  try {
    version = execFileSync(bin, ["--version"], { encoding: "utf8" }).trim();
  } catch (err) {
    return `${bin} --version failed: ${(err as Error).message}`;
  }
  // The generated configuration uses dovecot 2.3's syntax; 2.4 changed it throughout.
  if (!version.startsWith("2.3.")) return `dovecot ${version} found; these tests need dovecot 2.3`;
  if (process.getuid?.() === 0) {
    for (const user of ["dovenull", "dovecot", "nobody"]) {
      try {
        idOf("-u", user);
      } catch {
        return `running as root needs the system user ${user}, which dovecot's package creates`;
      }
    }
  }
  return null;
}

export interface TestImapServer {
  port: number;
  /** imap://user:password@127.0.0.1:port/mailbox for a user of its own. */
  url(user: string, mailbox?: string): string;
  /** The connection settings imapflow needs, for a test's own client. */
  client(user: string): {
    host: string;
    port: number;
    secure: false;
    auth: { user: string; pass: string };
    logger: false;
  };
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves to true once the server sends its ready greeting (not only "waiting for auth"). */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    let seen = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on("data", (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(GREETING)) done(true);
    });
    socket.once("error", () => done(false));
    socket.once("end", () => done(false));
  });
}

export async function startDovecot(): Promise<TestImapServer> {
  const bin = dovecotBinary();
  if (!bin) throw new Error("dovecot is not installed");
  const dir = mkdtempSync(join(tmpdir(), "rapport-imap-"));
  const port = await freePort();
  const root = process.getuid?.() === 0;
  let loginUser: string;
  let internalUser: string;
  let internalGroup: string;
  let mailUid: number;
  let mailGid: number;
  if (root) {
    loginUser = "dovenull";
    internalUser = "dovecot";
    internalGroup = idOf("-gn", "dovecot");
    mailUid = Number(idOf("-u", "nobody"));
    mailGid = Number(idOf("-g", "nobody"));
  } else {
    const me = userInfo();
    loginUser = me.username;
    internalUser = me.username;
    internalGroup = idOf("-gn");
    mailUid = me.uid;
    mailGid = me.gid;
  }
  const mailDir = join(dir, "mail");
  const homeDir = join(dir, "home");
  for (const d of [join(dir, "run"), join(dir, "state"), mailDir, homeDir]) mkdirSync(d);
  if (root) {
    // mkdtemp made the dir 0700 for root; the mail processes (nobody) must reach their maildirs.
    chmodSync(dir, 0o755);
    chownSync(mailDir, mailUid, mailGid);
    chownSync(homeDir, mailUid, mailGid);
  }
  const logPath = join(dir, "dovecot.log");
  const config = `# generated by test/support/dovecot.ts
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = rapport-test-${port}
log_path = ${logPath}
protocols = imap
listen = 127.0.0.1
ssl = no
login_greeting = ${GREETING}
# A test logs in with a wrong password on purpose: no delay, and no penalty for 127.0.0.1
# that would slow every later login of the suite.
auth_failure_delay = 0
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = ${loginUser}
default_internal_user = ${internalUser}
default_internal_group = ${internalGroup}
first_valid_uid = 1
mail_location = maildir:${mailDir}/%u
passdb {
  driver = static
  args = password=${IMAP_TEST_PASSWORD}
}
userdb {
  driver = static
  args = uid=${mailUid} gid=${mailGid} home=${homeDir}/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }${root ? "" : "\n  chroot ="}
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }${root ? "" : "\n  # Only root may chroot.\n  chroot ="}
}
`;
  const configPath = join(dir, "dovecot.conf");
  writeFileSync(configPath, config);
  const child: ChildProcess = spawn(bin, ["-F", "-c", configPath], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  let exited = false;
  // Should the test process end without close(), dovecot goes with it.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      process.off("exit", killOnExit);
      resolve();
    }),
  );

  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const timeout = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exit;
      clearTimeout(timeout);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 15_000;
  while (!(await greets(port))) {
    if (exited || Date.now() > deadline) {
      const log = existsSync(logPath) ? readFileSync(logPath, "utf8") : "";
      await stop();
      throw new Error(`dovecot did not start on port ${port}:\n${stderr}\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    port,
    url: (user, mailbox = "INBOX") =>
      `imap://${encodeURIComponent(user)}:${encodeURIComponent(IMAP_TEST_PASSWORD)}@127.0.0.1:${port}/${encodeURIComponent(mailbox)}`,
    client: (user) => ({
      host: "127.0.0.1",
      port,
      secure: false,
      auth: { user, pass: IMAP_TEST_PASSWORD },
      logger: false,
    }),
    close: stop,
  };
}
