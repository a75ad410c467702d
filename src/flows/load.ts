/**
 * Reads every flow file in a folder. The only file in src/flows that does I/O.
 *
 * Contract: loadFlows(dir) parses each *.yaml / *.yml directly in `dir` (sorted by name,
 * so results and messages are in a stable order) and returns the valid flows plus every
 * problem of every file; one bad file does not hide the others. Each file is named in
 * messages as join(dir, name). Two files giving the same flow id ("x.yaml" and "x.yml")
 * is a problem. A missing folder is reported as a problem, not thrown.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FlowError } from "./errors.js";
import { parseFlow } from "./parse.js";
import type { Flow } from "./types.js";

export interface LoadedFlows {
  flows: Flow[];
  errors: FlowError[];
}

const FLOW_FILE = /\.ya?ml$/i;

export async function loadFlows(dir: string): Promise<LoadedFlows> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries
      .filter((e) => e.isFile() && FLOW_FILE.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    return {
      flows: [],
      errors: [
        {
          file: dir,
          line: 0,
          col: 0,
          path: "",
          message: "the flows folder does not exist; create it and add flow files (*.yaml)",
        },
      ],
    };
  }

  const flows: Flow[] = [];
  const errors: FlowError[] = [];
  const fileOfId = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    const result = parseFlow(await readFile(file, "utf8"), file);
    if (!result.ok) {
      errors.push(...result.errors);
      continue;
    }
    const other = fileOfId.get(result.flow.id);
    if (other !== undefined) {
      errors.push({
        file,
        line: 1,
        col: 1,
        path: "",
        message: `${other} already defines the flow "${result.flow.id}"; rename or remove one of the two files`,
      });
      continue;
    }
    fileOfId.set(result.flow.id, file);
    flows.push(result.flow);
  }
  return { flows, errors };
}
