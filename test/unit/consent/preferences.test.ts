/** A customer's preferences: merging a change, what flows and templates see, the event's properties. */
import { describe, expect, it } from "vitest";
import {
  changeProperties,
  describeFrequency,
  frequencyCap,
  mergePreferences,
  type PreferenceChange,
  type Preferences,
  PreferencesError,
  parsePreferenceChange,
  parseStoredPreferences,
  preferenceView,
} from "../../../src/consent/preferences.js";

const T = Date.UTC(2026, 10, 27, 9);
const DAY = 24 * 3600_000;

describe("mergePreferences", () => {
  it.each<[string, Preferences, PreferenceChange, Preferences, string[]]>([
    [
      "stop everything",
      {},
      { all: false },
      { all: false, changed: { all: { at: T, source: "one_click" } } },
      ["all"],
    ],
    ["stop everything again: nothing changes", { all: false }, { all: false }, { all: false }, []],
    [
      "subscribe again",
      { all: false, changed: { all: { at: 1, source: "one_click" } } },
      { all: true },
      { changed: { all: { at: T, source: "one_click" } } },
      ["all"],
    ],
    ["subscribed already", {}, { all: true }, {}, []],
    [
      "a topic off, another on",
      { topics: { birthday: false } },
      { topics: { product_news: false, birthday: true } },
      {
        topics: { birthday: true, product_news: false },
        changed: {
          "topics.birthday": { at: T, source: "one_click" },
          "topics.product_news": { at: T, source: "one_click" },
        },
      },
      ["topics.birthday", "topics.product_news"],
    ],
    [
      "a topic off that was off",
      { topics: { birthday: false } },
      { topics: { birthday: false } },
      { topics: { birthday: false } },
      [],
    ],
    [
      "a frequency, then none",
      { frequency: { max: 1, per: "week" } },
      { frequency: null },
      { changed: { frequency: { at: T, source: "one_click" } } },
      ["frequency"],
    ],
    [
      "the same frequency",
      { frequency: { max: 1, per: "week" } },
      { frequency: { max: 1, per: "week" } },
      { frequency: { max: 1, per: "week" } },
      [],
    ],
    ["no frequency, and none asked", {}, { frequency: null }, {}, []],
    [
      "stay in touch",
      {},
      { stayInTouch: true },
      { stayInTouch: true, changed: { stayInTouch: { at: T, source: "one_click" } } },
      ["stayInTouch"],
    ],
    ["not staying in touch, as by default", {}, { stayInTouch: false }, {}, []],
    [
      "a key a later version wrote survives",
      { later: { x: 1 } } as Preferences,
      { all: false },
      { later: { x: 1 }, all: false, changed: { all: { at: T, source: "one_click" } } } as Preferences,
      ["all"],
    ],
  ])("%s", (_name, current, change, expected, changed) => {
    const merged = mergePreferences(current, change, "one_click", T);
    expect(merged.preferences).toEqual(expected);
    expect(merged.changed).toEqual(changed);
  });

  it("keeps the first time of a choice repeated later", () => {
    const first = mergePreferences({}, { topics: { birthday: false } }, "preference_page", T);
    const again = mergePreferences(first.preferences, { topics: { birthday: false } }, "one_click", T + DAY);
    expect(again.preferences.changed?.["topics.birthday"]).toEqual({ at: T, source: "preference_page" });
  });
});

describe("preferenceView (customer.preferences in conditions and templates)", () => {
  it("fills in the defaults", () => {
    expect(preferenceView({})).toEqual({ topics: {}, frequency: null, stayInTouch: false, all: true });
    expect(
      preferenceView({
        all: false,
        topics: { birthday: false },
        frequency: { max: 2, per: "month" },
        stayInTouch: true,
      }),
    ).toEqual({
      topics: { birthday: false },
      frequency: { max: 2, per: "month" },
      stayInTouch: true,
      all: false,
    });
  });
});

describe("reading and checking", () => {
  it("reads stored preferences, and names the customer when they are not valid", () => {
    expect(parseStoredPreferences('{"all":false}', "c1")).toEqual({ all: false });
    expect(() => parseStoredPreferences("{", "c1")).toThrow(/customer c1: stored preferences are not JSON/);
    expect(() => parseStoredPreferences('{"all":true}', "c1")).toThrow(
      /customer c1: stored preferences are not valid: all: /,
    );
  });

  it.each([
    [{ frequency: { max: 0, per: "week" } }, "frequency.max: at least 1 email"],
    [{ frequency: { max: 1, per: "fortnight" } }, "frequency.per: expected one of day, week, month"],
    [{ topics: { "Product News": false } }, "topics.Product News"],
    [{ everything: false }, 'Unrecognized key: "everything"'],
  ])("refuses the change %j, naming the field", (change, expected) => {
    expect(() => parsePreferenceChange(change)).toThrow(PreferencesError);
    expect(() => parsePreferenceChange(change)).toThrow(expected);
  });
});

describe("frequency", () => {
  it("becomes a cap and words", () => {
    expect(frequencyCap({ max: 1, per: "week" })).toEqual({ max: 1, perMs: 7 * DAY });
    expect(frequencyCap({ max: 3, per: "month" })).toEqual({ max: 3, perMs: 30 * DAY });
    expect(describeFrequency({ max: 1, per: "week" })).toBe("one email a week");
    expect(describeFrequency({ max: 2, per: "day" })).toBe("2 emails a day");
  });
});

describe("changeProperties (the preference_changed event)", () => {
  it("names what changed, each with its new value, and the source", () => {
    const merged = mergePreferences(
      { frequency: { max: 1, per: "week" } },
      { all: false, topics: { product_news: false }, frequency: null, stayInTouch: true },
      "preference_page",
      T,
    );
    expect(changeProperties(merged, "preference_page")).toEqual({
      source: "preference_page",
      changed: "all, frequency, stayInTouch, topics.product_news",
      all: false,
      frequency_max: null,
      frequency_per: null,
      stay_in_touch: true,
      topic_product_news: false,
    });
  });
});
