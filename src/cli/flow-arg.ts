/**
 * The flow a command names: a flow id (a file name in config/flows without .yaml) or the
 * path of a flow file (`config/flows/thank-you.yaml`, what a shell completes). A path is
 * read as it is, wherever it lies; an id is looked up in the config's flows folder.
 * Throws an Error whose message says what is wrong (the file's problems, or the flows there are).
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { loadFlows } from "../flows/load.js";
import { formatFlowError, parseFlow } from "../flows/parse.js";
import { didYouMean } from "../flows/suggest.js";
import type { Flow } from "../flows/types.js";

const FLOW_FILE = /\.ya?ml$/i;

export function isFlowPath(arg: string): boolean {
  return FLOW_FILE.test(arg) || arg.includes("/") || arg.includes("\\");
}

export async function findFlow(arg: string, configDir: string): Promise<Flow> {
  if (isFlowPath(arg)) {
    const file = resolve(arg);
    let source: string;
    try {
      source = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`${arg}: no such flow file`);
      throw err;
    }
    const parsed = parseFlow(source, arg);
    if (!parsed.ok) throw new Error(parsed.errors.map(formatFlowError).join("\n"));
    return parsed.flow;
  }
  const { flows, errors } = await loadFlows(join(resolve(configDir), "flows"));
  const flow = flows.find((f) => f.id === arg);
  if (flow) return flow;
  const problems = errors.filter((e) => e.file.endsWith(`/${arg}.yaml`) || e.file.endsWith(`/${arg}.yml`));
  if (problems.length > 0) throw new Error(problems.map(formatFlowError).join("\n"));
  const ids = flows.map((f) => f.id);
  throw new Error(
    `no flow "${arg}" in ${join(configDir, "flows")} (flows: ${ids.join(", ") || "none"}; or give the path of a flow file)${didYouMean(arg, ids)}`,
  );
}
