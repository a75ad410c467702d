/** Serves the Hono app on Node's http server; close() stops accepting and drains. */
import type { Socket } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import type { Hono } from "hono";

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Connections that have not carried a request yet. Browsers open these ahead of need (a
 * preference page open in a tab); Node counts them as busy, not idle, so they would hold
 * close() open until the headers timeout. Nothing is lost by closing them.
 */
function trackUnused(server: ServerType): Set<Socket> {
  const unused = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    unused.add(socket);
    socket.once("close", () => unused.delete(socket));
  });
  server.on("request", (req: { socket: Socket }) => unused.delete(req.socket));
  return unused;
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
              for (const socket of unused) socket.destroy();
            }),
        }),
      );
      const unused = trackUnused(server);
      server.once("error", fail);
    } catch (err) {
      fail(err);
    }
  });
}
