/**
 * The one rule for changing a customer's tags, used wherever tags change: the
 * interpreter (later conditions in the same advance), the simulation, the step job (which
 * folds one advance's tag steps into one change) and the store (which applies it to the
 * customer's row).
 *
 * Contract: changeTags(tags, { add, remove }) → the tags after the change, sorted, each
 * once. Steps apply in the order they run: a later `untag` removes what an earlier `tag`
 * added, and the reverse. Within one change, `remove` is applied before `add`, so a tag
 * in both ends up present ("add wins"); the parser never makes such a step (a step is
 * either `tag` or `untag`), but a folded change can hold both only through this rule.
 * foldTagChanges(changes) → one change equal to applying `changes` in order: applying
 * it with changeTags gives the same tags as applying each in turn. Pure.
 */

export interface TagChange {
  add: readonly string[];
  remove: readonly string[];
}

export function changeTags(tags: readonly unknown[], change: TagChange): string[] {
  const out = new Set(tags.map(String));
  for (const t of change.remove) out.delete(t);
  for (const t of change.add) out.add(t);
  return [...out].sort();
}

export function foldTagChanges(changes: readonly TagChange[]): { add: string[]; remove: string[] } {
  let add: string[] = [];
  let remove: string[] = [];
  for (const c of changes) {
    // The net additions change like tags do; the net removals like their mirror image.
    add = changeTags(add, c);
    remove = changeTags(remove, { add: c.remove, remove: c.add });
  }
  return { add, remove };
}
