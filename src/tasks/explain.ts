// What a preset's runs show, for every kind: the one form of the explanation texts that report.html
// (Task.reportSections), the demo page and docs/explanations.md use. Each sentence that says what a
// plot shows is a Claim with a check; tests/explain.test.ts runs every described configuration and
// asserts every check, and a report or the page shows for its own run whether each claim holds there.
/** One evaluation's metrics (task.ts's MetricRow; not imported from there, which imports this). */
type MetricRow = Record<string, number> & { iteration: number };

export interface Claim {
  /** what the described run shows, one sentence */
  text: string;
  /** whether the sentence is true of a run, from its first and last evaluation */
  holds(first: MetricRow, last: MetricRow): boolean;
}

/** One described run: the preset with these overrides (none: `fclab run --preset P`). */
export interface DescribedRun {
  label: string;
  set: Record<string, string | number | boolean>;
  claims: Claim[];
}

export interface Explanation {
  /** what the setting is (no statement about the outcome) */
  about: string;
  runs: DescribedRun[];
}

/** The described run a config matches by activation (an explanation's runs differ only there). */
export function describedRunOf(e: Explanation | undefined, activation: string): DescribedRun | undefined {
  return e?.runs.find((r) => (r.set['model.activation'] ?? 'relu') === activation);
}

/** The report's explanation text for a run: the setting, then each claim with whether it holds in this run. */
export function explanationText(e: Explanation, d: DescribedRun, s: { iterations: number; seed: number; initial: MetricRow; final: MetricRow }): string {
  const claims = d.claims.map((k) => `${k.text}: ${k.holds(s.initial, s.final) ? 'holds in this run' : 'does NOT hold in this run'}.`);
  const where = Object.keys(d.set).some((k) => k !== 'model.activation') ? 'the described' : "the preset's";
  return (
    `${e.about} In ${where} run with ${d.label} (${describedSettings(d)}), each of these is true; ` +
    `whether it is in this run (iterations ${s.iterations}, seed ${s.seed}) is checked here: ${claims.join(' ')}`
  );
}

/** "default iterations and seed", or the overrides a described run makes besides the activation. */
export function describedSettings(d: DescribedRun): string {
  const own = Object.entries(d.set).filter(([k]) => k !== 'model.activation');
  return own.length ? `${own.map(([k, v]) => `${k} = ${v}`).join(', ')}, default seed` : 'default iterations and seed';
}

/** Markdown of explanations by preset (docs/explanations.md; scripts/gen-explanations.mjs writes it). */
export function explanationsMarkdown(byPreset: ReadonlyArray<[string, Explanation]>): string {
  const out = [
    '# What the presets show',
    '',
    'Generated from each kind\'s `src/tasks/<kind>/explain.ts` (the text report.html and the demo page use) by `node scripts/gen-explanations.mjs`;',
    '`tests/explain.test.ts` runs each described configuration and checks every sentence.',
    '',
  ];
  for (const [preset, e] of byPreset) {
    out.push(`## ${preset}`, '', e.about, '');
    for (const r of e.runs) {
      const cmd = ['npx fclab run --preset', preset, ...Object.entries(r.set).map(([k, v]) => `--set ${k}=${v}`)].join(' ');
      out.push(`**${r.label}** (\`${cmd}\`):`, '');
      for (const c of r.claims) out.push(`- ${c.text}.`);
      out.push('');
    }
  }
  return out.join('\n');
}
