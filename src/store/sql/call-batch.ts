/**
 * Calls of one kind that arrive while an earlier one is in flight are answered by ONE
 * call of `many` (one statement for all of them), the way group commit shares a commit:
 * on Postgres each statement costs a round trip, a parse of its reply and, for a write,
 * a commit (a WAL flush), and it is the server's CPU, more than the worker's, that a
 * step spends. A call made when nothing is in flight starts at once, alone: no waiting
 * is added for a batch to fill.
 *
 * Contract: each call resolves with its own result, as if it had run alone. `many` is one
 * statement, so if it fails none of it happened (for a write: none of its rows changed),
 * and each of its calls is run again alone: a call that cannot succeed fails by itself and
 * never takes the calls beside it down.
 */

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
  let busy = false;

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
    } catch {
      // One statement: it changed nothing. Each call gets its own, and its own outcome.
      await Promise.all(batch.map(runAlone));
      return;
    }
    batch.forEach((p, i) => {
      p.ok(results[i] as R);
    });
  };

  const drain = async () => {
    busy = true;
    while (waiting.length > 0) await runBatch(takeBatch());
    busy = false;
  };

  return (item) =>
    new Promise<R>((ok, fail) => {
      waiting.push({ item, ok, fail });
      if (!busy) void drain();
    });
}
