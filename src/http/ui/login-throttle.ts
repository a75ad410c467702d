/**
 * Failed dashboard logins per client address: after `maxFailures` in a window the address
 * is refused until the window ends, so a short DASHBOARD_PASSWORD cannot be guessed at
 * network speed. Per address, so one guesser does not lock the operators out; the map is
 * bounded (expired windows go first, then the oldest), so many addresses cannot grow it.
 * Per process: with several HTTP processes each counts its own.
 */
export interface LoginThrottle {
  blocked(client: string, now: number): boolean;
  failed(client: string, now: number): void;
  succeeded(client: string): void;
}

export function createLoginThrottle(opts: {
  maxFailures: number;
  windowMs: number;
  maxClients?: number;
}): LoginThrottle {
  const maxClients = opts.maxClients ?? 10_000;
  const windows = new Map<string, { start: number; failures: number }>();
  const current = (client: string, now: number) => {
    const w = windows.get(client);
    return w && now - w.start < opts.windowMs ? w : null;
  };
  return {
    blocked: (client, now) => (current(client, now)?.failures ?? 0) >= opts.maxFailures,
    failed(client, now) {
      const w = current(client, now);
      if (w) {
        w.failures++;
        return;
      }
      if (windows.size >= maxClients) {
        for (const [k, v] of windows) if (now - v.start >= opts.windowMs) windows.delete(k);
        while (windows.size >= maxClients) {
          const oldest = windows.keys().next().value;
          if (oldest === undefined) break;
          windows.delete(oldest);
        }
      }
      windows.set(client, { start: now, failures: 1 });
    },
    succeeded: (client) => {
      windows.delete(client);
    },
  };
}
