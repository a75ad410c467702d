/**
 * Short links in texts and their clicks (schema.ts shortLinks, linkClicks):
 *   shortLinkFor(messageId, url, newCode, now)  the code of that link in that message: the
 *     one stored, else a new one (newCode()); a retried send gets the codes its first
 *     attempt stored, so a text sent twice carries the same links.
 *   followShortLink(code, now, userAgent, { record })  the link's URL, message and customer,
 *     with the click recorded in the same transaction (unless record is false: a HEAD);
 *     null for a code rapport never made.
 *   clicksOf(customerId)                        for the timeline (timeline.ts).
 */
import { sql } from "drizzle-orm";
import { linkClicks, messages, shortLinks } from "./schema.js";
import type { Database, Sql } from "./sql/handle.js";
import { query } from "./sql/query.js";
import type { LinkClickRow } from "./store.js";

const p = sql.placeholder;

/** Conflicts on the code (another message's, by a 1-in-10^17 chance) or on (message, url) insert nothing. */
const insertLink = query(sql`
  insert into ${shortLinks} (code, message_id, url, created_at)
  values (${p("code")}, ${p("messageId")}, ${p("url")}, ${p("now")})
  on conflict do nothing`);
const codeOf = query<{ code: string }>(sql`
  select code from ${shortLinks} where message_id = ${p("messageId")} and url = ${p("url")}`);
const linkByCode = query<{ url: string; messageId: string; customerId: string }>(sql`
  select l.url, l.message_id as "messageId", m.customer_id as "customerId"
  from ${shortLinks} l join ${messages} m on m.id = l.message_id
  where l.code = ${p("code")}`);
const insertClick = query(sql`
  insert into ${linkClicks} (id, code, customer_id, clicked_at, user_agent)
  values (${p("id")}, ${p("code")}, ${p("customerId")}, ${p("now")}, ${p("userAgent")})`);
const clicksOfCustomer = query<LinkClickRow>(sql`
  select c.id, c.code, l.message_id as "messageId", l.url, c.clicked_at as "clickedAt", c.user_agent as "userAgent"
  from ${linkClicks} c join ${shortLinks} l on l.code = c.code
  where c.customer_id = ${p("customerId")}
  order by c.clicked_at, c.id`);

export interface FollowedLink {
  url: string;
  messageId: string;
  customerId: string;
}

export interface ShortLinkStore {
  shortLinkFor(messageId: string, url: string, newCode: () => string, now: number): Promise<string>;
  followShortLink(
    code: string,
    now: number,
    userAgent: string | null,
    opts?: { record?: boolean },
  ): Promise<FollowedLink | null>;
}

export async function clicksOf(t: Sql, customerId: string): Promise<LinkClickRow[]> {
  return (await t.all(clicksOfCustomer, { customerId })).map((r) => ({
    ...r,
    clickedAt: Number(r.clickedAt),
  }));
}

export function shortLinkStore(db: Database, newId: () => string): ShortLinkStore {
  return {
    shortLinkFor: (messageId, url, newCode, now) =>
      db.tx(async (t) => {
        // A code taken by another link is drawn again; three draws in a row taken is not chance.
        for (let attempt = 0; attempt < 3; attempt++) {
          await t.run(insertLink, { code: newCode(), messageId, url, now });
          const row = await t.get(codeOf, { messageId, url });
          if (row) return row.code;
        }
        throw new Error(`could not store a short link for message ${messageId}: every code drawn was taken`);
      }),
    followShortLink: (code, now, userAgent, opts) =>
      opts?.record === false
        ? db.read(async (t) => (await t.get(linkByCode, { code })) ?? null)
        : db.tx(async (t) => {
            const link = await t.get(linkByCode, { code });
            if (!link) return null;
            await t.run(insertClick, {
              id: newId(),
              code,
              customerId: link.customerId,
              now,
              userAgent: userAgent?.slice(0, 200) ?? null,
            });
            return link;
          }),
  };
}
