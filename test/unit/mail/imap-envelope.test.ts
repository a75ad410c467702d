/**
 * The envelope the IMAP poller reads from a delivered message's headers, and the address
 * search under it: the first local@domain of a value, found in linear time (a 1 MiB value
 * without an "@" would take hours with the regular expression it replaced).
 */
import { describe, expect, it } from "vitest";
import { envelopeFromHeaders, firstAddress } from "../../../src/mail/imap-poller.js";

describe("firstAddress", () => {
  it.each([
    ["angle brackets, lower-cased", "<Bounce+X@Example.COM>", "bounce+x@example.com"],
    ["bare", "ada@example.com", "ada@example.com"],
    ["with a display name", '"Ada" <ada@example.com>', "ada@example.com"],
    ["the null sender", "<>", null],
    ["no @", "no address here", null],
    ["lone @s before one address", "@@ x@ @y a@b", "a@b"],
    ["the first of two", "first@one.example, second@two.example", "first@one.example"],
    ["1 MiB of letters", "a".repeat(1024 * 1024), null],
    ["1 MiB of @ and spaces", "@ ".repeat(512 * 1024), null],
    ["an address past the searched start", `${" ".repeat(4000)}ada@example.com`, null],
  ])("%s", (_label, value, expected) => {
    expect(firstAddress(value)).toBe(expected);
  });
});

describe("envelopeFromHeaders", () => {
  it("reads Return-Path and every Delivered-To / X-Original-To", () => {
    const raw = Buffer.from(
      "Return-Path: <bounce@mx.example>\r\nDelivered-To: reply+m1@reply.example\r\nX-Original-To:\r\n reply+m2@reply.example\r\nSubject: hi\r\n\r\nbody\r\n",
    );
    expect(envelopeFromHeaders(raw)).toEqual({
      envelopeFrom: "bounce@mx.example",
      envelopeTo: ["reply+m1@reply.example", "reply+m2@reply.example"],
    });
  });

  it("takes a 1 MiB X-Original-To without an address as no address", () => {
    const raw = Buffer.from(`X-Original-To: ${"a".repeat(1024 * 1024)}\r\nReturn-Path: <>\r\n\r\nbody\r\n`);
    expect(envelopeFromHeaders(raw)).toEqual({ envelopeFrom: null, envelopeTo: [] });
  });
});
