/**
 * The parameters of a statement over `unnest(…)`: one array per column, one element per
 * row, so the statement's text and its prepared plan are the same whatever the number of
 * rows (call-batch.ts's shared statements, a broadcast page's runs). `columns` names each
 * array after the key of the row values it takes its elements from.
 */
export function unnestArrays<T, A extends string>(
  rows: readonly T[],
  columns: Record<A, keyof T>,
): Record<A, unknown[]> {
  const arrays = {} as Record<A, unknown[]>;
  for (const [array, key] of Object.entries(columns) as Array<[A, keyof T]>)
    arrays[array] = rows.map((row) => row[key]);
  return arrays;
}
