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
