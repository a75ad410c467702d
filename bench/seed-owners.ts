/**
 * Many owners in a few SQL statements, straight into a bench store rapport has migrated:
 * `count` customers (time zone UTC, so wait_until targets are UTC), spread round-robin
 * over `products` (product k gets owners k, k + P, k + 2P …), each owning one. The
 * database generates the rows itself (a recursive CTE on SQLite, generate_series on
 * Postgres): 100,000 owners take seconds, not minutes. Ids are UUID-shaped (reply
 * addresses are made from them) with the number first, as random ids spread: owner i is
 * customer `{i:08x}-0000-4000-8000-00000000000c`, ownership `…0a`; product k `…0b`.
 * One seeding per store (the ids would collide).
 */
import type { BenchStore } from "./bench-store.js";

export interface OwnerSeed {
  count: number;
  /** How many products the owners are spread over. */
  products: number;
  /** SKU stem: product k's sku is `${sku}-${k}`. */
  sku: string;
  category: string;
  /** Owner i's address is `${emailPrefix}${i}@example.com`. */
  emailPrefix: string;
}

const uuidOf = (n: number, tag: "a" | "b" | "c") =>
  `${n.toString(16).padStart(8, "0")}-0000-4000-8000-${tag.padStart(12, "0")}`;

export async function seedOwners(store: BenchStore, seed: OwnerSeed, now = Date.now()): Promise<void> {
  const { count, products: p } = seed;
  for (let k = 0; k < p; k++) {
    await store.run(
      "INSERT INTO products (id, sku, name, category, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
      [uuidOf(k, "b"), `${seed.sku}-${k}`, `Bench product ${k}`, seed.category, now],
    );
  }
  const sqlite = store.kind === "sqlite";
  // Rows of i in [0, count): SQLite counts up recursively, Postgres has generate_series.
  const numbers = sqlite
    ? "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $1)"
    : "WITH n(i) AS (SELECT generate_series(0, $1::int - 1))";
  const hex = (x: string) => (sqlite ? `printf('%08x', ${x})` : `lpad(to_hex(${x}), 8, '0')`);
  const id = (x: string, tag: string) => `${hex(x)} || '-0000-4000-8000-00000000000${tag}'`;
  const text = (x: string) => (sqlite ? x : `${x}::text`);
  await store.run(
    `${numbers}
     INSERT INTO customers (id, email, name, timezone, attributes, tags, created_at, updated_at)
     SELECT ${id("i", "c")}, ${text("$2")} || i || '@example.com', 'Owner ' || i, 'UTC', '{}', '[]', $3, $3 FROM n`,
    [count, seed.emailPrefix, now],
  );
  await store.run(
    `${numbers}
     INSERT INTO ownerships (id, customer_id, product_id, serial, kind, status, started_at, created_at, updated_at)
     SELECT ${id("i", "a")}, ${id("i", "c")}, ${id(sqlite ? "CAST(i % $2 AS INTEGER)" : "i % $2::int", "b")},
            'S-' || i, 'registration', 'active', $3, $3, $3 FROM n`,
    [count, p, now],
  );
}
