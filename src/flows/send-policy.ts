/**
 * When a relationship message may go out: inside the send window (quiet hours and allowed
 * weekdays, in the customer's time zone) and under the frequency cap (at most `max`
 * relationship messages in any `perMs`). Outside either, the message is postponed to the
 * next moment that satisfies both, never dropped. Transactional messages (answers to
 * something the customer did: an acknowledgement, a receipt) are exempt from both.
 *
 * Contract: earliestSendTime(policy, { now, timezone, sentAt }) → epoch ms ≥ now.
 *   - window: local [start, end) on `days` (0 = Monday); end ≤ start means the window runs
 *     past midnight (e.g. 20:00-02:00). An instant inside is returned as is; else the next
 *     local start on an allowed day (DST-correct through localToEpoch).
 *   - cap: with n = number of sentAt in (t - perMs, t], t is allowed when n < max; else
 *     the earliest t' when enough of them have aged out.
 *   - customerCap (the customer's own limit) is a second cap, applied like `cap`.
 *   - They are applied in turn until a time satisfies all (a few rounds at most).
 * Pure: the clock and the customer's sent history come in as arguments.
 */
import { localToEpoch, parseTimeOfDay, wallClock } from "./time.js";

export interface SendWindow {
  /** "HH:MM", local. */
  start: string;
  end: string;
  /** Allowed weekdays, 0 = Monday … 6 = Sunday. */
  days: number[];
}

export interface FrequencyCap {
  max: number;
  perMs: number;
}

export interface SendPolicy {
  window?: SendWindow;
  cap?: FrequencyCap;
  /**
   * The customer's own limit (their preferences' frequency), counted over the same sent
   * history as `cap`; both must hold, so it only ever makes mail rarer.
   */
  customerCap?: FrequencyCap;
}

/** The caps a policy applies (the brand's, the customer's), and the longest period they look back. */
export function capsOf(policy: SendPolicy): { caps: FrequencyCap[]; lookbackMs: number } {
  const caps = [policy.cap, policy.customerCap].filter((c): c is FrequencyCap => c !== undefined);
  return { caps, lookbackMs: Math.max(0, ...caps.map((c) => c.perMs)) };
}

const DAY = 24 * 3600_000;

function minutesOf(text: string): number {
  const m = parseTimeOfDay(text);
  if (m === null) throw new RangeError(`expected a time of day like "09:00", got ${JSON.stringify(text)}`);
  return m;
}

/** The instant itself when inside the window, else the next opening of the window. */
export function nextWindowOpening(at: number, window: SendWindow, timezone: string): number {
  if (window.days.length === 0) throw new RangeError("a send window needs at least one allowed day");
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const local = wallClock(at, timezone);
  const minute = local.hour * 60 + local.minute;
  const allowed = (weekday: number) => window.days.includes(((weekday % 7) + 7) % 7);
  if (start === end) {
    // All day on allowed days.
    if (allowed(local.weekday)) return at;
  } else if (start < end) {
    if (allowed(local.weekday) && minute >= start && minute < end) return at;
  } else {
    // Past midnight: the part after `start` belongs to today, the part before `end` to yesterday's window.
    if (allowed(local.weekday) && minute >= start) return at;
    if (allowed(local.weekday - 1) && minute < end) return at;
  }
  // The next opening: today's start if it is still ahead, else the following days'.
  for (let offset = 0; offset <= 7; offset++) {
    const weekday = local.weekday + offset;
    if (!allowed(weekday)) continue;
    const opening = localToEpoch(
      {
        year: local.year,
        month: local.month,
        day: local.day + offset,
        hour: Math.floor(start / 60),
        minute: start % 60,
      },
      timezone,
    );
    if (opening > at) return opening;
  }
  throw new Error("unreachable: an allowed day comes within a week");
}

/** The earliest instant ≥ at when fewer than cap.max of `sentAt` fall in the trailing cap.perMs. */
export function nextUnderCap(at: number, cap: FrequencyCap, sentAt: readonly number[]): number {
  if (cap.max <= 0) throw new RangeError("a frequency cap needs max ≥ 1");
  const recent = sentAt.filter((t) => t > at - cap.perMs && t <= at).sort((a, b) => a - b);
  if (recent.length < cap.max) return at;
  // Enough must age out that max - 1 remain: the (len - max + 1)-th oldest leaves at its time + per.
  const leaving = recent[recent.length - cap.max];
  return (leaving as number) + cap.perMs;
}

export function earliestSendTime(
  policy: SendPolicy,
  ctx: { now: number; timezone: string; sentAt: readonly number[] },
): number {
  const { caps } = capsOf(policy);
  let t = ctx.now;
  for (let round = 0; round < 50; round++) {
    const inWindow = policy.window ? nextWindowOpening(t, policy.window, ctx.timezone) : t;
    let underCaps = inWindow;
    for (const cap of caps) underCaps = Math.max(underCaps, nextUnderCap(underCaps, cap, ctx.sentAt));
    if (underCaps === inWindow) return inWindow;
    t = underCaps;
  }
  // A cap longer than any gap between windows could chase forever in theory; a week on is safe.
  return t + 7 * DAY;
}

/**
 * The policy as RAPPORT_WAIT_SCALE (demo mode) runs it: every duration it holds scaled
 * like the flows' waits, so the demo's days pass as they would. The caps' periods shrink
 * by `scale` (2 a week becomes 2 in six seconds at 0.00001); the send window goes, since a
 * window is hours of the local day and a scaled day has no hours to keep. At scale 1 the
 * policy is returned as it is.
 */
export function scalePolicy(policy: SendPolicy, scale: number): SendPolicy {
  if (scale === 1) return policy;
  const scaled = (cap: FrequencyCap | undefined) =>
    cap ? { max: cap.max, perMs: Math.round(cap.perMs * scale) } : undefined;
  const cap = scaled(policy.cap);
  const customerCap = scaled(policy.customerCap);
  return { ...(cap ? { cap } : {}), ...(customerCap ? { customerCap } : {}) };
}
