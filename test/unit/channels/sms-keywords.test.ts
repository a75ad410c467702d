import { describe, expect, it } from "vitest";
import { smsKeyword } from "../../../src/channels/sms-keywords.js";

describe("SMS keywords", () => {
  it.each([
    "STOP",
    "stop",
    " Stop. ",
    "UNSUBSCRIBE",
    "Cancel",
    "END",
    "quit!",
    "STOPP",
    "ARRET",
    "Arrêt",
    "ARRÊTER",
    "Abmelden",
    "BAJA",
    "stop all",
  ])("%j stops every text", (text) => {
    expect(smsKeyword(text)).toBe("stop");
  });

  it.each(["START", "Unstop", "démarrer"])("%j starts again", (text) => {
    expect(smsKeyword(text)).toBe("start");
  });

  it.each(["HELP", "info", "Hilfe", "AIDE", "ayuda"])("%j asks for help", (text) => {
    expect(smsKeyword(text)).toBe("help");
  });

  it.each([
    "yes",
    "4040",
    "please don't stop sending these",
    "stop it, I love it",
    "help me choose a cartridge",
    "",
  ])("%j is a reply, not a keyword", (text) => {
    expect(smsKeyword(text)).toBeNull();
  });
});
