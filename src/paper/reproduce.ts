// `fclab reproduce`, isomorphic part: the figure set's runs (as one sweep of explicit cells),
// the figures built from the sweep's aggregate, and the paper's claims checked across seeds.
//
// Full mode uses the paper's settings (the presets: 20,000 iterations, lr 1e-3, n = 1000, eval
// every 100) with 5 seeds. Quick mode shortens the runs so the whole set takes a few minutes:
//   toy-theory:  lr 0.01 for 400 updates (SGD with momentum: lr × steps governs the early phase;
//                400 × 0.01 matches 4,000 updates at 1e-3), eval every 20;
//   toy-default: n = 200 training points, 600 updates, eval every 20;
//   F4's SGD cells: lr 0.03 (600 × 0.03 ≈ the paper's 20,000 × 1e-3; at 1e-3 SGD barely moves in 600);
//   3 seeds.
// Identical run configs are trained once: F2's ReLU run is F3's ReLU run, F4's AdamW/logistic cell
// and F6's m = 256, bgDim = 32, bgMean = 0.5 points.
import { ACTIVATIONS, LOSSES, OPTIMIZERS, type Activation } from '../config/schema.js';
import { CONFIG_KEYS, resolveConfig, type SetValue } from '../config/resolve.js';
import type { TopLevelSpec } from 'vega-lite';
import {
  bandLineSpec,
  gridSpec,
  heatmapSpec,
  matrixSpec,
  panelsSpec,
  scatterSpec,
  type BandPoint,
  type BandSeries,
} from '../report/figures.js';
import { formatStat, pairedDifference, summarize, type CellAggregate, type Stat } from '../sweep/aggregate.js';
import type { AggMetric } from '../tasks/toy/metrics.js';
import type { ToyConfig } from '../tasks/toy/config.js';
import { correlation } from '../tasks/toy/contamination.js';
import type { SweepSpec } from '../sweep/plan.js';

export type FigureId = 'F1' | 'F2' | 'F3' | 'F4' | 'F5' | 'F6' | 'F7';
export const FIGURE_IDS: FigureId[] = ['F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7'];

export interface ReproduceSettings {
  quick: boolean;
  seeds: number;
  /** overrides of toy-theory in this mode */
  theory: Record<string, SetValue>;
  /** overrides of toy-default in this mode */
  default: Record<string, SetValue>;
  /** learning rate of F4's SGD cells (quick mode), else the preset's */
  sgdLr?: number;
  /** how this mode departs from the paper's settings (report and captions) */
  notes: string[];
}

export const FULL_SEEDS = 5;
export const QUICK_SEEDS = 3;

export function reproduceSettings(opts: { quick?: boolean; seeds?: number } = {}): ReproduceSettings {
  const quick = !!opts.quick;
  const seeds = opts.seeds ?? (quick ? QUICK_SEEDS : FULL_SEEDS);
  if (!quick) return { quick, seeds, theory: {}, default: {}, notes: [] };
  return {
    quick,
    seeds,
    theory: { 'train.lr': 0.01, 'train.iterations': 400, 'train.evalEvery': 20 },
    default: { 'data.n': 200, 'train.iterations': 600, 'train.evalEvery': 20 },
    sgdLr: 0.03,
    notes: [
      'toy-theory: lr 0.01 for 400 updates (≈ 4,000 updates at the paper\'s 1e-3)',
      'toy-default: n = 200 points, 600 updates',
      'F4 SGD cells: lr 0.03',
      `${seeds} seeds`,
    ],
  };
}

export const ACTIVATION_LABEL: Record<Activation, string> = {
  relu: 'ReLU',
  gelu: 'GELU',
  leakyrelu: 'LeakyReLU',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  identity: 'Identity (linear)',
};
/** One colour per activation in every figure. */
export const ACTIVATION_COLOR: Record<Activation, string> = {
  relu: '#d62728',
  gelu: '#9467bd',
  leakyrelu: '#ff7f0e',
  sigmoid: '#2ca02c',
  tanh: '#1f77b4',
  identity: '#7f7f7f',
};
const SERIES_COLOR = { train: '#1f77b4', ood: '#ff7f0e', core: '#2ca02c', bg: '#d62728' };
const OPT_LABEL = { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW' } as const;
const LOSS_LABEL = { logistic: 'logistic', hinge: 'hinge', mse: 'MSE', softmax: 'softmax' } as const;

export const WIDTHS = [64, 128, 256, 512];
export const BG_DIMS = [8, 16, 32, 64, 128];
export const BG_MEANS = [0, 0.25, 0.5, 1, 2];

type Preset = 'toy-theory' | 'toy-default';

/** A cell of the figure set: preset + overrides relative to the mode's base for that preset. */
interface FigureCell {
  preset: Preset;
  overrides: Record<string, SetValue>;
}

function modeBase(s: ReproduceSettings, preset: Preset): Record<string, SetValue> {
  return preset === 'toy-theory' ? s.theory : s.default;
}

/**
 * Canonical cell id: the preset, then every override that differs from the mode's base, in
 * config-key order: `toy-default,model.activation=gelu`. Equal configs get equal ids.
 */
export function cellIdOf(s: ReproduceSettings, c: FigureCell): string {
  const base = resolveConfig({ preset: c.preset, set: modeBase(s, c.preset) }) as unknown as Record<string, Record<string, unknown>>;
  const parts: string[] = [c.preset];
  for (const k of CONFIG_KEYS) {
    if (!(k in c.overrides)) continue;
    const [a, b] = k.split('.');
    const cur = b ? base[a][b] : base[a];
    if (cur !== c.overrides[k]) parts.push(`${k}=${String(c.overrides[k])}`);
  }
  return parts.join(',');
}

const theory = (o: Record<string, SetValue> = {}): FigureCell => ({ preset: 'toy-theory', overrides: o });
const dflt = (o: Record<string, SetValue> = {}): FigureCell => ({ preset: 'toy-default', overrides: o });

function figureCells(s: ReproduceSettings): Record<FigureId, FigureCell[]> {
  const f4: FigureCell[] = [];
  for (const o of OPTIMIZERS)
    for (const l of LOSSES)
      f4.push(dflt({ 'train.optimizer': o, 'train.loss': l, ...(o === 'sgd' && s.sgdLr !== undefined ? { 'train.lr': s.sgdLr } : {}) }));
  return {
    F1: [theory(), theory({ 'model.activation': 'identity' })],
    F2: [dflt(), dflt({ 'model.activation': 'identity' })],
    F3: ACTIVATIONS.map((a) => dflt({ 'model.activation': a })),
    F4: f4,
    F5: [theory()],
    F6: [
      ...WIDTHS.map((m) => dflt({ 'model.hidden': m })),
      ...BG_DIMS.map((d) => dflt({ 'data.bgDim': d })),
      ...BG_MEANS.map((m) => dflt({ 'data.bgMean': m })),
    ],
    // shift vs no shift: background mean 0 (the sign flip leaves the distribution unchanged) and 0.5
    F7: [theory({ 'data.bgMean': 0 }), theory(), dflt({ 'data.bgMean': 0 }), dflt()],
  };
}

export interface ReproducePlan {
  settings: ReproduceSettings;
  /** one sweep of explicit cells (deduplicated) */
  spec: SweepSpec;
  /** cell ids each figure uses */
  figures: Record<FigureId, string[]>;
}

/** The figure set as one sweep spec of unique cells. */
export function reproducePlan(opts: { quick?: boolean; seeds?: number; figures?: FigureId[] } = {}): ReproducePlan {
  const settings = reproduceSettings(opts);
  const all = figureCells(settings);
  const wanted = opts.figures ?? FIGURE_IDS;
  const cells = new Map<string, { id: string; preset: string; set: Record<string, SetValue> }>();
  const figures = {} as Record<FigureId, string[]>;
  for (const f of FIGURE_IDS) {
    figures[f] = [];
    if (!wanted.includes(f)) continue;
    for (const c of all[f]) {
      const id = cellIdOf(settings, c);
      figures[f].push(id);
      if (!cells.has(id)) cells.set(id, { id, preset: c.preset, set: { ...modeBase(settings, c.preset), ...c.overrides } });
    }
  }
  return { settings, spec: { cells: [...cells.values()], seeds: settings.seeds }, figures };
}

// ----------------------------------------------------------------------------------------------
// Figures

/** Per-neuron data of one run for F5 (first hidden layer). */
export interface NeuronRun {
  seed: number;
  iterations: number[];
  /** per evaluation, per neuron: P(active | y=+1) − P(active | y=−1) */
  asymmetry: Float64Array[];
  /** per evaluation, per neuron: norm of the weight's background projection */
  bgNorm: Float64Array[];
  /** sign of each neuron's output weight (+1/−1), when the network has one hidden layer */
  outputSign?: Int8Array;
}

export interface ReproduceInputs {
  plan: ReproducePlan;
  cells: CellAggregate[];
  /** F5: the neuron traces of the theory ReLU cell, one per seed (seed order) */
  neurons?: NeuronRun[];
  /** per-run metrics series by cell id (seed order), for claims on whole curves */
  runSeries?: Map<string, Array<{ oodLoss: number[]; trainLoss: number[] }>>;
}

export interface BuiltFigure {
  id: FigureId;
  name: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

function lookup(cells: CellAggregate[]): (id: string) => CellAggregate {
  const m = new Map(cells.map((c) => [c.id, c]));
  return (id) => {
    const c = m.get(id);
    if (!c) throw new Error(`reproduce: cell ${id} has no results`);
    return c;
  };
}

function band(c: CellAggregate, metric: AggMetric): BandPoint[] {
  const s = c.series[metric];
  return c.iterations.map((x, i) => ({
    x,
    mean: s.mean[i],
    lo: Number.isFinite(s.ciLo[i]) ? s.ciLo[i] : s.mean[i],
    hi: Number.isFinite(s.ciHi[i]) ? s.ciHi[i] : s.mean[i],
  }));
}

function domainOf(series: BandSeries[], pad = 0.04): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series)
    for (const p of s.points)
      for (const v of [p.lo, p.hi, p.mean])
        if (Number.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
  if (!Number.isFinite(lo)) return [0, 1];
  const span = hi - lo || Math.abs(hi) || 1;
  return [lo - pad * span, hi + pad * span];
}

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? String(Number(v.toPrecision(d))) : 'n/a');
const halfWidth = (s: Stat) => (Number.isFinite(s.ciHi) ? (s.ciHi - s.ciLo) / 2 : NaN);
/** Decimals that give the largest |value| three significant digits (at most 4). */
function decimalsFor(values: number[]): number {
  const max = Math.max(...values.filter(Number.isFinite).map(Math.abs), 0);
  let d = 2;
  for (let t = 1; max < t && d < 4; t /= 10) d++;
  return max >= 10 ? 1 : d;
}
const pmFixed = (s: Stat, d: number) =>
  Number.isFinite(halfWidth(s)) ? `${s.mean.toFixed(d)} ± ${halfWidth(s).toFixed(d)}` : Number.isFinite(s.mean) ? s.mean.toFixed(d) : 'n/a';

function settingText(s: ReproduceSettings, preset: Preset): string {
  const it = (preset === 'toy-theory' ? s.theory : s.default)['train.iterations'] ?? 20000;
  const lr = (preset === 'toy-theory' ? s.theory : s.default)['train.lr'] ?? 0.001;
  const n = (preset === 'toy-theory' ? s.theory : s.default)['data.n'] ?? 1000;
  const what =
    preset === 'toy-theory'
      ? 'uniform core, hinge loss, SGD (momentum 0.9), output frozen at ±1/m'
      : 'sphere core, logistic loss, AdamW, output trained';
  return `${what}; n = ${n}, ${Number(it).toLocaleString('en-US')} iterations, lr ${lr}`;
}

function bandsNote(s: ReproduceSettings): string {
  return `mean and 95% CI (Student t) over ${s.seeds} seeds${s.quick ? ' · QUICK MODE (shortened runs, not the paper\'s settings)' : ''}`;
}

function settingFigure(inp: ReproduceInputs, fig: 'F1' | 'F2'): BuiltFigure {
  const s = inp.plan.settings;
  const get = lookup(inp.cells);
  const [reluId, linId] = inp.plan.figures[fig];
  const preset: Preset = fig === 'F1' ? 'toy-theory' : 'toy-default';
  const rows: Array<[string, CellAggregate]> = [
    ['ReLU', get(reluId)],
    ['Identity (linear)', get(linId)],
  ];
  const lossSeries = rows.map(([, c]) => [
    { name: 'Train (ID) loss', color: SERIES_COLOR.train, points: band(c, 'trainLoss') },
    { name: 'OOD loss', color: SERIES_COLOR.ood, dashed: true, points: band(c, 'oodLoss') },
  ]);
  const projSeries = rows.map(([, c]) => [
    { name: 'Core features', color: SERIES_COLOR.core, points: band(c, 'coreProj') },
    { name: 'Background features', color: SERIES_COLOR.bg, points: band(c, 'bgProj') },
  ]);
  // losses are >= 0 (a wide CI band may reach below); each loss panel has its own y range,
  // the projection panels share theirs so ReLU's and the identity network's growth compare
  const lossDomains = lossSeries.map((ser) => {
    const d = domainOf(ser);
    return [Math.max(0, d[0]), d[1]] as [number, number];
  });
  const projDomain = domainOf(projSeries.flat());
  const panels = rows.map(([label, c], i) => [
    bandLineSpec({
      title: { text: `${label}: loss`, subtitle: `final OOD − ID loss ${formatStat(c.final.oodGap)}` },
      x: 'Iterations',
      y: 'Loss',
      series: lossSeries[i],
      yDomain: lossDomains[i],
      legend: 'bottom',
    }),
    bandLineSpec({
      title: { text: `${label}: feature projections`, subtitle: `background growth ${formatStat(c.final.bgGrowth)}` },
      x: 'Iterations',
      y: 'Mean projection norm',
      series: projSeries[i],
      yDomain: projDomain,
      legend: 'bottom',
    }),
  ]);
  const name = fig === 'F1' ? 'Theory setting (toy-theory)' : 'Default setting (toy-default)';
  const title = `${fig} · ${name}: ReLU network vs identity network`;
  return {
    id: fig,
    name: fig === 'F1' ? 'F1-theory' : 'F2-default',
    title,
    caption:
      `${title}. Left: training (in-distribution) and OOD loss; right: mean norm of the first-layer weights projected on the core and on the background features. ` +
      `Rows: ReLU (top) and the identity activation (bottom); the projection panels share their y axis. ${settingText(s, preset)}; ${bandsNote(s)}.`,
    spec: gridSpec(panels, { text: title, subtitle: [settingText(s, preset), bandsNote(s)] }),
  };
}

function activationFigure(inp: ReproduceInputs): BuiltFigure {
  const s = inp.plan.settings;
  const get = lookup(inp.cells);
  const ids = inp.plan.figures.F3;
  const cells = ids.map(get);
  const series = (m: AggMetric): BandSeries[] =>
    cells.map((c) => ({ name: ACTIVATION_LABEL[c.config.model.activation], color: ACTIVATION_COLOR[c.config.model.activation], points: band(c, m) }));
  const title = 'F3 · Activations (toy-default): background projection and OOD gap';
  const spec = panelsSpec(
    [
      bandLineSpec({ title: 'Background projection (bgProj)', x: 'Iterations', y: 'bgProj', series: series('bgProj'), legend: 'none' }),
      bandLineSpec({ title: 'OOD loss − training loss', x: 'Iterations', y: 'OOD − ID loss', series: series('oodGap'), rule: 0 }),
    ],
    { text: title, subtitle: [settingText(s, 'toy-default'), bandsNote(s)] },
  );
  return {
    id: 'F3',
    name: 'F3-activations',
    title,
    caption:
      `${title}. The official code's activation figure (ReLU, GELU, LeakyReLU, Sigmoid, identity) plus Tanh, and the OOD gap over training. ` +
      `${settingText(s, 'toy-default')}; ${bandsNote(s)}.`,
    spec,
  };
}

function gridFigure(inp: ReproduceInputs): BuiltFigure {
  const s = inp.plan.settings;
  const get = lookup(inp.cells);
  const cells = inp.plan.figures.F4.map(get);
  const heat = (metric: AggMetric, title: string, valueTitle: string) =>
    heatmapSpec({
      title,
      x: 'Loss',
      y: 'Optimizer',
      valueTitle,
      cellWidth: 124,
      cellHeight: 44,
      fontSize: 13,
      cells: cells.map((c) => ({
        x: LOSS_LABEL[(c.config as ToyConfig).train.loss],
        y: OPT_LABEL[(c.config as ToyConfig).train.optimizer],
        value: c.final[metric].mean,
        label: pmFixed(c.final[metric], decimalsFor(cells.map((d) => d.final[metric].mean))),
      })),
    });
  const title = 'F4 · Optimizer × loss (toy-default, ReLU): final OOD gap and background growth';
  const lrNote = s.sgdLr !== undefined ? `; SGD cells at lr ${s.sgdLr}` : '';
  return {
    id: 'F4',
    name: 'F4-optimizer-loss',
    title,
    caption:
      `${title}. Each cell: mean ± 95% CI half-width at the last iteration of OOD loss − training loss (left) and of bgProj − its initial value (right). ` +
      `${settingText(s, 'toy-default')}${lrNote}; SGD with momentum 0.9; ${bandsNote(s)}.`,
    spec: panelsSpec(
      [heat('oodGap', 'Final OOD − ID loss', 'OOD − ID'), heat('bgGrowth', 'Background projection growth', 'Δ bgProj')],
      { text: title, subtitle: [`${settingText(s, 'toy-default')}${lrNote}`, bandsNote(s)] },
    ),
  };
}

/** Per neuron: mean over evaluations of |asymmetry|, and bgNorm growth (last − first). */
export function neuronPoints(r: NeuronRun): { asym: Float64Array; growth: Float64Array } {
  const E = r.iterations.length;
  const m = r.bgNorm[0]?.length ?? 0;
  const asym = new Float64Array(m);
  const growth = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    let s = 0;
    for (let e = 0; e < E; e++) s += Math.abs(r.asymmetry[e][k]);
    asym[k] = s / E;
    growth[k] = r.bgNorm[E - 1][k] - r.bgNorm[0][k];
  }
  return { asym, growth };
}

/** Per-seed Pearson r between neurons' mean |asymmetry| and their background growth. */
export function mechanismCorrelation(neurons: NeuronRun[]): { perSeed: number[]; stat: Stat } {
  const perSeed = neurons.map((r) => {
    const { asym, growth } = neuronPoints(r);
    return correlation(asym, growth);
  });
  return { perSeed, stat: summarize(perSeed) };
}

function mechanismFigure(inp: ReproduceInputs): BuiltFigure {
  const s = inp.plan.settings;
  const runs = inp.neurons ?? [];
  if (!runs.length) throw new Error('reproduce: F5 needs the neuron traces of the theory ReLU runs');
  // (a) neurons × iterations for the first seed, neurons sorted by final asymmetry; at most
  // 128 neurons (every k-th of the sorted order) and 40 evaluations keep the SVG small
  const r0 = runs[0];
  const E = r0.iterations.length;
  const m = r0.asymmetry[0].length;
  const order = Array.from({ length: m }, (_, k) => k).sort((a, b) => r0.asymmetry[E - 1][a] - r0.asymmetry[E - 1][b] || a - b);
  const rowStep = Math.max(1, Math.ceil(m / 128));
  const colStep = Math.max(1, Math.ceil(E / 40));
  const cols: number[] = [];
  for (let e = 0; e < E; e += colStep) cols.push(e);
  if (cols[cols.length - 1] !== E - 1) cols.push(E - 1);
  const cells: Array<{ x0: number; x1: number; y0: number; y1: number; value: number }> = [];
  const picked = order.filter((_, i) => i % rowStep === 0);
  picked.forEach((k, row) => {
    cols.forEach((e, j) => {
      const x = r0.iterations[e];
      const prev = j > 0 ? r0.iterations[cols[j - 1]] : x - (r0.iterations[cols[1] ?? e] - x || 1);
      const next = j < cols.length - 1 ? r0.iterations[cols[j + 1]] : x + (x - prev);
      cells.push({ x0: (prev + x) / 2, x1: (x + next) / 2, y0: row * rowStep, y1: (row + 1) * rowStep, value: r0.asymmetry[e][k] });
    });
  });
  const heat = matrixSpec({
    title: { text: 'Per-neuron activation asymmetry', subtitle: `seed ${r0.seed}; neurons sorted by final asymmetry` },
    x: 'Iterations',
    y: 'Neuron (sorted)',
    valueTitle: 'Asymmetry',
    cells,
    domain: [-1, 1],
    diverging: true,
  });
  // (b) every neuron of every seed
  const corr = mechanismCorrelation(runs);
  const points = runs.flatMap((r) => {
    const { asym, growth } = neuronPoints(r);
    return Array.from(asym, (a, k) => ({
      x: a,
      y: growth[k],
      group: r.outputSign ? (r.outputSign[k] > 0 ? 'output weight > 0' : 'output weight < 0') : undefined,
    }));
  });
  const scatter = scatterSpec({
    title: { text: 'Asymmetric neurons learn the background', subtitle: `Pearson r per seed: ${formatStat(corr.stat)}` },
    x: 'Mean |asymmetry| over training',
    y: 'Δ background norm',
    points,
    size: 14,
    opacity: 0.45,
    fit: true,
    colors: [
      { group: 'output weight > 0', color: '#1f77b4' },
      { group: 'output weight < 0', color: '#d62728' },
    ],
  });
  const title = 'F5 · The mechanism (toy-theory, ReLU): activation asymmetry drives background growth';
  return {
    id: 'F5',
    name: 'F5-mechanism',
    title,
    caption:
      `${title}. Left: each first-layer neuron's activation asymmetry P(active | y=+1) − P(active | y=−1) over training (one seed). ` +
      `Right: each neuron's mean |asymmetry| over training against the growth of its background projection norm, all neurons of all ${runs.length} seeds, with the least-squares line; ` +
      `r is the Pearson correlation per seed, mean and 95% CI. ${settingText(s, 'toy-theory')}${s.quick ? ' · QUICK MODE' : ''}.`,
    spec: panelsSpec([heat, scatter], {
      text: title,
      subtitle: [settingText(s, 'toy-theory'), `all neurons of ${runs.length} seeds${s.quick ? ' · QUICK MODE (shortened runs, not the paper\'s settings)' : ''}`],
    }),
  };
}

function scalingFigure(inp: ReproduceInputs): BuiltFigure {
  const s = inp.plan.settings;
  const get = lookup(inp.cells);
  const cells = inp.plan.figures.F6.map(get);
  const axes: Array<{ label: string; short: string; key: (c: CellAggregate) => number; values: number[]; scale: 'log' | 'ordinal' }> = [
    { label: 'Hidden width m (log scale)', short: 'width', key: (c) => c.config.model.hidden, values: WIDTHS, scale: 'log' },
    { label: 'Background dimension (log scale)', short: 'background dimension', key: (c) => (c.config as ToyConfig).data.bgDim, values: BG_DIMS, scale: 'log' },
    { label: 'Background mean', short: 'background mean', key: (c) => (c.config as ToyConfig).data.bgMean, values: BG_MEANS, scale: 'ordinal' },
  ];
  const base = resolveConfig({ preset: 'toy-default', set: s.default }) as ToyConfig;
  const pointsFor = (a: (typeof axes)[number], metric: AggMetric): BandPoint[] => {
    // the cells of this axis: those that differ from the base only in this key
    const mine = cells.filter(
      (c) =>
        a.values.includes(a.key(c)) &&
        axes.every((o) => o === a || o.key(c) === o.key({ config: base } as CellAggregate)),
    );
    const seen = new Set<number>();
    return mine
      .filter((c) => !seen.has(a.key(c)) && seen.add(a.key(c)))
      .sort((p, q) => a.key(p) - a.key(q))
      .map((c) => {
        const f = c.final[metric];
        return { x: a.key(c), mean: f.mean, lo: Number.isFinite(f.ciLo) ? f.ciLo : f.mean, hi: Number.isFinite(f.ciHi) ? f.ciHi : f.mean };
      });
  };
  const row = (metric: AggMetric, y: string) =>
    axes.map((a) =>
      bandLineSpec({
        title: `${y} vs ${a.short}`,
        x: a.label,
        y,
        series: [{ name: 'ReLU', color: ACTIVATION_COLOR.relu, points: pointsFor(a, metric) }],
        xScale: a.scale,
        xLogBase: 2,
        xTicks: a.values,
        points: true,
        legend: 'none',
        rule: 0,
        width: 300,
        height: 210,
      }),
    );
  const title = 'F6 · Scaling (toy-default, ReLU): contamination and OOD gap vs width, background dimension and mean';
  return {
    id: 'F6',
    name: 'F6-scaling',
    title,
    caption:
      `${title}. Top: final bgProj − initial bgProj; bottom: final OOD loss − training loss. One knob varies per column, the others stay at the preset ` +
      `(m = ${base.model.hidden}, bgDim = ${base.data.bgDim}, bgMean = ${base.data.bgMean}); the background is U(bgMean − 1/2, bgMean + 1/2) per coordinate in training and its sign is flipped OOD, ` +
      `so at bgMean = 0 the shift vanishes. ${settingText(s, 'toy-default')}; ${bandsNote(s)}.`,
    spec: gridSpec([row('bgGrowth', 'Δ bgProj'), row('oodGap', 'OOD − ID loss')], {
      text: title,
      subtitle: [settingText(s, 'toy-default'), bandsNote(s)],
    }),
  };
}

/**
 * F7: the background projection split into its part along the shift direction û (bgShiftProj) and
 * the rest (bgNoiseProj), without a shift (bgMean 0) and with one (bgMean 0.5), in both settings.
 */
function shiftFigure(inp: ReproduceInputs): BuiltFigure {
  const s = inp.plan.settings;
  const get = lookup(inp.cells);
  const [t0, t5, d0, d5] = inp.plan.figures.F7.map(get);
  const series = (c: CellAggregate): BandSeries[] => [
    { name: 'along the shift û (bgShiftProj)', color: SERIES_COLOR.bg, points: band(c, 'bgShiftProj') },
    { name: 'other background directions (bgNoiseProj)', color: '#8c564b', points: band(c, 'bgNoiseProj') },
  ];
  const panel = (c: CellAggregate, text: string) =>
    bandLineSpec({
      title: { text, subtitle: `Δ bgShiftProj ${formatStat(c.final.bgShiftGrowth)}, Δ bgNoiseProj ${formatStat(c.final.bgNoiseGrowth)}` },
      x: 'Iterations',
      y: 'Mean projection norm',
      series: series(c),
      legend: 'bottom',
    });
  const title = 'F7 · Shift vs no shift (ReLU): background weight along the shift direction and in the other directions';
  return {
    id: 'F7',
    name: 'F7-shift',
    title,
    caption:
      `${title}. Columns: background mean 0 (the OOD sign flip leaves the background's distribution unchanged: no shift) and 0.5 (the preset); rows: toy-theory and toy-default. ` +
      `bgShiftProj = mean over neurons of |P[k,bg]·û|, û the unit vector of E_ood[z_bg] − E_train[z_bg] (at bgMean 0 the direction any bgMean > 0 would shift along); bgNoiseProj = the norm of the rest. ` +
      `${settingText(s, 'toy-theory')}; ${settingText(s, 'toy-default')}; ${bandsNote(s)}.`,
    spec: gridSpec(
      [
        [panel(t0, 'toy-theory, bgMean 0 (no shift)'), panel(t5, 'toy-theory, bgMean 0.5')],
        [panel(d0, 'toy-default, bgMean 0 (no shift)'), panel(d5, 'toy-default, bgMean 0.5')],
      ],
      { text: title, subtitle: [bandsNote(s)] },
    ),
  };
}

/** Builds the specs of the figures the plan includes. */
export function reproduceFigures(inp: ReproduceInputs): BuiltFigure[] {
  const out: BuiltFigure[] = [];
  const f = inp.plan.figures;
  if (f.F1.length) out.push(settingFigure(inp, 'F1'));
  if (f.F2.length) out.push(settingFigure(inp, 'F2'));
  if (f.F3.length) out.push(activationFigure(inp));
  if (f.F4.length) out.push(gridFigure(inp));
  if (f.F5.length) out.push(mechanismFigure(inp));
  if (f.F6.length) out.push(scalingFigure(inp));
  if (f.F7.length) out.push(shiftFigure(inp));
  return out;
}

// ----------------------------------------------------------------------------------------------
// Claims

export interface Claim {
  id: string;
  figure: FigureId;
  statement: string;
  holds: boolean;
  /** the numbers behind it, as "mean [95% CI]" */
  evidence: string;
  numbers: Record<string, Stat>;
}

const perSeed = (c: CellAggregate, m: AggMetric) => c.runs.map((r) => r.final[m]);

/**
 * The paper's qualitative claims, checked across seeds. "A clear margin" for bgProj growth: the
 * paired difference (same seed) is positive in every seed by at least 10% of the initial bgProj,
 * and its 95% CI excludes 0.
 */
export function reproduceClaims(inp: ReproduceInputs): Claim[] {
  const get = lookup(inp.cells);
  const claims: Claim[] = [];
  const f = inp.plan.figures;
  const contamination = (fig: 'F1' | 'F2', setting: string) => {
    const relu = get(f[fig][0]);
    const lin = get(f[fig][1]);
    const diffs = perSeed(relu, 'bgGrowth').map((v, i) => v - perSeed(lin, 'bgGrowth')[i]);
    const diff = pairedDifference(perSeed(relu, 'bgGrowth'), perSeed(lin, 'bgGrowth'));
    const margin = 0.1 * relu.series.bgProj.mean[0];
    claims.push({
      id: `${fig}-contamination`,
      figure: fig,
      statement: `${setting}: ReLU's bgProj growth exceeds the identity network's by a clear margin`,
      holds: diffs.every((d) => d >= margin) && diff.ciLo > 0,
      evidence:
        `bgProj growth ReLU ${formatStat(relu.final.bgGrowth)}, identity ${formatStat(lin.final.bgGrowth)}; paired difference ${formatStat(diff)}, every seed above the margin ${fmt(margin)} (10% of the initial bgProj): ${diffs.every((d) => d >= margin) ? 'yes' : 'no'}. ` +
        `Split: along the shift û (Δ bgShiftProj) ReLU ${formatStat(relu.final.bgShiftGrowth)}, identity ${formatStat(lin.final.bgShiftGrowth)}; other directions (Δ bgNoiseProj) ReLU ${formatStat(relu.final.bgNoiseGrowth)}, identity ${formatStat(lin.final.bgNoiseGrowth)}`,
      numbers: { reluBgGrowth: relu.final.bgGrowth, identityBgGrowth: lin.final.bgGrowth, difference: diff },
    });
    return { relu, lin };
  };
  if (f.F1.length) {
    const { relu, lin } = contamination('F1', 'Theory setting');
    const gapDiff = pairedDifference(perSeed(relu, 'oodGap'), perSeed(lin, 'oodGap'));
    claims.push({
      id: 'F1-ood-gap',
      figure: 'F1',
      statement: "Theory setting: ReLU's OOD loss exceeds its training loss, by more than the identity network's does",
      holds: relu.final.oodGap.ciLo > 0 && gapDiff.ciLo > 0,
      evidence: `OOD − ID loss ReLU ${formatStat(relu.final.oodGap)}, identity ${formatStat(lin.final.oodGap)}; paired difference ${formatStat(gapDiff)}`,
      numbers: { reluOodGap: relu.final.oodGap, identityOodGap: lin.final.oodGap, difference: gapDiff },
    });
  }
  if (f.F2.length) {
    const { relu } = contamination('F2', 'Default setting');
    claims.push({
      id: 'F2-ood-gap',
      figure: 'F2',
      statement: "Default setting: ReLU's OOD loss exceeds its training loss",
      holds: relu.final.oodGap.ciLo > 0,
      evidence: `OOD − ID loss ReLU ${formatStat(relu.final.oodGap)}; OOD accuracy ${formatStat(relu.final.oodAcc)} vs training accuracy ${formatStat(relu.final.trainAcc)}`,
      numbers: { reluOodGap: relu.final.oodGap, oodAcc: relu.final.oodAcc, trainAcc: relu.final.trainAcc },
    });
    const series = inp.runSeries?.get(f.F2[0]);
    if (series) {
      const rise = series.map((r) => r.oodLoss[r.oodLoss.length - 1] - Math.min(...r.oodLoss));
      const atMin = series.filter((r) => r.trainLoss[r.trainLoss.length - 1] === Math.min(...r.trainLoss)).length;
      const st = summarize(rise);
      claims.push({
        id: 'F2-ood-rises',
        figure: 'F2',
        statement: 'Default setting, ReLU: the OOD loss rises after its minimum while the training loss keeps falling (every seed)',
        holds: rise.every((v) => v > 0) && atMin === series.length,
        evidence: `final OOD loss − its minimum ${formatStat(st)} (per seed ${rise.map((v) => fmt(v)).join(', ')}); the training loss ends at its minimum in ${atMin} of ${series.length} seeds`,
        numbers: { oodRise: st },
      });
    }
  }
  if (f.F3.length) {
    const nonlinear = f.F3.map(get).filter((c) => c.config.model.activation !== 'identity');
    // The gaps are skewed (one seed can be 10x another), so the t interval is wide; the claim is
    // that the gap is positive in every seed of every activation, with the interval reported too.
    const positive = (c: CellAggregate) => perSeed(c, 'oodGap').filter((g) => g > 0).length;
    claims.push({
      id: 'F3-ood-gap',
      figure: 'F3',
      statement: 'Default setting: the OOD gap is positive for every nonlinear activation (in every seed)',
      holds: nonlinear.every((c) => positive(c) === c.n),
      evidence: nonlinear
        .map((c) => `${ACTIVATION_LABEL[c.config.model.activation]} ${formatStat(c.final.oodGap)}, positive in ${positive(c)}/${c.n} seeds`)
        .join('; '),
      numbers: Object.fromEntries(nonlinear.map((c) => [c.config.model.activation, c.final.oodGap])),
    });
  }
  if (f.F5.length && inp.neurons?.length) {
    const corr = mechanismCorrelation(inp.neurons);
    claims.push({
      id: 'F5-mechanism',
      figure: 'F5',
      statement: 'Theory setting, ReLU: neurons with larger activation asymmetry gain more background weight (positive correlation)',
      holds: corr.perSeed.every((r) => r > 0) && (inp.neurons.length < 2 || corr.stat.ciLo > 0),
      evidence: `Pearson r between mean |asymmetry| and background norm growth over neurons: ${formatStat(corr.stat)} (per seed ${corr.perSeed.map((r) => fmt(r)).join(', ')})`,
      numbers: { pearson: corr.stat },
    });
  }
  if (f.F7.length) {
    const [t0, t5] = f.F7.map(get);
    const diff = pairedDifference(perSeed(t5, 'bgShiftGrowth'), perSeed(t0, 'bgShiftGrowth'));
    claims.push({
      id: 'F7-shift',
      figure: 'F7',
      statement: 'Theory setting (ReLU): the weight along the shift direction grows more with a shift (bgMean 0.5) than without one (bgMean 0)',
      holds: diff.ciLo > 0,
      evidence: `Δ bgShiftProj at bgMean 0.5 ${formatStat(t5.final.bgShiftGrowth)}, at bgMean 0 ${formatStat(t0.final.bgShiftGrowth)}; paired difference ${formatStat(diff)}`,
      numbers: { shiftGrowth: t5.final.bgShiftGrowth, noShiftGrowth: t0.final.bgShiftGrowth, difference: diff },
    });
  }
  return claims;
}

/** Rows of the report's table of final numbers (mean [95% CI]). */
export const FINAL_COLUMNS: Array<[AggMetric, string]> = [
  ['trainLoss', 'train loss'],
  ['oodLoss', 'OOD loss'],
  ['oodGap', 'OOD − ID'],
  ['trainAcc', 'train acc'],
  ['oodAcc', 'OOD acc'],
  ['coreProj', 'coreProj'],
  ['bgProj', 'bgProj'],
  ['bgGrowth', 'Δ bgProj'],
  ['idTestLoss', 'ID test loss'],
  ['bgShiftGrowth', 'Δ bgShiftProj'],
  ['bgNoiseGrowth', 'Δ bgNoiseProj'],
];

/** "0.533 ± 0.055" (mean ± half-width of the 95% CI), 3 significant digits. */
export function formatPlusMinus(st: Stat): string {
  const h = halfWidth(st);
  return Number.isFinite(h) ? `${fmt(st.mean)} ± ${fmt(h, 2)}` : fmt(st.mean);
}

/** The report's table of final numbers: mean ± 95% CI half-width per cell. */
export function finalTable(cells: CellAggregate[]): { columns: string[]; rows: string[][] } {
  return {
    columns: ['cell', 'seeds', ...FINAL_COLUMNS.map(([, l]) => l)],
    // a zero-width space after each comma lets long ids wrap
    rows: cells.map((c) => [c.id.replace(/,/g, ',\u200b'), String(c.n), ...FINAL_COLUMNS.map(([m]) => formatPlusMinus(c.final[m]))]),
  };
}
