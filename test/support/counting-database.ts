/**
 * A Database that counts the calls of the named methods and passes them on: what reaches
 * the database, for tests of statements shared by calls in flight (src/store/sql/call-batch.ts).
 */
import type { Database } from "../../src/store/sql/handle.js";

type Method = "tx" | "read" | "write" | "writeReturning" | "writeReturningAll";

export function countingDatabase(db: Database, methods: Method[]): { database: Database; calls(): number } {
  let calls = 0;
  const counted: Record<string, unknown> = { ...db };
  for (const method of methods) {
    const passOn = db[method] as (...args: unknown[]) => unknown;
    counted[method] = (...args: unknown[]) => {
      calls++;
      return passOn.apply(db, args);
    };
  }
  return { database: counted as unknown as Database, calls: () => calls };
}
