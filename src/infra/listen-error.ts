/**
 * A listener that could not start, said in terms of the setting that chose its address:
 * `listen EADDRINUSE` alone does not tell an operator which of rapport's ports it was,
 * nor what to change.
 *
 * Contract: listenProblem(err, { what, variable, host, port }) → a message naming the
 * variable and the fix for a busy or forbidden port, else null (the caller rethrows).
 */
export interface ListenTarget {
  /** What listens there, e.g. "the HTTP API". */
  what: string;
  /** The setting that chose the port, e.g. "PORT". */
  variable: string;
  host: string;
  port: number;
}

export function listenProblem(err: unknown, t: ListenTarget): string | null {
  const code = (err as { code?: unknown })?.code;
  const at = `${t.host}:${t.port}`;
  if (code === "EADDRINUSE")
    return `${t.what} cannot listen on ${at}: the port is in use (another rapport, or another program). Stop it, or set ${t.variable} to a free port${t.variable === "INBOUND_SMTP_PORT" ? " (or off)" : ""}.`;
  if (code === "EACCES")
    return `${t.what} cannot listen on ${at}: not allowed (ports below 1024 need privileges). Set ${t.variable} to a port above 1023, or give node the right to bind it.`;
  if (code === "EADDRNOTAVAIL")
    return `${t.what} cannot listen on ${at}: this machine has no such address. Check ${t.variable === "PORT" ? "HOST" : "INBOUND_SMTP_HOST"}.`;
  return null;
}
