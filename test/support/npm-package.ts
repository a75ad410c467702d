/**
 * rapport as a brand gets it: `npm pack` in the repository, the tarball installed into an
 * empty folder, its commands run there through `npx`, with this test's Node first on PATH.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * How this machine reaches the npm registry (a proxy and the CA that signs its certificates),
 * as a brand's own machine would have it set. Without the CA, a Node that ships its own CA
 * list (the registry's Node 22/24 binaries, unlike Debian's, which reads the system's) fails
 * every fetch with SELF_SIGNED_CERT_IN_CHAIN, and npm retries each package for minutes.
 */
const NETWORK_ENV =
  /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|HTTPS?_PROXY|NO_PROXY|npm_config_(registry|cafile|proxy|https_proxy|noproxy|strict_ssl))$/i;

/**
 * PATH, HOME (npm's cache and settings) and the network settings only: nothing of the
 * test's own settings (REDIS_URL, DATABASE_URL, RAPPORT_*) leaks in.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const path = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`;
  const nodedir = process.env.npm_config_nodedir;
  const network = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => NETWORK_ENV.test(entry[0]) && entry[1] !== undefined,
    ),
  );
  return {
    ...network,
    PATH: path,
    HOME: process.env.HOME ?? "/root",
    // scripts/with-node.sh points node-gyp at the running Node's headers; keep that.
    ...(nodedir ? { npm_config_nodedir: nodedir } : {}),
    ...extra,
  };
}

export async function sh(cwd: string, cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${cmd} ${args.join(" ")} in ${cwd} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`,
    );
  }
}

/** `npm pack` (its `prepare` builds dist/); the tarball's path and the files it holds. */
export async function packRapport(into: string): Promise<{ tarball: string; files: string[] }> {
  mkdirSync(into, { recursive: true });
  const out = await sh(resolve("."), "npm", ["pack", "--json", "--pack-destination", into]);
  // --json still lets `prepare`'s own output through on stdout: the JSON is the last part.
  const json = out.slice(out.lastIndexOf("\n[") + 1);
  const [packed] = JSON.parse(json) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error(`npm pack printed no package:\n${out}`);
  return { tarball: join(into, packed.filename), files: packed.files.map((f) => f.path) };
}

/**
 * Installs the tarball into `dir` (an empty folder: a package.json of its own) from npm's
 * cache where it can. Install scripts are not run. better-sqlite3 12's would fetch a
 * prebuilt binary from GitHub, which may not be reachable, and else compile SQLite for
 * minutes: it gets the binary this checkout already built for the running Node when the
 * versions match, and is compiled otherwise (slow, but right). What is tested is the tarball.
 */
export async function installTarball(dir: string, tarball: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "brand", private: true }, null, 2)}\n`);
  await sh(dir, "npm", [
    "install",
    tarball,
    "--prefer-offline",
    "--ignore-scripts",
    "--no-audit",
    "--no-fund",
  ]);
  const manifest = (root: string) =>
    JSON.parse(readFileSync(join(root, "node_modules/better-sqlite3/package.json"), "utf8")) as {
      version: string;
      scripts?: { install?: string };
    };
  const installed = manifest(dir);
  // better-sqlite3 13 and later ship their binaries in the package: nothing to do.
  if (!installed.scripts?.install) return;
  const binary = "node_modules/better-sqlite3/build/Release/better_sqlite3.node";
  if (installed.version === manifest(resolve(".")).version && existsSync(resolve(binary))) {
    mkdirSync(dirname(join(dir, binary)), { recursive: true });
    copyFileSync(resolve(binary), join(dir, binary));
  } else {
    await sh(dir, "npm", ["rebuild", "better-sqlite3"]);
  }
}
