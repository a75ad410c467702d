/** The start banner's "try it" lines reach the rapport that printed them. */
import { describe, expect, it } from "vitest";
import { shellWord, tryItLines } from "../../../src/cli/try-it.js";

describe("tryItLines", () => {
  it("on the defaults, just the commands", () => {
    expect(tryItLines({ httpPort: 3000, dataDir: "./var", inboundSmtpPort: 2525 })).toEqual([
      "Try it from another terminal:",
      "  npx rapport trigger registration --email ada@example.com --name 'Ada Lovelace' \\",
      "    --sku LYRA-RD-2780 --product-name 'Lyra RD 2780' --serial RD-000123",
      "  npx rapport reply ada@example.com --text 'Which cartridge do you recommend?'",
      "  npx rapport timeline ada@example.com",
    ]);
  });

  it("exports the real port, data folder and listener port when they are not the defaults", () => {
    const lines = tryItLines({ httpPort: 3100, dataDir: "/srv/my data", inboundSmtpPort: 2626 });
    expect(lines[1]).toBe("  export PORT=3100 RAPPORT_DATA_DIR='/srv/my data' INBOUND_SMTP_PORT=2626");
  });

  it("leaves out the reply line when no SMTP listener runs", () => {
    const lines = tryItLines({ httpPort: 3000, dataDir: "var/", inboundSmtpPort: null });
    expect(lines.join("\n")).not.toContain("rapport reply");
    expect(lines[1]).toMatch(/rapport trigger/);
  });

  it("quotes what the shell would split or expand", () => {
    expect(shellWord("/tmp/x")).toBe("/tmp/x");
    expect(shellWord("it's $HOME")).toBe("'it'\\''s $HOME'");
  });
});
