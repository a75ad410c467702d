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
