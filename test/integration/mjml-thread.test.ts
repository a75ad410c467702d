/**
 * Templates compiled with MJML on a thread (as the service loads them) come out exactly as
 * compiled in-process, errors (with their file and line) included, and the thread ends
 * with the loading, also when the loading throws.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/project.js";
import { mjmlToHtml } from "../../src/templates/mjml.js";
import { withMjmlThread } from "../../src/templates/mjml-thread.js";

const CONFIG = resolve(import.meta.dirname, "../../config");

describe("MJML on a thread", () => {
  it("compiles the shipped templates exactly as in-process", async () => {
    const inline = await loadProject(CONFIG);
    const threaded = await withMjmlThread((mjml) => loadProject(CONFIG, { mjml }));
    if (!inline.ok || !threaded.ok) throw new Error("the shipped config must load");
    expect(threaded.project.templates.size).toBeGreaterThan(0);
    expect([...threaded.project.templates.keys()]).toEqual([...inline.project.templates.keys()]);
    for (const [name, t] of inline.project.templates)
      expect(threaded.project.templates.get(name)?.sources.html, name).toBe(t.sources.html);
  });

  it("gives MJML's errors with their line, as in-process", async () => {
    const broken =
      "<mjml>\n<mj-body>\n<mj-section><mj-column>\n<mj-txt>hi</mj-txt>\n</mj-column></mj-section>\n</mj-body>\n</mjml>";
    const inline = await mjmlToHtml(broken, "body.mjml");
    const threaded = await withMjmlThread((compile) => compile(broken, "body.mjml"));
    expect(threaded.ok).toBe(false);
    expect(threaded).toEqual(inline);
  });

  it("ends the thread when the loading throws, and the error is the loader's", async () => {
    let seen: ((s: string, f: string) => Promise<unknown>) | null = null;
    await expect(
      withMjmlThread(async (compile) => {
        seen = compile;
        throw new Error("loading failed");
      }),
    ).rejects.toThrow("loading failed");
    // The thread is gone: a compile after the end fails instead of hanging.
    await expect(
      (seen as unknown as (s: string, f: string) => Promise<unknown>)("<mjml></mjml>", "x"),
    ).rejects.toThrow(/MJML thread stopped/);
  });
});
