/**
 * The Dockerfile and docker-compose.yml, checked without a Docker engine (there may be none
 * where the tests run): the image is multi-stage, runs as a user other than root, carries
 * the migrations and config and checks a route the HTTP app has; the compose file runs
 * Redis with AOF and noeviction, Postgres, one HTTP process and two workers on them.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadSettings } from "../../src/config/settings.js";
import { CLOSE_REST_MS } from "../../src/main.js";

const dockerfile = readFileSync("Dockerfile", "utf8");
/** Instructions with their continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const stages = instructions.reduce<string[][]>((all, l) => {
  if (l.startsWith("FROM ")) all.push([]);
  all.at(-1)?.push(l);
  return all;
}, []);
const runtime = stages.at(-1) ?? [];

interface Service {
  image?: string;
  stop_grace_period?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
  healthcheck?: { disable?: boolean; test?: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}
const compose = parse(readFileSync("docker-compose.yml", "utf8"), { merge: true }) as {
  services: Record<string, Service>;
};

describe("Dockerfile", () => {
  it("builds in one stage and runs from another, on the Node line package.json names", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const engines = JSON.parse(readFileSync("package.json", "utf8")).engines.node as string;
    for (const stage of stages) {
      const major = stage[0]?.match(/^FROM node:(\d+)/)?.[1];
      expect(engines, stage[0]).toContain(`^${major}.`);
    }
    expect(runtime.some((l) => l.startsWith("COPY --from=build /app/dist"))).toBe(true);
    expect(runtime.join("\n")).not.toMatch(/g\+\+|python3/);
  });

  it("runs as a user of its own, not root", () => {
    const user = runtime.filter((l) => l.startsWith("USER ")).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)\b/);
  });

  it("carries the migrations and the config, from paths that exist", () => {
    const copies = runtime.filter((l) => l.startsWith("COPY ") && !l.includes("--from="));
    const sources = copies.map((l) => l.split(/\s+/)[1] ?? "");
    expect(sources).toEqual(
      expect.arrayContaining(["src/store/migrations", "src/store/migrations-pg", "config", "bin"]),
    );
    for (const source of sources) expect(existsSync(source), source).toBe(true);
  });

  it("checks its health on /healthz, a route the HTTP app serves", () => {
    const check = runtime.find((l) => l.startsWith("HEALTHCHECK "));
    expect(check).toMatch(/\/healthz/);
    expect(readFileSync("src/http/health-route.ts", "utf8")).toContain('app.get("/healthz"');
    expect(runtime.find((l) => l.startsWith("ENTRYPOINT "))).toContain("bin/rapport.js");
  });
});

describe("docker-compose.yml", () => {
  const { redis, postgres, http, worker } = compose.services;

  it("runs Redis with AOF and noeviction", () => {
    const command = redis?.command?.join(" ") ?? "";
    expect(command).toContain("--appendonly yes");
    expect(command).toContain("--maxmemory-policy noeviction");
    expect(redis?.volumes?.some((v) => v.endsWith(":/data"))).toBe(true);
  });

  it("runs one `rapport start --role http` and two `rapport worker`s on Postgres and that Redis", () => {
    expect(postgres?.image).toMatch(/^postgres:/);
    expect(http?.command).toEqual(["start", "--role", "http"]);
    expect(worker?.command).toEqual(["worker"]);
    expect(worker?.deploy?.replicas).toBe(2);
    expect(worker?.healthcheck?.disable).toBe(true);
    for (const service of [http, worker]) {
      expect(service?.build).toBe(".");
      expect(service?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/rapport:.*@postgres:5432\/rapport$/);
      expect(service?.environment?.REDIS_URL).toBe("redis://redis:6379");
      // Every process signs with the same secret, so it must be given, not generated per container.
      expect(service?.environment?.RAPPORT_SECRET).toMatch(/^\$\{RAPPORT_SECRET:\?/);
      expect(service?.depends_on).toEqual({
        redis: { condition: "service_healthy" },
        postgres: { condition: "service_healthy" },
      });
      expect(service?.volumes).toContain("./config:/app/config:ro");
    }
  });

  it("gives rapport's shutdown its whole time before Docker kills it", () => {
    // The process's own last word: grace + CLOSE_REST_MS + 5 s (src/cli/run-service.ts).
    const ownLimitS = (loadSettings({}).RAPPORT_SHUTDOWN_GRACE_MS + CLOSE_REST_MS + 5000) / 1000;
    for (const service of [http, worker]) {
      const given = /^(\d+)s$/.exec(service?.stop_grace_period ?? "")?.[1];
      expect(Number(given), "stop_grace_period in seconds").toBeGreaterThanOrEqual(ownLimitS);
    }
  });
});
