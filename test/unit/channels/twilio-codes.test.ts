import { describe, expect, it } from "vitest";
import {
  deliveryStatusFor,
  describeTwilioStatus,
  numberRefusalFor,
  twilioAnswersKeyword,
} from "../../../src/channels/twilio-codes.js";

describe("Twilio's error codes", () => {
  it.each([
    [21211, "number"],
    [21614, "number"],
    [30005, "number"],
    [30006, "number"],
    [21610, "stopped"],
    [30003, null],
    [30007, null],
    [20003, null],
    [21408, null],
    [null, null],
  ] as const)("%s → %s", (code, refusal) => {
    expect(numberRefusalFor(code)).toBe(refusal);
  });
});

describe("status callbacks as delivery reports", () => {
  it.each([
    ["delivered", null, "delivered"],
    ["read", null, "delivered"],
    ["sent", null, "accepted"],
    ["undelivered", 30005, "failed"],
    ["failed", 30006, "failed"],
    ["undelivered", 30003, "rejected"],
    ["failed", 30007, "rejected"],
    ["failed", null, "rejected"],
    ["canceled", null, "rejected"],
    ["queued", null, null],
    ["sending", null, null],
    ["accepted", null, null],
    ["Delivered", null, undefined],
    ["", null, undefined],
  ] as const)("%s (ErrorCode %s) → %s", (status, code, expected) => {
    expect(deliveryStatusFor(status, code)).toBe(expected);
  });

  it("names the codes it knows in the detail", () => {
    expect(describeTwilioStatus("undelivered", 30005)).toBe(
      "undelivered: Twilio error 30005 (unknown destination handset)",
    );
    expect(describeTwilioStatus("failed", 39999)).toBe("failed: Twilio error 39999");
    expect(describeTwilioStatus("delivered", null)).toBe("delivered");
  });
});

describe("keywords Twilio answers itself", () => {
  it.each([
    ["STOP", true],
    [" stop. ", true],
    ["Unsubscribe", true],
    ["HELP", true],
    ["info!", true],
    ["START", true],
    ["UNSTOP", true],
    ["STOPP", false],
    ["ARRÊT", false],
    ["hilfe", false],
    ["stop please", false],
  ] as const)("%s → %s", (text, answered) => {
    expect(twilioAnswersKeyword(text)).toBe(answered);
  });
});
