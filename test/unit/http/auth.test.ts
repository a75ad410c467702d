import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { apiKeyAuth } from "../../../src/http/auth.js";

const keys = ["k".repeat(32), "second-key-0123456789abcdef"];
const app = new Hono();
app.use("*", apiKeyAuth(keys));
app.get("/x", (c) => c.text("in"));

describe("API key auth", () => {
  it.each([
    [undefined, 401],
    ["", 401],
    ["Bearer", 401],
    [`Bearer ${"k".repeat(31)}`, 401],
    [`Basic ${"k".repeat(32)}`, 401],
    [`Bearer ${"k".repeat(32)}`, 200],
    [`bearer ${keys[1]}`, 200],
  ])("Authorization %j → %i", async (header, status) => {
    const res = await app.request("/x", { headers: header === undefined ? {} : { authorization: header } });
    expect(res.status).toBe(status);
    if (status === 401) expect(res.headers.get("www-authenticate")).toContain("Bearer");
  });
});
