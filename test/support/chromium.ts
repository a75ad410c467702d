/**
 * A real browser for tests: Debian's Chromium, headless, driven by playwright-core.
 *
 * chromiumProblem() finds the browser with scripts/find-chromium.sh (which installs
 * Debian's `chromium` when it runs as root with apt-get; the first time takes a minute)
 * and checks that playwright-core is installed: it returns why the browser tests cannot run
 * here (so the suite skips and says why), or null. openBrowser() then starts Chromium
 * with a new, empty profile of its own in a temp dir, and the flags this machine's closed
 * network needs (without them Chromium keeps calling Google's services).
 *
 * Playwright's own browser download (`npx playwright install`) is never used: it fetches
 * a build from outside the package registries.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BrowserContext } from "playwright-core";

/** Besides --headless, which playwright-core adds itself. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let found: { path: string } | { problem: string } | null = null;

/** The browser's path, or why there is none (asked once per test file). */
export function findChromium(): { path: string } | { problem: string } {
  if (found) return found;
  try {
    const path = execFileSync("sh", [resolve("scripts/find-chromium.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      // An install downloads ~100 MB from Debian's mirrors.
      timeout: 10 * 60_000,
    }).trim();
    found = path ? { path } : { problem: "scripts/find-chromium.sh printed no path" };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    found = { problem: stderr || (err as Error).message };
  }
  return found;
}

/** Why the browser tests cannot run here, or null. */
export async function chromiumProblem(): Promise<string | null> {
  try {
    await import("playwright-core");
  } catch {
    return "playwright-core is not installed (run npm ci)";
  }
  const chromium = findChromium();
  return "problem" in chromium ? chromium.problem : null;
}

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a profile of its own (removed on close). */
export async function openBrowser(): Promise<TestBrowser> {
  const chromium = findChromium();
  if ("problem" in chromium) throw new Error(`no Chromium: ${chromium.problem}`);
  const { chromium: launcher } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "rapport-chromium-"));
  const context = await launcher.launchPersistentContext(profile, {
    executablePath: chromium.path,
    headless: true,
    args: CHROMIUM_ARGS,
    // Pages are laid out and screenshotted at the size each test sets.
    viewport: null,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
