// node bench/docs-table.mjs bench/results/FILE.json: the markdown docs/bench.md shows for one bench
// run (host, load, ceiling, GEMM fractions, training cases, threads under load, the browser leg), regenerated from
// the file rather than typed in.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/docs-table.mjs bench/results/FILE.json');
  process.exit(2);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const f1 = (x) => x.toFixed(1);
const ms = (x) => (x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x >= 0.01 ? x.toFixed(3) : x.toFixed(4));
const pct = (x) => `${(100 * x).toFixed(0)}%`;
const L = [];
const m = r.machine;
L.push(`\`${file.replace(/^.*bench\//, 'bench/')}\`: fclab ${r.fclab}, ${r.date.slice(0, 16).replace('T', ' ')} UTC. Host: **${m.cpu}** (\`lscpu\` model name), ${m.cores} cores, ${m.platform}, Node ${m.node}; ${r.settings.quick ? 'quick' : 'full'}, medians of ${r.settings.repeats}.`);
L.push(`Load average (1, 5, 15 min) ${m.loadAverage.start.map(f1).join(', ')} at the start and ${m.loadAverage.end.map(f1).join(', ')} at the end${r.note ? `; note: ${r.note}` : ''}.`);
L.push('');
const c = r.node.ceiling;
L.push(`Ceiling: **${f1(c.gflops)} GFLOP/s** (${c.kernel}, the best of ${c.kernels.length} kernels). Each kernel's best repeat, GFLOP/s:`);
L.push('');
const kinds = ['fused', 'split', 'outer'];
const sizes = [...new Set(c.kernels.map((k) => k.name.replace(/^\D+/, '')))];
L.push(`| accumulators | ${sizes.join(' | ')} |`);
L.push(`|---|${sizes.map(() => '---').join('|')}|`);
for (const kind of kinds) L.push(`| ${kind} | ${sizes.map((n) => f1(c.kernels.find((k) => k.kind === kind && k.name.endsWith(n))?.gflops ?? NaN)).join(' | ')} |`);
L.push('');
L.push('| GEMM | layout | median GFLOP/s | best GFLOP/s | best / ceiling | median paired ratio |');
L.push('|---|---|---|---|---|---|');
for (const g of r.node.gemm) L.push(`| ${g.shape} | ${g.layout} | ${f1(g.gflops)} | ${f1(g.bestGflops)} | ${pct(g.ofCeiling)} | ${pct(g.pairedRatio)} |`);
L.push('');
L.push(`GEMMs above the ceiling: ${r.ceilingViolations.length ? r.ceilingViolations.join('; ') : 'none'}.`);
L.push('');
L.push('| case | fclab, 1 thread | fclab, 2 threads |');
L.push('|---|---|---|');
for (const [id, rows] of Object.entries(r.node.fclab)) L.push(`| ${id} | ${rows.map((x) => ms(x.ms)).join(' | ')} |`);
if (r.load?.conditions) {
  L.push('');
  L.push(`Kernel threads, ${r.load.pairs} paired alternating runs (ms per iteration, medians; ratio = median of the paired ${r.load.threads}-thread / 1-thread ratios):`);
  L.push('');
  L.push(`| case | background | 1 thread | ${r.load.threads} threads | ratio | load average |`);
  L.push('|---|---|---|---|---|---|');
  for (const x of r.load.conditions) L.push(`| ${x.case} | ${x.condition} | ${ms(x.ms1)} | ${ms(x.msN)} | ${x.ratio.toFixed(2)} | ${f1(x.loadAverage)} |`);
}
if (r.browser?.paired?.length) {
  const legs = r.browser.legs;
  L.push('');
  L.push(`Browser leg: ${legs.map((l) => `${l.browser} (isolated: ${l.isolated}, performance.now() step ${(1000 * l.timerResolutionMs).toFixed(0)} µs, ceiling ${f1(l.result.ceiling.gflops)} GFLOP/s)`).join(', ')}. ` +
    `Each case paired with Node over ${r.browser.paired[0].rounds} alternating rounds; ms per iteration (medians), and the median of the rounds' browser / Node ratios, wall time and CPU time:`);
  L.push('');
  L.push(`| case | threads | Node | ${legs.map((l) => `${l.name} | ×, wall | ×, CPU`).join(' | ')} | load average |`);
  L.push(`|---|---|---|${legs.map(() => '---|---|---').join('|')}|---|`);
  for (const p of r.browser.paired)
    L.push(`| ${p.case} | ${p.threads} | ${ms(p.ms.node)} | ${legs.map((l) => `${ms(p.ms[l.name])} | ${p.ratioToNode[l.name].toFixed(2)} | ${p.cpuRatioToNode[l.name].toFixed(2)}`).join(' | ')} | ${f1(p.loadAverage[0])} |`);
  if (r.browser.profile?.length) {
    L.push('');
    L.push(`| toy-default kernel | Node ms | ${legs.map((l) => `${l.name} | ×, wall | ×, CPU`).join(' | ')} |`);
    L.push(`|---|---|${legs.map(() => '---|---|---').join('|')}|`);
    for (const k of r.browser.profile) L.push(`| ${k.kernel} | ${ms(k.ms.node)} | ${legs.map((l) => `${ms(k.ms[l.name])} | ${k.ratioToNode[l.name].toFixed(2)} | ${k.cpuRatioToNode[l.name].toFixed(2)}`).join(' | ')} |`);
  }
}
console.log(L.join('\n'));
