// `fclab reproduce` in Node: runs the figure set as one sweep (all cores, one progress bar), then
// writes figures (SVG + PNG), reproduce.json (claims, settings) and report.html. Layout:
//   OUT/sweep.json, OUT/sweep.csv      aggregates of every cell (the sweep format)
//   OUT/runs/<cell>/seed-<seed>/       run folders (as `fclab run --no-figure` writes them)
//   OUT/figures/F1-theory.svg|png ...  the six figures, D1 and M1–M2
//   OUT/distill/, OUT/mnist/           the distillation and padded-MNIST sweeps (their own fingerprints)
//   OUT/reproduce.json                 mode, settings, figure → cells, claims, timing
//   OUT/report.html                    one self-contained page
import { cpus, platform, release, arch } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readNpy } from './npy.js';
import { writeFileAtomic } from './atomic.js';
import { renderSvg } from '../report/render.js';
import { writePng } from './png.js';
import { renderReport, type ReportDoc, type ReportSection } from '../report/html.js';
import { defaultBuild, simdSupported } from '../engine/wasm.js';
import { VERSION } from '../version.js';
import { compactJson } from '../sweep/aggregate.js';
import { DERIVED_HELP } from '../tasks/toy/metrics.js';
import type { MetricsRow } from '../tasks/toy/metrics.js';
import { reproduceDistill, type DistillReproduceOutcome } from './reproduce-distill.js';
import { reproduceMnist, type MnistReproduceOutcome } from './reproduce-mnist.js';
import { reproduceTheorem, type TheoremReproduceOutcome } from './reproduce-theorem.js';
import { planSweep } from '../sweep/plan.js';
import { runPlan, type SweepOutcome, type SweepProgressEvent } from './sweep.js';
import {
  finalTable,
  reproduceClaims,
  reproduceFigures,
  reproducePlan,
  type Claim,
  type FigureId,
  type NeuronRun,
  type ReproduceInputs,
  type ReproducePlan,
} from '../paper/reproduce.js';

export interface ReproduceOptions {
  out: string;
  quick?: boolean;
  /** seeds per cell (default 5, quick 3) */
  seeds?: number;
  workers?: number;
  /** a subset of the figures (default all six) */
  figures?: FigureId[];
  /** reuse complete run folders in out (default true) */
  reuse?: boolean;
  onProgress?: (e: SweepProgressEvent) => void;
  /** shown in the report's environment table */
  command?: string;
  /** the distillation figure D1 (default: on unless a subset of figures is asked for) */
  distill?: boolean;
  /** the padded-MNIST figures M1, M2 (default: on unless a subset of figures is asked for) */
  mnist?: boolean;
  /** the theorems' figures TH1–TH4 and their scaling study (default: on unless a subset of figures is asked for) */
  theorem?: boolean;
}

export interface ReproduceOutcome {
  plan: ReproducePlan;
  sweep: SweepOutcome;
  figures: Array<{ id: FigureId; title: string; caption: string; svg: string; png: string }>;
  claims: Claim[];
  report: string;
  wallSeconds: number;
  /** the distillation sweep, figure and checks (absent when not run) */
  distill?: DistillReproduceOutcome;
  /** the padded-MNIST sweep, figures and checks (absent when not run) */
  mnist?: MnistReproduceOutcome;
  /** the theorems' scaling study, figures and checks (absent when not run) */
  theorem?: TheoremReproduceOutcome;
}

async function readNeurons(dir: string): Promise<Omit<NeuronRun, 'seed'>> {
  const it = await readNpy(join(dir, 'neurons.iteration.npy'));
  const asym = await readNpy(join(dir, 'neurons.asymmetry.npy'));
  const bg = await readNpy(join(dir, 'neurons.bgNorm.npy'));
  const [E, m] = asym.shape;
  const rows = (a: Float32Array | Float64Array) => Array.from({ length: E }, (_, e) => Float64Array.from(a.subarray(e * m, (e + 1) * m)));
  let outputSign: Int8Array | undefined;
  try {
    const w = await readNpy(join(dir, 'weights', 'fc1.weight.npy'));
    if (w.shape[0] === 1 && w.shape[1] === m) outputSign = Int8Array.from(w.data, (v) => (v > 0 ? 1 : -1));
  } catch {
    outputSign = undefined;
  }
  return { iterations: Array.from(it.data), asymmetry: rows(asym.data), bgNorm: rows(bg.data), outputSign };
}

function cpuName(): string {
  const c = cpus();
  return c.length ? `${c[0].model.trim()} × ${c.length}` : 'unknown';
}

function duration(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - 60 * m)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const FIGURE_TEXT: Record<FigureId, string> = {
  F7: 'bgProj mixes two things: weight along the shift direction û (what the OOD sign flip hits: contamination in the paper\'s sense) and weight in the other background directions (memorization of training noise, which the ID test set also punishes). Here both parts, without a shift (bgMean 0) and with one (bgMean 0.5); the check below says whether the part along û grows more with the shift in the theory setting.',
  F1: 'The setting of the paper\'s theory: a two-layer network with the output frozen at ±1/m, trained with SGD on the hinge loss. With ReLU, the first-layer weights grow along the background directions although the background is independent of the label, and the OOD loss (background sign-flipped) separates from the training loss. The identity network has no such growth: for a linear model the background terms cancel in the expected gradient.',
  F2: 'The official script\'s default setting (sphere core, logistic loss, AdamW, output trained). The background projection grows with the core projection for ReLU; the OOD loss reaches a minimum early and then rises while the training loss keeps falling. Note that the sphere core (radius 1 vs 2) is not linearly separable, so the identity network cannot fit the training set and its numbers are a weaker baseline here than in F1.',
  F3: 'Background projection over training for each activation. Every nonlinear activation learns the background; the comparison is what the official code\'s activation figure shows, with Tanh and the OOD gap added.',
  F4: 'The same default setting under each optimizer × loss pair. Each cell shows the mean and the half-width of the 95% CI at the last iteration.',
  F5: 'The mechanism the paper proposes: activation asymmetry. A neuron that fires mostly for one class keeps a non-zero expected gradient along every background direction with non-zero mean, so its background weight grows. Left: asymmetry of each neuron over training. Right: neurons that are more asymmetric over training gain more background weight.',
  F6: 'How contamination and the OOD gap depend on the hidden width, the background dimension and the background mean; one knob varies per column, the others stay at the preset. At background mean 0 the training background is symmetric, so the sign flip leaves its distribution unchanged: any gap left there comes from the finite sample (the same core points, their own background negated).',
};

/** Runs the figure set and writes figures, reproduce.json and report.html into options.out. */
export async function reproduce(options: ReproduceOptions): Promise<ReproduceOutcome> {
  const t0 = performance.now();
  const plan = reproducePlan({ quick: options.quick, seeds: options.seeds, figures: options.figures });
  const sweepPlan = planSweep(plan.spec);
  const sweep = await runPlan(sweepPlan, {
    out: options.out,
    workers: options.workers,
    figure: false,
    reuse: options.reuse,
    onProgress: options.onProgress,
  });
  const out = sweep.out;
  const cells = sweep.doc.cells;

  // F5 neuron traces and F2 per-run curves
  const inputs: ReproduceInputs = { plan, cells, runSeries: new Map() };
  const byCell = new Map<string, typeof sweep.runs>();
  for (const r of sweep.runs) {
    const id = sweepPlan.cells[r.run.cell].id;
    byCell.set(id, [...(byCell.get(id) ?? []), r]);
  }
  for (const [id, runs] of byCell)
    inputs.runSeries!.set(
      id,
      // the figure sweep holds toy runs only
      runs.map((r) => ({ oodLoss: (r.metrics as MetricsRow[]).map((m) => m.oodLoss), trainLoss: (r.metrics as MetricsRow[]).map((m) => m.trainLoss) })),
    );
  if (plan.figures.F5.length) {
    const runs = byCell.get(plan.figures.F5[0]) ?? [];
    inputs.neurons = [];
    for (const r of runs) inputs.neurons.push({ seed: r.run.seed, ...(await readNeurons(r.dir)) });
  }

  const built = reproduceFigures(inputs);
  const claims = reproduceClaims(inputs);
  const figDir = join(out, 'figures');
  await mkdir(figDir, { recursive: true });
  const figures: ReproduceOutcome['figures'] = [];
  const svgs: string[] = [];
  for (const f of built) {
    const svgText = await renderSvg(f.spec);
    const svg = join(figDir, `${f.name}.svg`);
    const png = join(figDir, `${f.name}.png`);
    await writeFileAtomic(svg, svgText);
    await writePng(png, svgText);
    figures.push({ id: f.id, title: f.title, caption: f.caption, svg, png });
    svgs.push(svgText);
  }
  const distill =
    options.distill ?? !options.figures
      ? await reproduceDistill({ out, quick: options.quick, seeds: plan.settings.seeds, workers: options.workers, reuse: options.reuse, onProgress: options.onProgress })
      : undefined;
  const mnist =
    options.mnist ?? !options.figures
      ? await reproduceMnist({ out, quick: options.quick, seeds: plan.settings.seeds, workers: options.workers, reuse: options.reuse, onProgress: options.onProgress })
      : undefined;
  const theorem =
    options.theorem ?? !options.figures
      ? await reproduceTheorem({ out, quick: options.quick, seeds: plan.settings.seeds, workers: options.workers, reuse: options.reuse, onProgress: options.onProgress })
      : undefined;
  const wallSeconds = (performance.now() - t0) / 1000;
  const trained = sweep.runs.filter((r) => !r.reused);
  // training time of every run, reused ones included (from their summary.json)
  const cpuSeconds = sweep.runs.reduce((s, r) => s + r.summary.timing.wallSeconds, 0);

  const s = plan.settings;
  // every run and every check of this invocation: the figures' sweep, distillation's, padded MNIST's and the theorems'
  const allRuns = sweep.runs.length + (distill?.sweep.runs.length ?? 0) + (mnist?.sweep.runs.length ?? 0) + (theorem?.sweep.runs.length ?? 0);
  const allChecks = [...claims, ...(distill?.claims ?? []), ...(mnist?.claims ?? []), ...(theorem?.claims ?? [])];
  await writeFileAtomic(
    join(out, 'reproduce.json'),
    compactJson({
      fclab: VERSION,
      mode: s.quick ? 'quick' : 'full',
      seeds: s.seeds,
      settings: { theory: s.theory, default: s.default, sgdLr: s.sgdLr ?? null, notes: s.notes },
      figures: Object.fromEntries(built.map((f) => [f.id, { name: f.name, title: f.title, cells: plan.figures[f.id] }])),
      claims: claims.map((c) => ({ id: c.id, figure: c.figure, statement: c.statement, holds: c.holds, evidence: c.evidence, numbers: c.numbers })),
      fingerprint: sweep.doc.fingerprint,
      ...(distill ? { distill: { figure: distill.figure.name, fingerprint: distill.sweep.doc.fingerprint, claims: distill.claims } } : {}),
      ...(mnist
        ? {
            mnist: {
              figures: mnist.figures.map((f) => f.name),
              settings: mnist.settings,
              fingerprint: mnist.sweep.doc.fingerprint,
              claims: mnist.claims.map((c) => ({ id: c.id, statement: c.statement, holds: c.holds, evidence: c.evidence, numbers: c.numbers })),
            },
          }
        : {}),
      ...(theorem
        ? {
            theorem: {
              figures: theorem.figures.map((f) => f.name),
              settings: theorem.settings,
              fingerprint: theorem.sweep.doc.fingerprint,
              fits: [...theorem.fits.combined, ...theorem.fits.perKnob].map((f) => ({ time: f.time, against: f.against, predicted: f.predicted, slope: f.fit.slope, slopeCi: f.fit.slopeCi, constant: f.fit.constant, used: f.used, unreached: f.unreached })),
              claims: theorem.claims,
              cost: theorem.cost,
            },
          }
        : {}),
      timing: { wallSeconds, runs: allRuns, figureRuns: sweep.runs.length, trained: trained.length, reused: sweep.runs.length - trained.length, runSeconds: cpuSeconds, workers: sweep.workers },
    }) + '\n',
  );

  // the report
  const ok = allChecks.filter((c) => c.holds).length;
  const parts = [`${claims.length} on the synthetic figures`, ...(distill ? [`${distill.claims.length} on distillation (D1)`] : []), ...(mnist ? [`${mnist.claims.length} on padded MNIST (M1–M2)`] : []), ...(theorem ? [`${theorem.claims.length} on the theorems' scaling study (TH1–TH4)`] : [])];
  const sections: ReportSection[] = [
    {
      id: 'headline',
      title: 'Headline results',
      text:
        `${ok} of ${allChecks.length} checks of the paper's qualitative claims hold across ${s.seeds} seeds in this ${s.quick ? 'quick' : 'full'} reproduction (${parts.join(', ')}; ${allRuns} runs). ` +
        'Numbers are means with 95% confidence intervals over seeds (Student t, df = seeds − 1); "paired" differences compare runs with the same seed, hence the same data and initial weights.' +
        (s.quick ? `\n\nQuick mode (not the paper's settings): ${s.notes.join('; ')}. Run fclab reproduce without --quick for the paper's settings.` : ''),
      tables: [
        {
          caption: 'Claims',
          columns: ['figure', 'claim', 'holds', 'evidence'],
          rows: [
            ...claims.map((c) => [c.figure, c.statement, c.holds ? 'yes' : 'NO', c.evidence]),
            ...(distill?.claims ?? []).map((c) => ['D1', `Distillation: ${c.statement}`, c.holds ? 'yes' : 'NO', c.evidence]),
            ...(mnist?.claims ?? []).map((c) => ['M1–M2', `Padded MNIST: ${c.statement}`, c.holds ? 'yes' : 'NO', c.evidence]),
            ...(theorem?.claims ?? []).map((c) => [c.id, `Theorems: ${c.statement}`, c.holds ? 'yes' : 'NO', c.evidence]),
          ],
        },
      ],
    },
    ...built.map((f, i): ReportSection => ({
      id: f.id.toLowerCase(),
      title: f.title,
      text: FIGURE_TEXT[f.id],
      figures: [{ svg: svgs[i], caption: f.caption, png: `figures/${f.name}.png` }],
    })),
    ...(distill ? [distill.section] : []),
    ...(mnist ? [mnist.section] : []),
    ...(theorem ? [theorem.section] : []),
    {
      id: 'final-numbers',
      title: 'Final numbers',
      text:
        `Every cell at its last iteration: mean ± half-width of the 95% CI over ${s.seeds} seeds. Cells are named by their preset and the settings that differ from it${s.quick ? ' (after the quick-mode changes)' : ''}. ` +
        `Δ bgProj: ${DERIVED_HELP.bgGrowth}. OOD − ID: ${DERIVED_HELP.oodGap}. coreProj/bgProj: mean norm of the first-layer weights projected on the core/background features. ` +
        'Per-iteration statistics of every metric are in sweep.csv and sweep.json.',
      tables: [{ caption: 'Final values', ...finalTable(cells) }],
    },
    {
      id: 'configs',
      title: 'Configurations',
      text: `Each cell's fully resolved config (seed shown is the first; seed j is base + j). Runs of the figures: ${sweep.runs.length} of the ${allRuns} (${cells.length} cells × ${s.seeds} seeds), each in runs/<cell>/seed-<seed>/.`,
      configs: [
        { name: 'mode settings', json: { mode: s.quick ? 'quick' : 'full', seeds: s.seeds, theory: s.theory, default: s.default, sgdLr: s.sgdLr ?? null } },
        ...cells.map((c) => ({ name: c.id, json: c.config })),
      ],
    },
  ];
  const doc: ReportDoc = {
    title: 'fclab reproduction: Feature Contamination (ICML 2024)',
    subtitle:
      `Zhang et al., "Feature Contamination: Neural Networks Learn Uncorrelated Features and Fail to Generalize" — every synthetic figure, ` +
      `${s.seeds} seeds, 95% CIs. ${s.quick ? 'QUICK MODE (shortened runs).' : 'Paper settings (20,000 iterations).'}`,
    sections,
    environment: {
      fclab: VERSION,
      node: process.version,
      v8: process.versions.v8,
      platform: `${platform()} ${release()} (${arch()})`,
      cpu: cpuName(),
      'wasm build': `${defaultBuild()} (SIMD ${simdSupported() ? 'supported' : 'not supported'})`,
      workers: String(sweep.workers),
      runs: `${allRuns} (figures: ${sweep.runs.length}, ${trained.length} of them trained, ${sweep.runs.length - trained.length} reused${distill ? `; distillation: ${distill.sweep.runs.length}` : ''}${mnist ? `; padded MNIST: ${mnist.sweep.runs.length}` : ''}${theorem ? `; theorems: ${theorem.sweep.runs.length}` : ''})`,
      'wall time of this invocation': duration(wallSeconds),
      'training time (sum over all runs)': duration(cpuSeconds),
      date: new Date().toISOString(),
      ...(options.command ? { command: options.command } : {}),
      fingerprint: sweep.doc.fingerprint,
    },
  };
  const report = join(out, 'report.html');
  await writeFileAtomic(report, renderReport(doc));
  return { plan, sweep, figures, claims, report, wallSeconds, ...(distill ? { distill } : {}), ...(mnist ? { mnist } : {}), ...(theorem ? { theorem } : {}) };
}
