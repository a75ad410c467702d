/** Serves the Hono app on Node's http server; close() stops accepting and drains. */
import { type ServerType, serve } from "@hono/node-server";
import type { Hono } from "hono";

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export function listen(app: Hono, port: number, host: string): Promise<RunningServer> {
  return new Promise((ok, fail) => {
    let server: ServerType;
    try {
      server = serve({ fetch: app.fetch, port, hostname: host }, (info) =>
        ok({
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              // Idle keep-alive sockets would otherwise hold close() open.
              (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
            }),
        }),
      );
      server.once("error", fail);
    } catch (err) {
      fail(err);
    }
  });
}
