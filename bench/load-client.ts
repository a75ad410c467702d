/** Starts bench/load.ts as a child process: it posts the registrations, rapport answers them. */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface LoadProcess {
  pid: number;
  /** Posts registrations `from` … `from + count - 1`, `width` at a time; resolves with the milliseconds they took. */
  run(
    url: string,
    apiKey: string,
    count: number,
    width: number,
    from?: number,
    /** Customers with a phone and SMS consent in this time zone (bench/sms.ts). */
    sms?: { timezone: string },
  ): Promise<number>;
  stop(): Promise<void>;
}

export async function startLoadProcess(): Promise<LoadProcess> {
  const child = fork(fileURLToPath(new URL("./load.ts", import.meta.url)), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((ok) => {
    const on = (msg: { type: string }) => {
      if (msg.type === "ready") {
        child.off("message", on);
        ok();
      }
    };
    child.on("message", on);
  });
  return {
    pid: child.pid as number,
    run(url, apiKey, count, width, from = 0, sms) {
      return new Promise((ok, fail) => {
        const on = (msg: { type: string; ms?: number; message?: string }) => {
          if (msg.type === "done" || msg.type === "error") {
            child.off("message", on);
            if (msg.type === "done") ok(msg.ms ?? 0);
            else fail(new Error(`load process: ${msg.message}`));
          }
        };
        child.on("message", on);
        child.send({ type: "run", url, apiKey, count, width, from, ...(sms ? { sms } : {}) });
      });
    },
    async stop() {
      const exited = new Promise((r) => child.once("exit", r));
      child.send({ type: "stop" });
      await exited;
    },
  };
}
