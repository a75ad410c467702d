/**
 * Many owners, fast: customers, products and ownerships written straight into a store's
 * SQLite file in one transaction (10,000 owners in well under a second), for tests that
 * need an audience and are not about how events become owners.
 */
import { randomUUID } from "node:crypto";
import { openSqlite } from "../../src/store/db.js";
import { customers, ownerships, products } from "../../src/store/schema.js";

export interface OwnerSeed {
  sku: string;
  category: string;
  /** How many owners; their addresses are `${prefix}-${i}@example.com`. */
  count: number;
  prefix: string;
  status?: "active" | "disposed";
}

/** Returns the ownership ids created, per seed. */
export function seedOwners(dbPath: string, seeds: OwnerSeed[], now = Date.now()): string[][] {
  const opened = openSqlite(dbPath);
  try {
    const { db } = opened;
    return db.transaction((tx) => {
      return seeds.map((seed) => {
        let product = tx
          .select()
          .from(products)
          .all()
          .find((p) => p.sku === seed.sku);
        if (!product) {
          product = {
            id: randomUUID(),
            sku: seed.sku,
            name: seed.sku.replace(/-/g, " "),
            category: seed.category,
            relationship: null,
            createdAt: now,
            updatedAt: now,
          };
          tx.insert(products).values(product).run();
        }
        const ids: string[] = [];
        for (let i = 0; i < seed.count; i++) {
          const customerId = randomUUID();
          tx.insert(customers)
            .values({
              id: customerId,
              email: `${seed.prefix}-${i}@example.com`,
              name: `Owner ${i}`,
              createdAt: now,
              updatedAt: now,
            })
            .run();
          const id = randomUUID();
          tx.insert(ownerships)
            .values({
              id,
              customerId,
              productId: product.id,
              serial: `${seed.prefix}-${i}`,
              kind: "registration",
              status: seed.status ?? "active",
              startedAt: now,
              endedAt: seed.status === "disposed" ? now : null,
              createdAt: now,
              updatedAt: now,
            })
            .run();
          ids.push(id);
        }
        return ids;
      });
    });
  } finally {
    opened.close();
  }
}
