/**
 * "Did you mean ...?" for misspelt keys and values (`wiat` → `wait`).
 *
 * Contract: closest(word, candidates) returns the candidate nearest to `word` by edit
 * distance (with swapped neighbours counting as one edit, the commonest typo), or null
 * when none is near enough to be a plausible typo. Ties go to the candidate of the most
 * similar length, then to the earlier one. Case is ignored when comparing.
 */

/** Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    const row = d[i] ?? [];
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** How many edits still look like a typo of a word this long (short words tolerate fewer). */
function tolerance(length: number): number {
  if (length <= 3) return 1;
  if (length <= 6) return 2;
  return 3;
}

export function closest(word: string, candidates: Iterable<string>): string | null {
  const w = word.toLowerCase();
  let best: { candidate: string; distance: number; lengthGap: number } | null = null;
  for (const candidate of candidates) {
    const distance = editDistance(w, candidate.toLowerCase());
    if (distance > tolerance(Math.max(w.length, candidate.length))) continue;
    const lengthGap = Math.abs(candidate.length - w.length);
    if (!best || distance < best.distance || (distance === best.distance && lengthGap < best.lengthGap)) {
      best = { candidate, distance, lengthGap };
    }
  }
  return best?.candidate ?? null;
}

/** "; did you mean "wait"?" or "" — ready to append to a message. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const guess = closest(word, candidates);
  return guess === null || guess === word ? "" : `; did you mean ${JSON.stringify(guess)}?`;
}
