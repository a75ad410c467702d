import { createServer, type Server, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { watchThaw } from "../../../src/mail/thaw-sockets.js";

/** Holds the event loop, as a stopped (SIGSTOP) process does. */
function block(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: nothing else runs
  }
}

describe("watchThaw: a stop does not time out a socket whose answer is waiting", () => {
  let server: Server | null = null;
  let stop: (() => void) | null = null;
  afterEach(async () => {
    stop?.();
    await new Promise((ok) => server?.close(ok));
    server = stop = null;
  });

  it.each([
    { watched: true, first: "answer" },
    { watched: false, first: "timeout" },
  ])("watched: $watched → $first first", async ({ watched, first }) => {
    server = createServer((s) => {
      s.on("data", () => s.write("250 OK\r\n"));
      s.on("error", () => {}); // the client resets the connection when the test is done
    });
    const port = await new Promise<number>((ok) =>
      server?.listen(0, "127.0.0.1", () => {
        const a = server?.address();
        ok(typeof a === "object" && a ? a.port : 0);
      }),
    );
    if (watched) stop = watchThaw({ tickMs: 50, lateMs: 200 });
    const socket = new Socket();
    await new Promise<void>((ok) => socket.connect(port, "127.0.0.1", ok));
    const order: string[] = [];
    const done = new Promise<void>((ok) => {
      socket.on("data", () => {
        order.push("answer");
        ok();
      });
      socket.on("timeout", () => {
        order.push("timeout");
        ok();
      });
    });
    socket.setTimeout(300);
    // Let the ticker tick once, so its next tick is due before the socket's timeout.
    await new Promise((r) => setTimeout(r, 60));
    socket.write("DATA\r\n");
    block(1000); // stopped: the answer arrives, and the socket's timeout comes due
    await done;
    socket.destroy();
    expect(order[0]).toBe(first);
  });
});
