/** freePorts (src/infra/embedded-redis.ts): several ports at once, each different, each free. */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePorts } from "../../../src/infra/embedded-redis.js";

const listenOn = (port: number) =>
  new Promise<void>((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(port, "127.0.0.1", () => srv.close(() => ok()));
  });

describe("freePorts", () => {
  it.each([1, 4, 16])("hands out %i distinct ports, each free to listen on afterwards", async (n) => {
    for (let round = 0; round < 20; round++) {
      const ports = await freePorts(n);
      expect(ports).toHaveLength(n);
      expect(new Set(ports).size).toBe(n);
      for (const port of ports) expect(port).toBeGreaterThan(0);
      for (const port of ports) await listenOn(port);
    }
  });
});
