/** Rejects when `p` has not settled within `ms`; used where a caller must not hang on Redis. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((ok, fail) => {
    const t = setTimeout(() => fail(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        ok(v);
      },
      (e) => {
        clearTimeout(t);
        fail(e);
      },
    );
  });
}

/** Resolves true when `p` settles before `deadline` (epoch ms), false if the deadline comes first. */
export async function settlesBy(p: Promise<unknown>, deadline: number): Promise<boolean> {
  const settled = p.then(
    () => true as const,
    () => true as const,
  );
  // No deadline (Infinity would overflow setTimeout and fire at once).
  if (!Number.isFinite(deadline)) return settled;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((ok) => {
    timer = setTimeout(() => ok(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How long closing a BullMQ worker or queue may take before its connection is cut: with
 * Redis up it takes milliseconds; with Redis away its commands wait for an answer that
 * does not come (connections retry for ever), and only cutting the connection ends them.
 */
export const BULLMQ_CLOSE_MS = 2000;

/** QUIT, or a cut connection when Redis does not answer QUIT within `ms` (it is away). */
export async function quitOrCut(
  c: { quit(): Promise<unknown>; disconnect(): void },
  ms = 1000,
): Promise<void> {
  const quit = c.quit().catch(() => c.disconnect());
  if (!(await settlesBy(quit, Date.now() + ms))) c.disconnect();
}
