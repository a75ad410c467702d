/** sql/unnest-arrays.ts: the parameters of a statement over unnest(…), a column's array each. */
import { describe, expect, it } from "vitest";
import { unnestArrays } from "../../../src/store/sql/unnest-arrays.js";

describe("unnestArrays", () => {
  it.each([
    {
      rows: [
        { id: "a", n: 1, note: null },
        { id: "b", n: 2, note: "x" },
      ],
      arrays: { ids: ["a", "b"], ns: [1, 2], notes: [null, "x"] },
    },
    { rows: [], arrays: { ids: [], ns: [], notes: [] } },
  ])("gives one array per column, one element per row, in order", ({ rows, arrays }) => {
    expect(unnestArrays(rows, { ids: "id", ns: "n", notes: "note" })).toEqual(arrays);
  });
});
