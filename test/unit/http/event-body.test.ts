import { describe, expect, it } from "vitest";
import { describeIssues, eventBodySchema } from "../../../src/events/event-body.js";

const valid = {
  type: "registration",
  customer: { email: "ada@example.com" },
  product: { sku: "LYRA-RD-2780" },
};

describe("event body validation", () => {
  it.each([
    ["the minimum", valid],
    [
      "everything",
      {
        id: "shop:order-1001.line-1",
        type: "purchase",
        occurredAt: "2026-11-22T10:00:00+01:00",
        customer: {
          email: "Ada@Example.com",
          name: "Ada Lovelace",
          timezone: "Europe/London",
          locale: "en-GB",
          birthday: "1815-12-10",
          attributes: { newsletter: true, shoeSize: 38, nickname: null },
        },
        product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: "RD-1", category: "turntable" },
        properties: { store: "Berlin" },
      },
    ],
    ["a birthday without a year", { ...valid, customer: { email: "a@b.co", birthday: "12-10" } }],
    ["a leap-day birthday without a year", { ...valid, customer: { email: "a@b.co", birthday: "02-29" } }],
    [
      "a leap-day birthday in a leap year",
      { ...valid, customer: { email: "a@b.co", birthday: "2000-02-29" } },
    ],
    ["an event of another type without a product", { type: "review", customer: { email: "a@b.co" } }],
  ])("accepts %s", (_label, body) => {
    expect(eventBodySchema.safeParse(body).success).toBe(true);
  });

  it.each([
    ["no body fields", {}, ["type", "customer"]],
    ["a bad email", { ...valid, customer: { email: "not-an-email" } }, ["customer.email"]],
    ["an unknown top-level field", { ...valid, costumer: {} }, ["(body)"]],
    ["an unknown customer field", { ...valid, customer: { email: "a@b.co", fax: "1" } }, ["customer"]],
    ["a capitalised event type", { ...valid, type: "Registration" }, ["type"]],
    [
      "a name with a line break",
      { ...valid, customer: { email: "a@b.co", name: "Ada\r\nBcc: x@y.z" } },
      ["customer.name"],
    ],
    [
      "an impossible birthday",
      { ...valid, customer: { email: "a@b.co", birthday: "1990-13-40" } },
      ["customer.birthday"],
    ],
    [
      "an unknown time zone",
      { ...valid, customer: { email: "a@b.co", timezone: "Mars/Olympus" } },
      ["customer.timezone"],
    ],
    ["a product without sku", { ...valid, product: { name: "x" } }, ["product.sku"]],
    [
      "a registration without a product",
      { type: "registration", customer: { email: "a@b.co" } },
      ["product"],
    ],
    ["a purchase without a product", { type: "purchase", customer: { email: "a@b.co" } }, ["product"]],
    ["a disposition without a product", { type: "disposition", customer: { email: "a@b.co" } }, ["product"]],
    [
      "an overlong name",
      { ...valid, customer: { email: "a@b.co", name: "x".repeat(201) } },
      ["customer.name"],
    ],
    ["a nested attribute", { ...valid, properties: { deep: { a: 1 } } }, ["properties.deep"]],
    ["a date without zone", { ...valid, occurredAt: "2026-11-22 10:00" }, ["occurredAt"]],
    ["an id with spaces", { ...valid, id: "a b" }, ["id"]],
  ])("rejects %s, naming the field", (_label, body, fields) => {
    const r = eventBodySchema.safeParse(body);
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(describeIssues(r.error).map((i) => i.field)).toEqual(fields);
  });

  it.each([
    ["1990-02-30", '"1990-02-30" is not a date: February 1990 has 28 days'],
    ["1900-02-29", '"1900-02-29" is not a date: February 1900 has 28 days'],
    ["1990-04-31", '"1990-04-31" is not a date: April 1990 has 30 days'],
    ["02-30", '"02-30" is not a date: February has 29 days'],
    ["1990-13-01", '"1990-13-01" is not a date: expected a month from 01 to 12'],
  ])("refuses the impossible birthday %s, saying why", (birthday, message) => {
    const r = eventBodySchema.safeParse({ ...valid, customer: { email: "a@b.co", birthday } });
    expect(r.success).toBe(false);
    if (!r.success) expect(describeIssues(r.error)).toEqual([{ field: "customer.birthday", message }]);
  });

  it("names the product a registration lacks, and what it expected", () => {
    const r = eventBodySchema.safeParse({ type: "registration", customer: { email: "a@b.co" } });
    expect(r.success).toBe(false);
    if (!r.success)
      expect(describeIssues(r.error)).toEqual([
        {
          field: "product",
          message:
            "a registration event names the product it is about: expected product: { sku, name?, serial?, category? }",
        },
      ]);
  });

  it("names unknown fields in its message", () => {
    const r = eventBodySchema.safeParse({ ...valid, costumer: {} });
    expect(r.success).toBe(false);
    if (!r.success) expect(describeIssues(r.error)[0]?.message).toContain("costumer");
  });
});
