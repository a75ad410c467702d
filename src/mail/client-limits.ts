/**
 * What one client address may do at the inbound SMTP listener, so that no single sender
 * can lock the others out or guess signed addresses at leisure.
 *
 * Contract:
 *   const limits = createClientLimits({ maxConnections, maxUnknownRecipients, windowMs, clock });
 *   const key = clientKey(socket.remoteAddress)   // IPv4 as is, IPv6 by its /64
 *   limits.open(key) → "ok" (counted: call limits.close(key) when it closes)
 *                    | "too-many-connections" | "blocked" (not counted)
 *   limits.unknownRecipient(key) → true when this one makes the client blocked
 *   limits.blocked(key) → whether RCPTs and connections from it are refused now
 *
 * Connections: at most `maxConnections` open at once per client, besides the listener's
 * global limit. Unknown recipients: the `maxUnknownRecipients`-th refused recipient within
 * `windowMs` of the first one blocks the client until that window ends. Pure bookkeeping
 * (the clock is injected); memory is bounded by `maxTracked` clients with a window open,
 * plus one entry per client with connections open.
 */
import { isIPv4, isIPv6 } from "node:net";
import type { Clock } from "../infra/clock.js";

export type OpenVerdict = "ok" | "too-many-connections" | "blocked";

export interface ClientLimits {
  open(key: string): OpenVerdict;
  close(key: string): void;
  unknownRecipient(key: string): boolean;
  blocked(key: string): boolean;
  /** Open connections counted for a client (for tests and logs). */
  connections(key: string): number;
}

export interface ClientLimitsOptions {
  maxConnections: number;
  maxUnknownRecipients: number;
  windowMs: number;
  clock: Clock;
  /** Clients whose unknown-recipient window is remembered at once; default 10,000. */
  maxTracked?: number;
}

/**
 * The unit a limit applies to: an IPv4 address, or an IPv6 /64 (one subscriber's
 * network: a single host may use any of its 2^64 addresses, so counting per address
 * would not limit it). IPv4-mapped IPv6 addresses count as their IPv4 address.
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (isIPv4(address) || !isIPv6(address)) return address;
  const [head = "", tail] = address.toLowerCase().split("%")[0]?.split("::") ?? [];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  // An embedded IPv4 tail takes two groups; only the first four groups matter here.
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - width(left) - width(right)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

interface Strikes {
  count: number;
  windowEnds: number;
}

export function createClientLimits(opts: ClientLimitsOptions): ClientLimits {
  const open = new Map<string, number>();
  const strikes = new Map<string, Strikes>();
  const maxTracked = opts.maxTracked ?? 10_000;

  const current = (key: string): Strikes | null => {
    const s = strikes.get(key);
    if (s && s.windowEnds <= opts.clock.now()) {
      strikes.delete(key);
      return null;
    }
    return s ?? null;
  };

  const blocked = (key: string) => {
    const s = current(key);
    return s !== null && s.count >= opts.maxUnknownRecipients;
  };

  /** Forgets closed windows; if every tracked client is still within its window, the oldest. */
  const makeRoom = () => {
    const now = opts.clock.now();
    for (const [key, s] of strikes) if (s.windowEnds <= now) strikes.delete(key);
    while (strikes.size >= maxTracked) {
      const oldest = strikes.keys().next().value;
      if (oldest === undefined) break;
      strikes.delete(oldest);
    }
  };

  return {
    open(key) {
      if (blocked(key)) return "blocked";
      const n = open.get(key) ?? 0;
      if (n >= opts.maxConnections) return "too-many-connections";
      open.set(key, n + 1);
      return "ok";
    },
    close(key) {
      const n = (open.get(key) ?? 0) - 1;
      if (n > 0) open.set(key, n);
      else open.delete(key);
    },
    unknownRecipient(key) {
      let s = current(key);
      if (!s) {
        if (strikes.size >= maxTracked) makeRoom();
        s = { count: 0, windowEnds: opts.clock.now() + opts.windowMs };
        strikes.set(key, s);
      }
      s.count += 1;
      return s.count === opts.maxUnknownRecipients;
    },
    blocked,
    connections: (key) => open.get(key) ?? 0,
  };
}
