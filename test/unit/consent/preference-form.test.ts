import { describe, expect, it } from "vitest";
import {
  currentChoices,
  type FormFields,
  type FormSubject,
  frequencyOptions,
  readForm,
} from "../../../src/consent/preference-form.js";

const DAY = 24 * 3600_000;
const topics = {
  check_ins: { title: "Check-ins", description: "After you buy." },
  product_news: { title: "Product news" },
  birthday: { title: "Birthday wishes" },
};
const now = Date.UTC(2026, 10, 27, 12);
const ctx = {
  topics,
  brandCap: { max: 2, perMs: 7 * DAY },
  timezones: new Set(["Europe/Berlin", "America/New_York"]),
  now,
};
const subject: FormSubject = {
  preferences: { topics: { birthday: false } },
  birthday: "1990-12-10",
  timezone: "Europe/Berlin",
};

/** The form as the page fills it for `subject`, with `over` on top. */
function form(over: FormFields = {}): FormFields {
  return {
    action: "save",
    topics_shown: "check_ins product_news birthday",
    topic: ["check_ins", "product_news"],
    frequency: "brand",
    birthday_month: "12",
    birthday_day: "10",
    birthday_year: "1990",
    timezone: "Europe/Berlin",
    ...over,
  };
}

describe("preference form: how often", () => {
  it("offers the brand's pace, then only limits tighter than its cap", () => {
    expect(frequencyOptions({ max: 2, perMs: 7 * DAY }, null)).toEqual([
      { value: "brand", label: "Our usual: up to 2 a week" },
      { value: "1/week", label: "At most one email a week" },
      { value: "1/month", label: "At most one email a month" },
    ]);
    // One every 14 days is already rarer than one a week: only "a month" is a limit.
    expect(frequencyOptions({ max: 1, perMs: 14 * DAY }, null).map((o) => o.value)).toEqual([
      "brand",
      "1/month",
    ]);
    expect(frequencyOptions({ max: 1, perMs: 7 * DAY }, null).map((o) => o.value)).toEqual([
      "brand",
      "1/month",
    ]);
    expect(frequencyOptions(undefined, null)).toEqual([
      { value: "brand", label: "As often as we have news" },
      { value: "1/week", label: "At most one email a week" },
      { value: "1/month", label: "At most one email a month" },
    ]);
  });

  it("keeps the customer's own choice on offer, whatever it is", () => {
    const opts = frequencyOptions({ max: 2, perMs: 7 * DAY }, { max: 3, per: "month" });
    expect(opts.map((o) => o.value)).toEqual(["brand", "1/week", "1/month", "3/month"]);
    expect(opts[3]?.label).toBe("At most 3 emails a month");
  });
});

describe("preference form: reading what was sent", () => {
  it("fills the form from the customer: topics never chosen are on", () => {
    expect(currentChoices(subject, topics)).toEqual({
      topics: { check_ins: true, product_news: true, birthday: false },
      frequency: "brand",
      stayInTouch: false,
      birthday: { month: "12", day: "10", year: "1990" },
      timezone: "Europe/Berlin",
    });
    expect(currentChoices({ preferences: {}, birthday: "03-07", timezone: null }, topics)).toMatchObject({
      birthday: { month: "3", day: "7", year: "" },
      timezone: "",
    });
  });

  it("an unchanged form asks for nothing", () => {
    expect(readForm(form(), subject, ctx)).toMatchObject({
      ok: true,
      action: "save",
      change: {},
      profile: {},
    });
  });

  it("asks only for what differs: a topic unticked, a tighter frequency, staying in touch", () => {
    const result = readForm(
      form({ topic: "check_ins", frequency: "1/week", stay_in_touch: "yes" }),
      subject,
      ctx,
    );
    expect(result).toMatchObject({
      ok: true,
      change: { topics: { product_news: false }, frequency: { max: 1, per: "week" }, stayInTouch: true },
      profile: {},
    });
    expect(
      readForm(
        form({ frequency: "brand" }),
        { ...subject, preferences: { frequency: { max: 1, per: "month" } } },
        ctx,
      ),
    ).toMatchObject({
      ok: true,
      change: { frequency: null, topics: { birthday: false } },
    });
  });

  it("decides only the topics the page showed", () => {
    // The page was opened before product_news existed: it is not read as unticked.
    const result = readForm(form({ topics_shown: "check_ins birthday", topic: "check_ins" }), subject, ctx);
    expect(result).toMatchObject({ ok: true, change: {} });
  });

  it("birthday and time zone: set, changed to a day without a year, cleared", () => {
    expect(
      readForm(
        form({ birthday_month: "2", birthday_day: "29", birthday_year: "", timezone: "" }),
        subject,
        ctx,
      ),
    ).toMatchObject({ ok: true, change: {}, profile: { birthday: "02-29", timezone: null } });
    expect(
      readForm(form({ birthday_month: "", birthday_day: "", birthday_year: "" }), subject, ctx),
    ).toMatchObject({ ok: true, profile: { birthday: null } });
    expect(
      readForm(form({ birthday_year: "1984", timezone: "America/New_York" }), subject, ctx),
    ).toMatchObject({ ok: true, profile: { birthday: "1984-12-10", timezone: "America/New_York" } });
  });

  it.each([
    [{ birthday_day: "" }, "birthday", "choose both the month and the day, or neither to leave it out"],
    [{ birthday_month: "4", birthday_day: "31" }, "birthday", "April has 30 days"],
    [
      { birthday_month: "2", birthday_day: "29", birthday_year: "1990" },
      "birthday",
      "1990 was not a leap year, so it had no 29 February",
    ],
    [
      { birthday_year: "90" },
      "birthday",
      "the year is optional; to give it, write 4 digits between 1900 and 2026",
    ],
    [
      { birthday_year: "2031" },
      "birthday",
      "the year is optional; to give it, write 4 digits between 1900 and 2026",
    ],
    [{ birthday_month: "13" }, "birthday", "choose a month from the list"],
    [{ timezone: "Mars/Olympus_Mons" }, "timezone", "choose a time zone from the list"],
    [{ frequency: "5/day" }, "frequency", "choose one of the options"],
    [{ frequency: "1/fortnight" }, "frequency", "choose one of the options"],
    [{ topic: ["check_ins", "casino"] }, "topics", 'there is no topic "casino" to choose'],
    [{ stay_in_touch: ["yes", "yes"] }, "stay_in_touch", "tick it or leave it empty"],
    [{ action: "delete" }, "action", "use one of the page's buttons: save, stop or start again"],
    [{ action: undefined }, "action", "use one of the page's buttons: save, stop or start again"],
  ])("refuses %j, naming the field", (over, field, message) => {
    const result = readForm(form(over as FormFields), subject, ctx);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([{ field, message }]);
  });

  it("gives the form back as sent, to show again with its problems", () => {
    const result = readForm(form({ birthday_month: "4", birthday_day: "31", topic: [] }), subject, ctx);
    expect(result).toMatchObject({
      ok: false,
      choices: {
        birthday: { month: "4", day: "31", year: "1990" },
        topics: { check_ins: false, product_news: false },
      },
    });
  });

  it("leaves a stored birthday the form could not have made alone when it is not touched", () => {
    const odd = { ...subject, birthday: "02-30" };
    expect(
      readForm(form({ birthday_month: "2", birthday_day: "30", birthday_year: "" }), odd, ctx),
    ).toMatchObject({
      ok: true,
      profile: {},
    });
  });

  it("stop and start again need nothing else", () => {
    expect(readForm({ action: "stop" }, subject, ctx)).toEqual({ ok: true, action: "stop" });
    expect(readForm({ action: "resume" }, subject, ctx)).toEqual({ ok: true, action: "resume" });
  });
});
