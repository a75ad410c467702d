/**
 * Many owners, fast: customers, products and ownerships written straight into a test's
 * store (SQLite file or Postgres schema, as its settings say) in one transaction, many
 * rows per statement, for tests that need an audience and are not about how events
 * become owners.
 */
import { randomUUID } from "node:crypto";
import { type SQL, sql } from "drizzle-orm";
import type { Settings } from "../../src/config/settings.js";
import { customers, ownerships, products } from "../../src/store/schema.js";
import type { Sql } from "../../src/store/sql/handle.js";
import { adhoc } from "../../src/store/sql/query.js";
import { openTestDatabase } from "./test-database.js";

export interface OwnerSeed {
  sku: string;
  category: string;
  /** How many owners; their addresses are `${prefix}-${i}@example.com`. */
  count: number;
  prefix: string;
  status?: "active" | "disposed";
}

const ROWS_PER_STATEMENT = 500;

async function insertMany(t: Sql, into: SQL, rows: SQL[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT)
    await t.run(adhoc(sql`${into} values ${sql.join(rows.slice(i, i + ROWS_PER_STATEMENT), sql`, `)}`));
}

/** Returns the ownership ids created, per seed. */
export async function seedOwners(
  settings: Settings,
  seeds: OwnerSeed[],
  now = Date.now(),
): Promise<string[][]> {
  const database = await openTestDatabase(settings);
  try {
    return await database.tx(async (t) => {
      const created: string[][] = [];
      for (const seed of seeds) {
        const found = await t.get(
          adhoc<{ id: string }>(sql`select id from ${products} where sku = ${seed.sku}`),
        );
        const productId = found?.id ?? randomUUID();
        if (!found)
          await t.run(
            adhoc(sql`insert into ${products} (id, sku, name, category, created_at, updated_at)
              values (${productId}, ${seed.sku}, ${seed.sku.replace(/-/g, " ")}, ${seed.category}, ${now}, ${now})`),
          );
        const customerRows: SQL[] = [];
        const ownershipRows: SQL[] = [];
        const ids: string[] = [];
        const status = seed.status ?? "active";
        const endedAt = status === "disposed" ? now : null;
        for (let i = 0; i < seed.count; i++) {
          const customerId = randomUUID();
          const id = randomUUID();
          customerRows.push(
            sql`(${customerId}, ${`${seed.prefix}-${i}@example.com`}, ${`Owner ${i}`}, ${now}, ${now})`,
          );
          ownershipRows.push(
            sql`(${id}, ${customerId}, ${productId}, ${`${seed.prefix}-${i}`}, 'registration', ${status}, ${now}, ${endedAt}, ${now}, ${now})`,
          );
          ids.push(id);
        }
        await insertMany(
          t,
          sql`insert into ${customers} (id, email, name, created_at, updated_at)`,
          customerRows,
        );
        await insertMany(
          t,
          sql`insert into ${ownerships} (id, customer_id, product_id, serial, kind, status, started_at, ended_at, created_at, updated_at)`,
          ownershipRows,
        );
        created.push(ids);
      }
      return created;
    });
  } finally {
    await database.close();
  }
}
