/**
 * The package as a brand installs it (issue 14): `npm pack`, the tarball installed into an
 * empty folder, `npx rapport init` lays out config/, and `npx rapport start` on the embedded
 * defaults (a private redis-server, SQLite and the outbox folder under ./var) sends the
 * thank-you for a registration. Slow (a build, an install): one test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../../src/infra/embedded-redis.js";
import { cleanEnv, installTarball, packRapport, sh } from "../support/npm-package.js";
import { eventually, postEvent, registration } from "../support/test-env.js";

/** Whether any process of the group is left. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

// The package's own store is the embedded SQLite by design, so the Postgres pass
// (RAPPORT_TEST_STORE=postgres) has nothing to add here and leaves out two minutes.
describe.skipIf(process.env.RAPPORT_TEST_STORE === "postgres")("the npm package", () => {
  it("packs, installs into an empty folder, inits, starts and sends a thank-you", {
    timeout: 600_000,
  }, async () => {
    const tmp = mkdtempSync(join(tmpdir(), "rapport-package-"));
    const version = JSON.parse(readFileSync("package.json", "utf8")).version;

    const { tarball, files } = await packRapport(join(tmp, "pack"));
    expect(tarball.endsWith(`rapport-${version}.tgz`)).toBe(true);
    expect(files).toEqual(
      expect.arrayContaining([
        "bin/rapport.js",
        "dist/cli.js",
        "src/store/migrations/meta/_journal.json",
        "src/store/migrations-pg/meta/_journal.json",
        "config/rapport.yaml",
        "schema/flow.schema.json",
        "LICENSE",
        "CHANGELOG.md",
        "README.md",
      ]),
    );
    // Code, migrations and defaults only: nothing outside these (no tests, benchmarks, var/,
    // sources or source maps, no migration snapshots)...
    const allowed =
      /^(bin\/rapport\.js|dist\/.+\.js|src\/store\/migrations(-pg)?\/(\d{4}_\w+\.sql|meta\/_journal\.json)|config\/.+|schema\/flow\.schema\.json|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    // ...and no compiled module whose source is gone (tsc never deletes what it built before).
    expect(
      files.filter(
        (f) => f.startsWith("dist/") && !existsSync(f.replace(/^dist\//, "src/").replace(/\.js$/, ".ts")),
      ),
    ).toEqual([]);

    const app = join(tmp, "brand");
    await installTarball(app, tarball);
    expect((await sh(app, "npx", ["rapport", "--version"])).trim()).toBe(version);
    expect(await sh(app, "npx", ["rapport", "init"])).toContain("config/flows/thank-you.yaml");
    expect(await sh(app, "npx", ["rapport", "validate"])).toMatch(/^ok: 12 flow\(s\)/m);

    const port = await freePort();
    const child: ChildProcess = spawn("npx", ["rapport", "start"], {
      cwd: app,
      // Its own process group: npx does not pass SIGTERM on, so the test signals the group.
      detached: true,
      env: cleanEnv({ PORT: String(port), INBOUND_SMTP_PORT: String(await freePort()), LOG_LEVEL: "info" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
    });
    child.stderr?.on("data", (d) => {
      out += d;
    });
    const pgid = child.pid as number;
    try {
      await eventually(
        async () =>
          existsSync(join(app, "var/api-key")) &&
          (await fetch(`http://127.0.0.1:${port}/healthz`).then(
            (r) => r.ok,
            () => false,
          )),
        "rapport to answer /healthz",
        60_000,
      ).catch((err) => {
        throw new Error(`${(err as Error).message}\n${out}`);
      });
      expect(out).toContain(`Store:   ${join(app, "var/rapport.db")}`);
      expect(out).toContain("started a private redis-server");

      const key = readFileSync(join(app, "var/api-key"), "utf8").trim();
      expect((await postEvent(port, registration({ id: "package-1" }), key)).status).toBe(202);

      const outbox = join(app, "var/outbox");
      const thanks = await eventually(
        async () =>
          (existsSync(outbox) ? readdirSync(outbox) : [])
            .filter((f) => f.endsWith(".eml"))
            .map((f) => readFileSync(join(outbox, f), "utf8"))
            .find((eml) => eml.includes("Subject: Thank you for registering your Lyra RD 2780")),
        "the thank-you in var/outbox",
        60_000,
      );
      expect(thanks).toMatch(/^To: .*ada@example\.com/m);
    } finally {
      if (groupAlive(pgid)) process.kill(-pgid, "SIGTERM");
      await eventually(async () => !groupAlive(pgid), "rapport to stop", 30_000).catch(() => {
        process.kill(-pgid, "SIGKILL");
      });
    }
    expect(out).toContain("SIGTERM received");
  });
});
