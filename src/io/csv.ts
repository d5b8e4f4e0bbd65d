// metrics.csv and friends: a header, then one row per record, numbers in JavaScript's shortest
// round-trip form (a missing value is NaN).
/** metrics.csv: header, then one row per evaluation; numbers in JavaScript's shortest round-trip form. */
export function metricsCsv(rows: ReadonlyArray<Record<string, number>>, columns: readonly string[]): string {
  const lines = [columns.join(',')];
  for (const r of rows) lines.push(columns.map((c) => String(r[c] ?? NaN)).join(','));
  return lines.join('\n') + '\n';
}
