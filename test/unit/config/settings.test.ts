import { describe, expect, it } from "vitest";
import { loadSettings, SettingsError } from "../../../src/config/settings.js";

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
    [{ DATABASE_URL: "postgres://db/rapport" }, "DATABASE_URL"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
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
  });
});
