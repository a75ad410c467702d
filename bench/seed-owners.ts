/**
 * Many owners in a few SQL statements, straight into a bench store rapport has migrated:
 * `count` customers (time zone UTC, so wait_until targets are UTC), spread round-robin
 * over `products` (product k gets owners k, k + P, k + 2P …), each owning one. The
 * database generates the rows itself (a recursive CTE on SQLite, generate_series on
 * Postgres): 100,000 owners take seconds, not minutes. Ids are `${prefix}c${i}`,
 * `${prefix}o${i}`; products `${prefix}p${k}` with sku `${sku}-${k}`.
 */
import type { BenchStore } from "./bench-store.js";

export interface OwnerSeed {
  count: number;
  /** How many products the owners are spread over. */
  products: number;
  /** SKU stem: product k's sku is `${sku}-${k}`. */
  sku: string;
  category: string;
  prefix: string;
}

export async function seedOwners(store: BenchStore, seed: OwnerSeed, now = Date.now()): Promise<void> {
  const { count, products: p, prefix } = seed;
  for (let k = 0; k < p; k++) {
    await store.run(
      "INSERT INTO products (id, sku, name, category, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
      [`${prefix}p${k}`, `${seed.sku}-${k}`, `Bench product ${k}`, seed.category, now],
    );
  }
  // Rows of i in [0, count): SQLite counts up recursively, Postgres has generate_series.
  const numbers =
    store.kind === "sqlite"
      ? "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $1)"
      : "WITH n(i) AS (SELECT generate_series(0, $1::int - 1))";
  const t = store.kind === "sqlite" ? (x: string) => x : (x: string) => `${x}::text`;
  await store.run(
    `${numbers}
     INSERT INTO customers (id, email, name, timezone, attributes, tags, created_at, updated_at)
     SELECT ${t("$2")} || 'c' || i, ${t("$2")} || i || '@example.com', 'Owner ' || i, 'UTC', '{}', '[]', $3, $3 FROM n`,
    [count, prefix, now],
  );
  await store.run(
    `${numbers}
     INSERT INTO ownerships (id, customer_id, product_id, serial, kind, status, started_at, created_at, updated_at)
     SELECT ${t("$2")} || 'o' || i, ${t("$2")} || 'c' || i, ${t("$2")} || 'p' || CAST(i % $4 AS INTEGER), ${t("$2")} || i,
            'registration', 'active', $3, $3, $3 FROM n`,
    [count, prefix, now, p],
  );
}
