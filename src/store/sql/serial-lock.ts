/**
 * One at a time, in arrival order: better-sqlite3 has a single connection, and a
 * transaction that awaits between its statements must not let another caller's
 * statements into it.
 */
export interface SerialLock {
  run<T>(fn: () => Promise<T> | T): Promise<T>;
}

export function serialLock(): SerialLock {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(fn: () => Promise<T> | T): Promise<T> {
      const result = tail.then(fn);
      tail = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
  };
}
