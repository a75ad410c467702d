import { describe, expect, it } from "vitest";
import { loadSettings, SettingsError } from "../../../src/config/settings.js";

const sms = {
  SMS_GATEWAY_URL: "http://kannel:13013/cgi-bin/sendsms",
  SMS_GATEWAY_USERNAME: "rapport",
  SMS_GATEWAY_PASSWORD: "kannel-password",
  SMS_FROM: "4040",
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadSettings(env);
    return [];
  } catch (err) {
    if (err instanceof SettingsError) return err.problems;
    throw err;
  }
}

describe("SMS settings", () => {
  it("has no SMS channel when none is set", () => {
    const s = loadSettings({});
    expect(s.SMS_GATEWAY_URL).toBeUndefined();
    expect(s.SMS_SEND_DEADLINE_MS).toBe(15_000);
  });

  it("takes all four gateway settings and an inbound secret", () => {
    const s = loadSettings({ ...sms, SMS_INBOUND_SECRET: "x".repeat(24) });
    expect(s).toMatchObject(sms);
  });

  it("names what is missing when only some are set", () => {
    const problems = problemsOf({ SMS_GATEWAY_URL: sms.SMS_GATEWAY_URL, SMS_FROM: "4040" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^SMS_GATEWAY_USERNAME and SMS_GATEWAY_PASSWORD: missing/);
  });

  it("refuses a bad URL, sender or short secret, naming each and hiding the secret", () => {
    const problems = problemsOf({
      ...sms,
      SMS_GATEWAY_URL: "kannel:13013",
      SMS_FROM: "Lyra Audio Ltd",
      SMS_INBOUND_SECRET: "short",
    });
    expect(problems.find((p) => p.startsWith("SMS_GATEWAY_URL="))).toMatch(/sendsms URL/);
    expect(problems.find((p) => p.startsWith("SMS_FROM="))).toMatch(/alphanumeric sender id of at most 11/);
    expect(problems.find((p) => p.startsWith("SMS_INBOUND_SECRET="))).toBe(
      "SMS_INBOUND_SECRET=(hidden): must be at least 24 characters",
    );
  });

  it("accepts an E.164 number and an alphanumeric sender id", () => {
    expect(loadSettings({ ...sms, SMS_FROM: "+447700900123" }).SMS_FROM).toBe("+447700900123");
    expect(loadSettings({ ...sms, SMS_FROM: "LyraAudio" }).SMS_FROM).toBe("LyraAudio");
  });

  it("refuses an inbound secret without a gateway", () => {
    expect(problemsOf({ SMS_INBOUND_SECRET: "y".repeat(30) })[0]).toMatch(
      /^SMS_INBOUND_SECRET: set without SMS_GATEWAY_URL/,
    );
  });
});

describe("Twilio settings", () => {
  const twilio = {
    SMS_TRANSPORT: "twilio",
    TWILIO_ACCOUNT_SID: `AC${"0123456789abcdef".repeat(2)}`,
    TWILIO_AUTH_TOKEN: "f".repeat(32),
    TWILIO_FROM: "+447700900123",
  };

  it("takes the account, the token and a sender, with Twilio's API by default", () => {
    const s = loadSettings(twilio);
    expect(s).toMatchObject({
      ...twilio,
      TWILIO_API_URL: "https://api.twilio.com",
      TWILIO_OPT_OUT_HANDLING: "twilio",
    });
    expect(loadSettings({ ...twilio, TWILIO_API_URL: "http://127.0.0.1:4010/" }).TWILIO_API_URL).toBe(
      "http://127.0.0.1:4010",
    );
  });

  it("takes a Messaging Service instead of a sender, not both", () => {
    const { TWILIO_FROM: _, ...noFrom } = twilio;
    const mg = `MG${"a".repeat(32)}`;
    expect(loadSettings({ ...noFrom, TWILIO_MESSAGING_SERVICE_SID: mg }).TWILIO_MESSAGING_SERVICE_SID).toBe(
      mg,
    );
    expect(problemsOf({ ...twilio, TWILIO_MESSAGING_SERVICE_SID: mg })[0]).toMatch(
      /^TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID: .* exactly one/,
    );
    expect(problemsOf(noFrom)[0]).toMatch(/^TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID/);
  });

  it.each([
    [{ SMS_TRANSPORT: "twilio", TWILIO_FROM: "4040" }, /^TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: missing/],
    [{ ...twilio, SMS_TRANSPORT: "smpp" }, /^SMS_TRANSPORT="smpp": expected kannel or twilio/],
    [{ ...twilio, TWILIO_ACCOUNT_SID: "AC123" }, /^TWILIO_ACCOUNT_SID="AC123": expected the Account SID/],
    [
      { ...twilio, TWILIO_AUTH_TOKEN: "not-a-token" },
      /^TWILIO_AUTH_TOKEN=\(hidden\): expected the account's Auth Token/,
    ],
    [
      { ...twilio, TWILIO_API_URL: "api.twilio.com" },
      /^TWILIO_API_URL="api.twilio.com": expected Twilio's API base URL/,
    ],
    [
      { ...twilio, TWILIO_OPT_OUT_HANDLING: "both" },
      /^TWILIO_OPT_OUT_HANDLING="both": expected twilio or rapport/,
    ],
    [
      { ...twilio, ...sms, TWILIO_FROM: "4040" },
      /^SMS_GATEWAY_URL and .*: Kannel's settings, set with SMS_TRANSPORT=twilio/,
    ],
    [{ ...twilio, SMS_TRANSPORT: "kannel" }, /^TWILIO_ACCOUNT_SID: set without SMS_TRANSPORT=twilio/],
  ] as const)("refuses %o naming the variable", (env, problem) => {
    const problems = problemsOf(env as Record<string, string>);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });
});
