/**
 * A private redis-server for embedded mode and for the test suite.
 *
 * rapport starts `redis-server` from PATH with its data under `dir` (AOF on, so
 * waits of months survive a restart) listening on a unix socket there, or on a TCP
 * port when one is asked for. If a server from an earlier run still answers on that
 * socket, it is reused rather than started twice.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";

export interface EmbeddedRedis {
  /** For ioredis / BullMQ: a redis:// URL or a unix socket path. */
  url: string;
  connection: { path: string } | { host: string; port: number };
  /** Stops the server this process started (no-op for a reused one); AOF is flushed first. */
  stop(): Promise<void>;
}

export interface EmbeddedRedisOptions {
  dir: string;
  /** Listen on 127.0.0.1:port instead of a unix socket (0 picks a free port). */
  port?: number;
  /** Append-only file on (default) or off (tests that need no durability). */
  appendOnly?: boolean;
  log?: (msg: string) => void;
}

export class RedisMissingError extends Error {
  constructor() {
    super(
      [
        "redis-server was not found on PATH.",
        "rapport starts its own Redis when REDIS_URL is unset. Either install it:",
        "  Debian/Ubuntu:  sudo apt-get install -y redis-server",
        "  macOS:          brew install redis",
        "or point rapport at an existing Redis: REDIS_URL=redis://127.0.0.1:6379",
      ].join("\n"),
    );
    this.name = "RedisMissingError";
  }
}

export function redisServerAvailable(): boolean {
  const r = spawnSync("redis-server", ["--version"], { stdio: "ignore" });
  return !r.error && r.status === 0;
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/**
 * `n` ports free now and distinct from each other: each is held open until all are chosen
 * (freePort called n times may hand back a port it just gave, once the kernel reuses it).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const srv = createServer();
      servers.push(srv);
      ports.push(
        await new Promise<number>((ok, fail) => {
          srv.once("error", fail);
          srv.listen(0, "127.0.0.1", () => {
            const addr = srv.address();
            ok(typeof addr === "object" && addr ? addr.port : 0);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((srv) => new Promise((r) => srv.close(() => r(undefined)))));
  }
}

/** Whether a Redis answers PING there now (false, not an error, when nothing listens). */
export async function answersPing(connection: EmbeddedRedis["connection"]): Promise<boolean> {
  const client = new Redis({
    ...connection,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function waitUntilUp(
  connection: EmbeddedRedis["connection"],
  child: ChildProcess,
  output: () => string,
) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited at start:\n${output()}`);
    if (await answersPing(connection)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer within 15 s:\n${output()}`);
}

export async function startEmbeddedRedis(opts: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, "redis.sock");
  const tcpPort = opts.port === undefined ? undefined : opts.port || (await freePort());
  const connection: EmbeddedRedis["connection"] =
    tcpPort === undefined ? { path: socket } : { host: "127.0.0.1", port: tcpPort };
  const url = tcpPort === undefined ? socket : `redis://127.0.0.1:${tcpPort}`;

  if (tcpPort === undefined && existsSync(socket) && (await answersPing(connection))) {
    opts.log?.(`reusing the redis-server already running on ${socket}`);
    return { url, connection, stop: async () => {} };
  }
  if (!redisServerAvailable()) throw new RedisMissingError();

  const args = [
    "--dir",
    dir,
    "--appendonly",
    opts.appendOnly === false ? "no" : "yes",
    "--appendfsync",
    "everysec",
    "--save",
    "",
    // Redis's default, said outright: BullMQ requires that no key is ever evicted.
    "--maxmemory-policy",
    "noeviction",
    "--daemonize",
    "no",
    "--protected-mode",
    "yes",
    "--loglevel",
    "warning",
    ...(tcpPort === undefined
      ? ["--port", "0", "--unixsocket", socket, "--unixsocketperm", "700"]
      : ["--port", String(tcpPort), "--bind", "127.0.0.1"]),
  ];
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  await waitUntilUp(connection, child, () => output);
  opts.log?.(`started a private redis-server (pid ${child.pid}) on ${url}, data in ${dir}`);

  return {
    url,
    connection,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM"); // redis-server flushes the AOF on SIGTERM
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
