/**
 * An SMTP sink in its own process for the benchmark, so the sink's parsing does not
 * compete with the measured code for the same event loop. It counts accepted messages
 * and answers the parent's "count" questions over IPC.
 */
import { SMTPServer } from "smtp-server";

let count = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  maxClients: 200,
  onData(stream, _session, callback) {
    stream.on("data", () => {});
    stream.on("end", () => {
      count++;
      callback();
    });
  },
});

server.listen(0, "127.0.0.1", () => {
  const addr = server.server.address();
  process.send?.({ type: "ready", port: typeof addr === "object" && addr ? addr.port : 0 });
});

process.on("message", (msg: { type: string }) => {
  if (msg.type === "count") process.send?.({ type: "count", count });
  if (msg.type === "reset") {
    count = 0;
    process.send?.({ type: "count", count });
  }
  if (msg.type === "stop") server.close(() => process.exit(0));
});
