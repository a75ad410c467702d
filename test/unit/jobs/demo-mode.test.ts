import { describe, expect, it } from "vitest";
import type { RunState } from "../../../src/flows/types.js";
import { withWaitScale } from "../../../src/jobs/process-step.js";
import { triggerFacts } from "../../../src/jobs/trigger-facts.js";
import type { CustomerRow } from "../../../src/store/store.js";

const waiting: RunState = {
  cursor: [1],
  status: "waiting",
  wakeAt: 1_000,
  waitingFor: "time",
  waitingSince: 0,
  replies: [],
};
const done: RunState = {
  ...waiting,
  status: "completed",
  wakeAt: null,
  waitingFor: null,
  waitingSince: null,
};

describe("withWaitScale: the scale a wait was scheduled at, on the stored state", () => {
  it.each([
    ["a wait at scale 1 says nothing", waiting, 1, undefined],
    ["a wait in demo mode records its scale", waiting, 0.001, 0.001],
    ["a finished run records none", done, 0.001, undefined],
    ["an old scale goes when the new wait is at 1", { ...waiting, waitScale: 0.001 }, 1, undefined],
    ["an old scale is replaced", { ...waiting, waitScale: 0.5 }, 0.001, 0.001],
  ])("%s", (_name, state, scale, expected) => {
    expect(withWaitScale(state, scale).waitScale).toBe(expected);
  });
});

describe("triggerFacts: customer.consent.sms, as the event body and simulate say it", () => {
  const customer = (smsConsent: boolean | null) =>
    ({
      id: "c",
      email: "a@b.co",
      phone: "+447911123456",
      smsConsent,
      preferences: {},
    }) as unknown as CustomerRow;
  it.each([
    [true, true],
    [false, false],
    [null, false],
  ])("smsConsent %s → consent.sms %s", (smsConsent, sms) => {
    const facts = triggerFacts(
      { type: "registration", body: {} },
      { customer: customer(smsConsent), product: null, ownership: null },
    );
    expect(facts.customer.consent).toEqual({ sms });
    expect(facts.customer.phone).toBe("+447911123456");
  });
});
