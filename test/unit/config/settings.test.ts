import { describe, expect, it } from "vitest";
import { loadSettings, maskUrlPassword, publicUrlOf, SettingsError } from "../../../src/config/settings.js";
import { LEASE_MARGIN_MS, sendDeadline } from "../../../src/jobs/process-delivery.js";
import { SENDER_GRACE_MS } from "../../../src/mail/transport.js";

describe("settings", () => {
  it("has embedded defaults when nothing is set", () => {
    const s = loadSettings({});
    expect(s).toMatchObject({
      PORT: 3000,
      HOST: "127.0.0.1",
      RAPPORT_CONFIG_DIR: "./config",
      RAPPORT_DATA_DIR: "./var",
      INBOUND_SMTP_PORT: 2525,
      RAPPORT_WAIT_SCALE: 1,
    });
    expect(s.REDIS_URL).toBeUndefined();
    expect(s.SMTP_URL).toBeUndefined();
    expect(s.RAPPORT_API_KEYS).toBeUndefined();
  });

  it("takes RAPPORT_PUBLIC_URL as the base of customers' links, else this machine at the listening port", () => {
    expect(publicUrlOf(loadSettings({}), 3000)).toBe("http://127.0.0.1:3000");
    expect(publicUrlOf(loadSettings({ PORT: "0" }), 41234)).toBe("http://127.0.0.1:41234");
    const set = (url: string) => loadSettings({ RAPPORT_PUBLIC_URL: url }).RAPPORT_PUBLIC_URL;
    expect(set("https://mail.lyra-audio.example/")).toBe("https://mail.lyra-audio.example");
    expect(set("https://Lyra-Audio.example/rapport/")).toBe("https://lyra-audio.example/rapport");
    expect(publicUrlOf(loadSettings({ RAPPORT_PUBLIC_URL: "http://x.example:8080" }), 3000)).toBe(
      "http://x.example:8080",
    );
    for (const bad of [
      "mail.lyra-audio.example",
      "ftp://mail.example",
      "https://user:pw@mail.example",
      "https://mail.example/?a=1",
      "https://mail.example/#top",
      "https://mail.example/a,b",
      "javascript:alert(1)",
    ]) {
      expect(() => loadSettings({ RAPPORT_PUBLIC_URL: bad }), bad).toThrow(
        /RAPPORT_PUBLIC_URL=.*expected the http\(s\) address customers reach/,
      );
    }
  });

  it("keeps a 5-minute send lease unless told otherwise, and never under 10 s", () => {
    expect(loadSettings({}).RAPPORT_SEND_LEASE_MS).toBe(300_000);
    expect(
      loadSettings({
        RAPPORT_SEND_LEASE_MS: "40000",
        SMTP_SEND_DEADLINE_MS: "5000",
        SMTP_CONNECTION_TIMEOUT_MS: "2000",
        SMTP_GREETING_TIMEOUT_MS: "2000",
        SMTP_SOCKET_TIMEOUT_MS: "3000",
      }).RAPPORT_SEND_LEASE_MS,
    ).toBe(40_000);
    expect(() => loadSettings({ RAPPORT_SEND_LEASE_MS: "40000" })).toThrow(
      /RAPPORT_SEND_LEASE_MS=40000: must be at least SMTP_SEND_DEADLINE_MS \+ 32000 \(92000\)/,
    );
    expect(() => loadSettings({ RAPPORT_SEND_LEASE_MS: "5000" })).toThrow(
      /RAPPORT_SEND_LEASE_MS="5000": at least 10000/,
    );
  });

  it("takes the shortest lease a whole send fits in, as processDelivery counts it", () => {
    const smtp = {
      SMTP_SEND_DEADLINE_MS: "5000",
      SMTP_CONNECTION_TIMEOUT_MS: "2000",
      SMTP_GREETING_TIMEOUT_MS: "2000",
      SMTP_SOCKET_TIMEOUT_MS: "3000",
    };
    // The floor's 32 s in settings.ts is these two constants; this keeps them in step.
    const floor = 5000 + SENDER_GRACE_MS + LEASE_MARGIN_MS;
    expect(loadSettings({ ...smtp, RAPPORT_SEND_LEASE_MS: String(floor) }).RAPPORT_SEND_LEASE_MS).toBe(floor);
    expect(sendDeadline(floor, 0, 5000)).toBe(5000);
    expect(() => loadSettings({ ...smtp, RAPPORT_SEND_LEASE_MS: String(floor - 1) })).toThrow(SettingsError);
  });

  it("keeps runs waking beyond an hour off Redis, promoted every minute; the horizon spans two ticks at least", () => {
    const s = loadSettings({});
    expect(s.RAPPORT_WAKE_HORIZON_MS).toBe(3600_000);
    expect(s.RAPPORT_WAKE_PROMOTE_EVERY_MS).toBe(60_000);
    expect(
      loadSettings({ RAPPORT_WAKE_HORIZON_MS: "1000", RAPPORT_WAKE_PROMOTE_EVERY_MS: "500" })
        .RAPPORT_WAKE_HORIZON_MS,
    ).toBe(1000);
    expect(() => loadSettings({ RAPPORT_WAKE_HORIZON_MS: "100000" })).toThrow(
      /RAPPORT_WAKE_HORIZON_MS=100000: must be at least twice RAPPORT_WAKE_PROMOTE_EVERY_MS \(120000\)/,
    );
    expect(() => loadSettings({ RAPPORT_WAKE_PROMOTE_EVERY_MS: "0" })).toThrow(
      /RAPPORT_WAKE_PROMOTE_EVERY_MS="0"/,
    );
  });

  it("splits API keys", () => {
    const a = "a".repeat(24);
    const b = "b".repeat(30);
    expect(loadSettings({ RAPPORT_API_KEYS: ` ${a}, ${b} ` }).RAPPORT_API_KEYS).toEqual([a, b]);
  });

  it.each([
    [{ PORT: "eighty" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ REDIS_URL: "localhost:6379" }, "REDIS_URL"],
    [{ SMTP_URL: "mail.example.com" }, "SMTP_URL"],
    [{ RAPPORT_API_KEYS: "short" }, "RAPPORT_API_KEYS"],
    [{ RAPPORT_SECRET: "short" }, "RAPPORT_SECRET"],
    [{ RAPPORT_WAIT_SCALE: "0" }, "RAPPORT_WAIT_SCALE"],
    [{ DATABASE_URL: "postgres://db:port/rapport" }, "DATABASE_URL"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ IMAP_URL: "mail.example.com" }, "IMAP_URL"],
    [{ IMAP_URL: "pop3://u:p@mail.example.com" }, "IMAP_URL"],
    [{ IMAP_URL: "imap://mail.example.com/INBOX" }, "IMAP_URL"],
    [{ IMAP_POLL_INTERVAL_MS: "0" }, "IMAP_POLL_INTERVAL_MS"],
    [{ DASHBOARD_PASSWORD: "short" }, "DASHBOARD_PASSWORD"],
    [{ DASHBOARD_SESSION_HOURS: "0" }, "DASHBOARD_SESSION_HOURS"],
    [{ DASHBOARD_SESSION_HOURS: "1000" }, "DASHBOARD_SESSION_HOURS"],
  ])("rejects %o naming %s", (env, name) => {
    try {
      loadSettings(env);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SettingsError);
      expect((err as SettingsError).problems.join("\n")).toContain(`${name}=`);
    }
  });

  it("never prints secret values", () => {
    try {
      loadSettings({ RAPPORT_SECRET: "tooshort-secret" });
    } catch (err) {
      expect((err as Error).message).not.toContain("tooshort-secret");
    }
    expect(() => loadSettings({ DASHBOARD_PASSWORD: "hunter2" })).toThrow(
      /DASHBOARD_PASSWORD=\(hidden\): expected a password of at least 12 characters/,
    );
  });

  it("takes the dashboard's own password when set, and keeps a login 12 hours by default", () => {
    const defaults = loadSettings({});
    expect(defaults.DASHBOARD_PASSWORD).toBeUndefined();
    expect(defaults.DASHBOARD_SESSION_HOURS).toBe(12);
    expect(loadSettings({ DASHBOARD_PASSWORD: "correct horse battery" }).DASHBOARD_PASSWORD).toBe(
      "correct horse battery",
    );
  });

  it("leaves the IMAP poller off unless IMAP_URL is set, and takes imap:// and imaps://", () => {
    const off = loadSettings({});
    expect(off.IMAP_URL).toBeUndefined();
    expect(off).toMatchObject({ IMAP_PROCESSED_FOLDER: "rapport-processed", IMAP_POLL_INTERVAL_MS: 30_000 });
    for (const url of [
      "imap://replies:pw@mail.example.com:143/INBOX",
      "imaps://replies%40lyra.example:pw@mail.example.com",
    ]) {
      expect(loadSettings({ IMAP_URL: url }).IMAP_URL).toBe(url);
    }
  });

  it("never prints the password of a URL", () => {
    expect(maskUrlPassword("imaps://replies:s3cr@t@mail.example.com:993/INBOX")).toBe(
      "imaps://replies:***@mail.example.com:993/INBOX",
    );
    expect(maskUrlPassword("imap://mail.example.com/INBOX")).toBe("imap://mail.example.com/INBOX");
    try {
      loadSettings({ IMAP_URL: "imap:/replies:hunter2@mail.example.com" });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain("IMAP_URL=");
    }
    try {
      loadSettings({ IMAP_URL: "imap://replies:hunter2@" });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain("hunter2");
      expect((err as Error).message).toContain("imap://replies:***@");
    }
  });

  it("has SMTP deadlines well under the claim lease, and checks them against each other", () => {
    expect(loadSettings({})).toMatchObject({
      SMTP_CONNECTION_TIMEOUT_MS: 10_000,
      SMTP_GREETING_TIMEOUT_MS: 10_000,
      SMTP_SOCKET_TIMEOUT_MS: 30_000,
      SMTP_SEND_DEADLINE_MS: 60_000,
    });
    const cases: Array<[Record<string, string>, string[]]> = [
      [{ SMTP_SEND_DEADLINE_MS: "300000" }, ['SMTP_SEND_DEADLINE_MS="300000": at most 120000']],
      [{ SMTP_SOCKET_TIMEOUT_MS: "0" }, ['SMTP_SOCKET_TIMEOUT_MS="0"']],
      [
        { SMTP_SEND_DEADLINE_MS: "20000" },
        ["SMTP_SOCKET_TIMEOUT_MS=30000: must not exceed SMTP_SEND_DEADLINE_MS (20000)"],
      ],
      [
        { SMTP_SEND_DEADLINE_MS: "5000", SMTP_SOCKET_TIMEOUT_MS: "5000" },
        ["SMTP_CONNECTION_TIMEOUT_MS=10000", "SMTP_GREETING_TIMEOUT_MS=10000"],
      ],
    ];
    for (const [env, expected] of cases) {
      let message = "";
      try {
        loadSettings(env);
      } catch (err) {
        message = (err as Error).message;
      }
      for (const e of expected) expect(message, JSON.stringify(env)).toContain(e);
    }
  });
});
