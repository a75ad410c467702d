/**
 * Node's flags for rapport's services (src/infra/node-flags.ts) are written where Node is
 * started, since a running process cannot take them: each place must carry the same list.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SERVICE_NODE_FLAGS } from "../../../src/infra/node-flags.js";

const flags = SERVICE_NODE_FLAGS.join(" ");

describe("Node's flags for the services", () => {
  it.each([
    {
      where: "bin/rapport.js's shebang",
      text: () => readFileSync("bin/rapport.js", "utf8").split("\n")[0] ?? "",
    },
    {
      where: "the Dockerfile's ENTRYPOINT",
      text: () =>
        (
          readFileSync("Dockerfile", "utf8")
            .split("\n")
            .find((l) => l.startsWith("ENTRYPOINT")) ?? ""
        ).replace(/", "/g, " "),
    },
    {
      where: "the bench's and tests' built child processes",
      text: () => readFileSync("test/support/child-rapport.ts", "utf8"),
    },
  ])("$where", ({ where, text }) => {
    const line = text();
    if (where.startsWith("the bench")) expect(line).toContain("...SERVICE_NODE_FLAGS");
    else expect(line, `${where}: ${line}`).toContain(`node ${flags}`);
  });
});
