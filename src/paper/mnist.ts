// The padded-MNIST part of `fclab reproduce` (the analogue of the paper's CIFAR-10 border figure),
// isomorphic: the sweep (mnist-padded, ReLU vs identity), the figure specs from its aggregate and
// the claims checked across seeds. Node's shell is mnist-reproduce-node.ts.
//
// Full mode: the preset (1,000 minibatch updates, metrics every 50) with the reproduction's seeds.
// Quick mode: 300 updates, metrics every 25 (the signature is already clear there: ReLU's learned
// border share is 15–25× the identity network's).
import type { TopLevelSpec } from 'vega-lite';
import type { SetValue } from '../config/resolve.js';
import type { MnistRunConfig } from '../tasks/mnist/config.js';
import { bandLineSpec, gridSpec, type BandPoint, type BandSeries } from '../report/figures.js';
import { weightGridSpec } from '../tasks/mnist/figures.js';
import { formatStat, pairedDifference, type CellAggregate, type Stat } from '../sweep/aggregate.js';
import { ACTIVATION_COLOR, ACTIVATION_LABEL } from './reproduce.js';
import type { SweepSpec } from '../sweep/plan.js';

export const MNIST_PRESET = 'mnist-padded';
export const MNIST_WEIGHTS_FIGURE = 'M1-mnist-weights';
export const MNIST_CURVES_FIGURE = 'M2-mnist-curves';

export interface MnistReproduceSettings {
  quick: boolean;
  seeds: number;
  /** overrides of the mnist-padded preset in this mode */
  set: Record<string, SetValue>;
  notes: string[];
}

export function mnistReproduceSettings(quick: boolean, seeds: number): MnistReproduceSettings {
  return quick
    ? { quick, seeds, set: { 'train.iterations': 300, 'train.evalEvery': 25 }, notes: ['mnist-padded: 300 updates (the preset: 1,000), metrics every 25'] }
    : { quick, seeds, set: {}, notes: [] };
}

/** The sweep: the two activations, each cell the preset plus the mode's overrides. */
export function mnistSweepSpec(s: MnistReproduceSettings): SweepSpec {
  return { preset: MNIST_PRESET, grid: [['model.activation', ['relu', 'identity']]], set: s.set, seeds: s.seeds };
}

const activationOf = (c: CellAggregate) => c.config.model.activation;

/** The ReLU and identity cells of the sweep's aggregate. */
export function mnistCells(cells: readonly CellAggregate[]): { relu: CellAggregate; identity: CellAggregate } {
  const find = (a: string) => {
    const c = cells.find((x) => activationOf(x) === a);
    if (!c) throw new Error(`reproduce: the MNIST sweep has no ${a} cell`);
    return c;
  };
  return { relu: find('relu'), identity: find('identity') };
}

function band(c: CellAggregate, metric: string): BandPoint[] {
  const s = c.series[metric];
  if (!s) throw new Error(`reproduce: MNIST cell ${c.id} has no ${metric} series`);
  return c.iterations.map((x, i) => ({
    x,
    mean: s.mean[i],
    lo: Number.isFinite(s.ciLo[i]) ? s.ciLo[i] : s.mean[i],
    hi: Number.isFinite(s.ciHi[i]) ? s.ciHi[i] : s.mean[i],
  }));
}

function settingText(s: MnistReproduceSettings, c: CellAggregate): string {
  const { data, model, train, mnist } = c.config as MnistRunConfig;
  return (
    `mnist-padded: ${data.n} training digits, 10 classes, ${mnist.borderWidth}-px border at ${mnist.intensity} (OOD: ${mnist.oodIntensity}); ` +
    `1296 → ${model.hidden} → 10, AdamW, batch ${train.batchSize}, ${train.iterations.toLocaleString('en-US')} updates`
  );
}

function bandsNote(s: MnistReproduceSettings): string {
  return `mean and 95% CI (Student t) over ${s.seeds} seeds${s.quick ? ' · QUICK MODE (300 updates, not the preset\'s 1,000)' : ''}`;
}

/** M2: accuracy (ID test, OOD), bgEnergy, bgShareLearned and the border norm's growth, ReLU vs identity. */
export function mnistCurvesSpec(s: MnistReproduceSettings, cells: readonly CellAggregate[]): TopLevelSpec {
  const { relu, identity } = mnistCells(cells);
  const both = [relu, identity];
  const label = (c: CellAggregate) => ACTIVATION_LABEL[activationOf(c)];
  const color = (c: CellAggregate) => ACTIVATION_COLOR[activationOf(c)];
  const series = (metric: string): BandSeries[] => both.map((c) => ({ name: label(c), color: color(c), points: band(c, metric) }));
  // short names keep the legend as wide as its panel
  const short = (c: CellAggregate) => (activationOf(c) === 'identity' ? 'Identity' : label(c));
  const acc: BandSeries[] = both.flatMap((c) => [
    { name: `${short(c)}, ID test`, color: color(c), points: band(c, 'idTestAcc') },
    { name: `${short(c)}, OOD`, color: color(c), dashed: true, points: band(c, 'oodAcc') },
  ]);
  const size = { width: 330, height: 220 };
  const panels = [
    [
      bandLineSpec({ title: { text: 'Accuracy (dashed: OOD, border removed)', subtitle: `OOD drop: ReLU ${formatStat(relu.final.accDrop)}, identity ${formatStat(identity.final.accDrop)}` }, x: 'Iterations', y: 'Accuracy', series: acc, legend: 'bottom', ...size }),
      bandLineSpec({ title: { text: 'Border share of the weight energy (bgEnergy)', subtitle: 'falls for both as the digit weights grow; compare the two' }, x: 'Iterations', y: 'bgEnergy', series: series('bgEnergy'), legend: 'bottom', ...size }),
    ],
    [
      bandLineSpec({ title: { text: 'Border share of the learned change W − W0 (bgShareLearned)', subtitle: `final: ReLU ${formatStat(relu.final.bgShareLearned)}, identity ${formatStat(identity.final.bgShareLearned)}` }, x: 'Iterations', y: 'bgShareLearned', series: series('bgShareLearned'), legend: 'bottom', ...size }),
      bandLineSpec({ title: { text: 'Growth of the border weight norm (Δ bgProj)', subtitle: `final: ReLU ${formatStat(relu.final.bgGrowth)}, identity ${formatStat(identity.final.bgGrowth)}` }, x: 'Iterations', y: 'Δ bgProj', series: series('bgGrowth'), legend: 'bottom', rule: 0, ...size }),
    ],
  ];
  return gridSpec(panels, { text: 'M2 · Padded MNIST: accuracy and the learned border, ReLU vs identity', subtitle: [settingText(s, relu), bandsNote(s)] });
}

/** M1: the first 16 neurons' learned change W − W0 as 36x36 images, ReLU beside identity (one seed). */
export function mnistWeightsSpec(
  s: MnistReproduceSettings,
  side: number,
  runs: Array<{ label: string; seed: number; change: Float32Array }>,
): TopLevelSpec {
  return weightGridSpec({
    title: {
      text: 'M1 · Padded MNIST: what the first layer learned (W − W0), ReLU beside identity',
      subtitle: [
        `first 16 neurons, ${side}x${side} images, seed ${runs[0]?.seed}; each image scaled to its own max |ΔW|; red > 0 > blue`,
        `a uniform frame is a learned border weight${s.quick ? ' · QUICK MODE (300 updates)' : ''}`,
      ],
    },
    side,
    panels: runs.map((r) => ({ title: `${r.label}: learned change W − W0`, weights: r.change })),
  });
}

export interface MnistClaim {
  id: string;
  statement: string;
  holds: boolean;
  evidence: string;
  numbers: Record<string, Stat>;
}

const perSeed = (c: CellAggregate, m: string) => c.runs.map((r) => r.final[m]);

/**
 * The checks across seeds (paired: the same seed gives both networks the same digits, split and
 * initial weights): ReLU learns more border than the identity network (share of W − W0, and the
 * border norm's growth by at least 10% of its initial value), and loses accuracy without the border.
 */
export function mnistClaims(cells: readonly CellAggregate[]): MnistClaim[] {
  const { relu, identity } = mnistCells(cells);
  const share = pairedDifference(perSeed(relu, 'bgShareLearned'), perSeed(identity, 'bgShareLearned'));
  const shareRatio = perSeed(relu, 'bgShareLearned').map((v, i) => v / perSeed(identity, 'bgShareLearned')[i]);
  const growth = pairedDifference(perSeed(relu, 'bgGrowth'), perSeed(identity, 'bgGrowth'));
  const margin = 0.1 * relu.series.bgProj.mean[0];
  const growthDiffs = perSeed(relu, 'bgGrowth').map((v, i) => v - perSeed(identity, 'bgGrowth')[i]);
  const drop = pairedDifference(perSeed(relu, 'accDrop'), perSeed(identity, 'accDrop'));
  const dropDiffs = perSeed(relu, 'accDrop').map((v, i) => v - perSeed(identity, 'accDrop')[i]);
  const fmt = (v: number) => String(Number(v.toPrecision(3)));
  return [
    {
      id: 'M-border-share',
      statement: "ReLU's share of the learned weight change on the border exceeds the identity network's by more than 5× in every seed",
      holds: shareRatio.every((r) => r > 5) && share.ciLo > 0,
      evidence: `bgShareLearned ReLU ${formatStat(relu.final.bgShareLearned)}, identity ${formatStat(identity.final.bgShareLearned)}; ratio per seed ${shareRatio.map(fmt).join(', ')}; paired difference ${formatStat(share)}`,
      numbers: { relu: relu.final.bgShareLearned, identity: identity.final.bgShareLearned, difference: share },
    },
    {
      id: 'M-border-growth',
      statement: "ReLU's border weight norm grows more than the identity network's by at least 10% of its initial value, in every seed",
      holds: growthDiffs.every((d) => d >= margin) && growth.ciLo > 0,
      evidence: `Δ bgProj ReLU ${formatStat(relu.final.bgGrowth)}, identity ${formatStat(identity.final.bgGrowth)}; paired difference ${formatStat(growth)}; margin ${fmt(margin)}: every seed above it: ${growthDiffs.every((d) => d >= margin) ? 'yes' : 'no'}`,
      numbers: { relu: relu.final.bgGrowth, identity: identity.final.bgGrowth, difference: growth },
    },
    {
      id: 'M-ood-drop',
      statement:
        'Removing the border costs ReLU accuracy in every seed (95% CI above 0), and more than it costs the identity network: ' +
        'the paired difference of the drops (ReLU − identity, same seed) has its 95% CI above 0',
      // the identity network loses accuracy too (its first layer has border weights from init), so the claim is the paired difference
      holds: perSeed(relu, 'accDrop').every((d) => d > 0) && relu.final.accDrop.ciLo > 0 && drop.ciLo > 0,
      evidence:
        `ID test − OOD accuracy ReLU ${formatStat(relu.final.accDrop)}, identity ${formatStat(identity.final.accDrop)}; ` +
        `paired difference ReLU − identity ${formatStat(drop)} (per seed ${dropDiffs.map(fmt).join(', ')}); ` +
        `ID test accuracy ReLU ${formatStat(relu.final.idTestAcc)}, identity ${formatStat(identity.final.idTestAcc)}`,
      numbers: { relu: relu.final.accDrop, identity: identity.final.accDrop, difference: drop },
    },
  ];
}

/** Rows of the report's table of final values. */
export const MNIST_TABLE_COLUMNS: Array<[string, string]> = [
  ['idTestAcc', 'ID test acc'],
  ['oodAcc', 'OOD acc'],
  ['accDrop', 'ID − OOD'],
  ['bgEnergy', 'bgEnergy'],
  ['bgEnergyRel', 'bgEnergyRel'],
  ['bgShareLearned', 'bgShareLearned'],
  ['bgProj', 'bgProj'],
  ['bgGrowth', 'Δ bgProj'],
];

export function mnistFinalTable(cells: readonly CellAggregate[]): { columns: string[]; rows: string[][] } {
  const { relu, identity } = mnistCells(cells);
  return {
    columns: ['network', 'seeds', ...MNIST_TABLE_COLUMNS.map(([, l]) => l)],
    rows: [relu, identity].map((c) => [ACTIVATION_LABEL[activationOf(c)], String(c.n), ...MNIST_TABLE_COLUMNS.map(([m]) => formatStat(c.final[m]))]),
  };
}
