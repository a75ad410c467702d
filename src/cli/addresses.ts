/**
 * The reply-address signer for commands that only read (timeline, inspect-mail): the
 * secret from RAPPORT_SECRET or the one a running rapport keeps under the data dir. It is
 * read, never generated: a new secret would make every existing address look forged.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { loadBrand } from "../config/brand.js";
import type { Settings } from "../config/settings.js";
import { createReplyAddresses, type ReplyAddresses } from "../mail/tokens.js";

export async function existingReplyAddresses(settings: Settings): Promise<ReplyAddresses | null> {
  const file = join(resolve(settings.RAPPORT_DATA_DIR), "secret");
  const secret = settings.RAPPORT_SECRET ?? (existsSync(file) ? (await readFile(file, "utf8")).trim() : null);
  if (!secret) return null;
  const brand = await loadBrand(join(resolve(settings.RAPPORT_CONFIG_DIR), "rapport.yaml"));
  return createReplyAddresses({ secret, domain: brand.replyDomain });
}
