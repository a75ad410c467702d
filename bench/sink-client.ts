/** Starts bench/sink.ts as a child process and asks it how many messages arrived. */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface SinkProcess {
  port: number;
  pid: number;
  count(): Promise<number>;
  reset(): Promise<void>;
  waitFor(n: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSinkProcess(): Promise<SinkProcess> {
  const child: ChildProcess = fork(fileURLToPath(new URL("./sink.ts", import.meta.url)), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = <T>(type: string) =>
    new Promise<T>((ok) => {
      const on = (msg: { type: string } & T) => {
        if (msg.type === type) {
          child.off("message", on);
          ok(msg);
        }
      };
      child.on("message", on);
    });
  const { port } = await next<{ port: number }>("ready");
  const count = async () => {
    const reply = next<{ count: number }>("count");
    child.send({ type: "count" });
    return (await reply).count;
  };
  return {
    port,
    pid: child.pid as number,
    count,
    async reset() {
      const reply = next<{ count: number }>("count");
      child.send({ type: "reset" });
      await reply;
    },
    async waitFor(n, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while ((await count()) < n) {
        if (Date.now() > deadline) throw new Error(`sink got ${await count()} of ${n} messages in time`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      const exited = new Promise((r) => child.once("exit", r));
      child.send({ type: "stop" });
      await exited;
    },
  };
}
