/**
 * Calls of one kind that arrive while an earlier one is in flight are answered by ONE
 * call of `many` (one statement for all of them), the way group commit shares a commit:
 * on Postgres each statement costs a round trip, a parse of its reply and, for a write,
 * a commit (a WAL flush), and it is the server's CPU, more than the worker's, that a
 * step spends. A call made when nothing is in flight starts at once, alone: no waiting
 * is added for a batch to fill.
 *
 * Contract: each call resolves with its own result, as if it had run alone. `many` must be
 * one statement and nothing else (work after it belongs to each caller), so if it fails
 * none of it happened (for a write: none of its rows changed), and each of its calls is
 * run again alone: a call that cannot succeed fails by itself and never takes the calls
 * beside it down. One batch is in flight at a time, unless it stalls (STALLED_BATCH_MS).
 */

/**
 * `items` in the order of their keys (ids): two workers' batched writes then lock the rows
 * they share in the same order (a statement over unnest(…) locks rows in its arrays'
 * order), so they never deadlock on each other.
 */
export function inKeyOrder<T>(items: T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

export interface CallBatchOptions<I, R> {
  /** Most calls answered by one `many`: a bound on one statement's size. */
  max: number;
  /** How a call runs when it is alone, or again after its batch failed. */
  alone(item: I): Promise<R>;
  /**
   * Calls with the same key never share a batch (the second waits for the next): for
   * writes whose outcome in one statement would be undefined (two advances of one run).
   */
  keyOf?(item: I): string;
}

/**
 * A batch in flight longer than this no longer holds the next one back: a statement
 * waiting on a row lock (another transaction holds the run) or on a stuck connection
 * delays the calls in it, not every call of the process behind it.
 */
export const STALLED_BATCH_MS = 250;

interface Pending<I, R> {
  item: I;
  ok(result: R): void;
  fail(err: unknown): void;
}

export function callBatcher<I, R>(
  many: (items: I[]) => Promise<R[]>,
  options: CallBatchOptions<I, R>,
): (item: I) => Promise<R> {
  let waiting: Array<Pending<I, R>> = [];
  /** Batches in flight that still hold the next one back (not stalled). */
  let holding = 0;

  const runAlone = async (p: Pending<I, R>) => {
    try {
      p.ok(await options.alone(p.item));
    } catch (err) {
      p.fail(err);
    }
  };

  /** Up to `max` of the waiting calls, no two with one key; the rest stay, in order. */
  const takeBatch = (): Array<Pending<I, R>> => {
    const { keyOf, max } = options;
    if (!keyOf) {
      const batch = waiting.slice(0, max);
      waiting = waiting.slice(batch.length);
      return batch;
    }
    const batch: Array<Pending<I, R>> = [];
    const left: Array<Pending<I, R>> = [];
    const keys = new Set<string>();
    for (const p of waiting) {
      const key = keyOf(p.item);
      if (batch.length < max && !keys.has(key)) {
        keys.add(key);
        batch.push(p);
      } else left.push(p);
    }
    waiting = left;
    return batch;
  };

  const runBatch = async (batch: Array<Pending<I, R>>) => {
    if (batch.length === 1) return runAlone(batch[0] as Pending<I, R>);
    let results: R[];
    try {
      results = await many(batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error("a batch answered for fewer calls than it had");
    } catch {
      // One statement: it changed nothing. Each call gets its own, and its own outcome;
      // they run beside the next batch rather than ahead of it.
      for (const p of batch) void runAlone(p);
      return;
    }
    batch.forEach((p, i) => {
      p.ok(results[i] as R);
    });
  };

  const pump = () => {
    while (holding === 0 && waiting.length > 0) {
      let batch: Array<Pending<I, R>>;
      try {
        batch = takeBatch();
      } catch (err) {
        // keyOf threw: the calls cannot be told apart, so none of them is run.
        for (const p of waiting.splice(0)) p.fail(err);
        return;
      }
      holding++;
      let held = true;
      const letGo = () => {
        if (!held) return;
        held = false;
        holding--;
        pump();
      };
      const stalled = setTimeout(letGo, STALLED_BATCH_MS);
      stalled.unref?.();
      void runBatch(batch).finally(() => {
        clearTimeout(stalled);
        letGo();
      });
    }
  };

  return (item) =>
    new Promise<R>((ok, fail) => {
      waiting.push({ item, ok, fail });
      pump();
    });
}
