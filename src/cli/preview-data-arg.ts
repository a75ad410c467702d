/**
 * `rapport preview --data`: the data to render with, given as a JSON file or as JSON on the
 * command line (`--data '{"customer":{"name":"Grace"}}'`). Text that starts with `{` is
 * JSON; anything else is a file. Throws an Error naming the option, and the file when there
 * is one, with what was wrong.
 */
import { readFile } from "node:fs/promises";

export async function readPreviewData(arg: string): Promise<unknown> {
  const inline = arg.trimStart().startsWith("{");
  let text = arg;
  if (!inline) {
    try {
      text = await readFile(arg, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(
        code === "ENOENT"
          ? `--data: no file ${arg} (give a JSON file, or JSON itself: '{"customer":{"name":"Grace"}}')`
          : `--data: cannot read ${arg}: ${(err as Error).message}`,
      );
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`--data: ${inline ? "" : `${arg}: `}not valid JSON (${(err as Error).message})`);
  }
}
