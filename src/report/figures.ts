// Figure specs (vega-lite) and SVG rendering (vega). Isomorphic: no node: imports.
import { compile } from 'vega-lite';
import type { Config, TopLevelSpec } from 'vega-lite';
import * as vega from 'vega';

/** The fields of a training MetricsRow that the run figure needs (any MetricsRow fits). */
export interface RunFigureRow {
  iteration: number;
  trainLoss: number;
  oodLoss: number;
  coreProj: number;
  bgProj: number;
}

export interface BandPoint { x: number; mean: number; lo: number; hi: number }
export interface BandSeries { name: string; points: BandPoint[] }
export interface HeatCell { x: string; y: string; value: number; label?: string }
export interface ScatterPoint { x: number; y: number; group?: string }

type ConcatChild = Extract<TopLevelSpec, { hconcat: unknown }>['hconcat'][number];

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
// DejaVu first so Node/resvg output is stable; browsers without it fall back to sans-serif.
const FONT = 'DejaVu Sans, sans-serif';

const CONFIG: Config = {
  font: FONT,
  background: 'white',
  padding: 8,
  title: { fontSize: 15, anchor: 'start', offset: 10 },
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
  legend: { labelFontSize: 12, titleFontSize: 12, labelLimit: 260 },
  header: { labelFontSize: 13, titleFontSize: 13 },
  view: { stroke: '#bbbbbb' },
  line: { strokeWidth: 2 },
};

const W = 360;
const H = 240;

const finite = (v: number): boolean => Number.isFinite(v);

/** Three significant digits, no exponent noise for ordinary magnitudes. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

function top(spec: Record<string, unknown>, title?: string): TopLevelSpec {
  return {
    $schema: SCHEMA,
    // Larger than panel titles so a figure title reads as the heading of its panels.
    ...(title ? { title: { text: title, fontSize: 17 } } : {}),
    config: CONFIG,
    ...spec,
  } as TopLevelSpec;
}

function linePanel(
  title: string,
  yTitle: string,
  values: Array<{ iteration: number; series: string; value: number }>,
  domain: string[],
  range: string[],
): ConcatChild {
  return {
    title,
    width: W,
    height: H,
    data: { values },
    mark: { type: 'line', point: false },
    encoding: {
      x: { field: 'iteration', type: 'quantitative', title: 'Iterations' },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain, range },
        legend: { orient: 'bottom', direction: 'horizontal' },
      },
    },
  } as ConcatChild;
}

/** Loss (train vs OOD) and core/background projection norms vs iteration, side by side. */
export function runFigureSpec(rows: readonly RunFigureRow[], opts: { title?: string } = {}): TopLevelSpec {
  const loss: Array<{ iteration: number; series: string; value: number }> = [];
  const proj: Array<{ iteration: number; series: string; value: number }> = [];
  // JSON would turn NaN/Infinity into null; drop them so a diverged run still plots.
  for (const r of rows) {
    if (!finite(r.iteration)) continue;
    if (finite(r.trainLoss)) loss.push({ iteration: r.iteration, series: 'Train (ID) loss', value: r.trainLoss });
    if (finite(r.oodLoss)) loss.push({ iteration: r.iteration, series: 'OOD loss', value: r.oodLoss });
    if (finite(r.coreProj)) proj.push({ iteration: r.iteration, series: 'Core features', value: r.coreProj });
    if (finite(r.bgProj)) proj.push({ iteration: r.iteration, series: 'Background features', value: r.bgProj });
  }
  return top(
    {
      hconcat: [
        linePanel('Loss', 'Loss', loss, ['Train (ID) loss', 'OOD loss'], ['#1f77b4', '#ff7f0e']),
        linePanel('Feature projection', 'Mean projection norm', proj, ['Core features', 'Background features'], ['#2ca02c', '#d62728']),
      ],
      resolve: { scale: { color: 'independent' } },
      spacing: 30,
    },
    opts.title,
  );
}

/** Mean lines with shaded 95% CI bands, one colour per series. */
export function bandLineSpec(opts: {
  title: string;
  x: string;
  y: string;
  series: BandSeries[];
  yScale?: 'linear' | 'log';
  width?: number;
  height?: number;
}): TopLevelSpec {
  const log = opts.yScale === 'log';
  let values = opts.series.flatMap((s) =>
    s.points
      .filter((p) => finite(p.x) && finite(p.mean) && finite(p.lo) && finite(p.hi))
      .map((p) => ({ series: s.name, x: p.x, mean: p.mean, lo: p.lo, hi: p.hi })),
  );
  if (log) {
    // A log axis cannot show <= 0: drop such means, clamp lower bounds to the smallest positive value.
    values = values.filter((v) => v.mean > 0);
    const minPos = Math.min(...values.flatMap((v) => [v.mean, v.lo].filter((u) => u > 0)));
    values = values.map((v) => (v.lo > 0 ? v : { ...v, lo: minPos }));
  }
  const yScale = log ? { type: 'log' as const } : { zero: false };
  // Legend drawn as solid strokes; the merged area+line default is a faint filled dot.
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    sort: opts.series.map((s) => s.name),
    legend: { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 3 },
  };
  return top({
    title: opts.title,
    width: opts.width ?? W,
    height: opts.height ?? H,
    data: { values },
    encoding: { x: { field: 'x', type: 'quantitative', title: opts.x, scale: { zero: false } } },
    layer: [
      {
        mark: { type: 'area', opacity: 0.2 },
        encoding: {
          y: { field: 'lo', type: 'quantitative', title: opts.y, scale: yScale },
          y2: { field: 'hi' },
          color,
        },
      },
      {
        mark: { type: 'line' },
        encoding: {
          y: { field: 'mean', type: 'quantitative', title: opts.y, scale: yScale },
          color,
        },
      },
    ],
  });
}

/** Rect heat map with each cell's label (or value) printed; diverging scale around 0 for signed data. */
export function heatmapSpec(opts: {
  title: string;
  x: string;
  y: string;
  cells: HeatCell[];
  valueTitle: string;
}): TopLevelSpec {
  const vals = opts.cells.map((c) => c.value).filter(finite);
  const lo = vals.length ? Math.min(...vals) : 0;
  const hi = vals.length ? Math.max(...vals) : 0;
  const signed = lo < 0 && hi > 0;
  const maxAbs = Math.max(Math.abs(lo), Math.abs(hi));
  // White text where the fill is dark: the far end of the sequential scale, both ends of the diverging one.
  const dark = (v: number): boolean => (signed ? Math.abs(v) > 0.6 * maxAbs : v > lo + 0.6 * (hi - lo));
  const values = opts.cells.map((c) => ({
    x: c.x,
    y: c.y,
    value: finite(c.value) ? c.value : null,
    text: c.label ?? formatValue(c.value),
    dark: finite(c.value) && dark(c.value),
  }));
  const uniq = (k: 'x' | 'y'): string[] => [...new Set(opts.cells.map((c) => c[k]))];
  const colorScale = signed
    ? { scheme: 'redblue', reverse: true, domainMid: 0, domain: [-maxAbs, maxAbs] }
    : { scheme: 'viridis' };
  return top({
    title: opts.title,
    data: { values },
    encoding: {
      x: { field: 'x', type: 'ordinal', title: opts.x, sort: uniq('x'), axis: { labelAngle: 0 } },
      y: { field: 'y', type: 'ordinal', title: opts.y, sort: uniq('y') },
    },
    width: { step: 56 },
    height: { step: 32 },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: { color: { field: 'value', type: 'quantitative', title: opts.valueTitle, scale: colorScale } },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'text', type: 'nominal' },
          color: { condition: { test: 'datum.dark', value: 'white' }, value: 'black' },
        },
      },
    ],
  });
}

/** Plain scatter plot, coloured by group when any point has one. */
export function scatterSpec(opts: { title: string; x: string; y: string; points: ScatterPoint[] }): TopLevelSpec {
  const grouped = opts.points.some((p) => p.group !== undefined);
  const values = opts.points
    .filter((p) => finite(p.x) && finite(p.y))
    .map((p) => (grouped ? { x: p.x, y: p.y, group: p.group ?? '' } : { x: p.x, y: p.y }));
  return top({
    title: opts.title,
    width: W,
    height: H,
    data: { values },
    mark: { type: 'point', filled: true, size: 40, opacity: 0.8 },
    encoding: {
      // Range padding keeps extreme points off the axis lines.
      x: { field: 'x', type: 'quantitative', title: opts.x, scale: { zero: false, padding: 10 } },
      y: { field: 'y', type: 'quantitative', title: opts.y, scale: { zero: false, padding: 10 } },
      ...(grouped ? { color: { field: 'group', type: 'nominal', title: null } } : {}),
    },
  });
}

// Keys only allowed (or meaningful) at the top level; children inherit the parent's.
const TOP_ONLY = ['$schema', 'config', 'background', 'padding', 'autosize', 'usermeta', 'datasets'];

/** Several specs side by side; each keeps its own data, scales and legends. */
export function panelsSpec(specs: TopLevelSpec[], title?: string): TopLevelSpec {
  const children = specs.map((s) => {
    const c: Record<string, unknown> = { ...(s as unknown as Record<string, unknown>) };
    for (const k of TOP_ONLY) delete c[k];
    return c as unknown as ConcatChild;
  });
  return top(
    {
      hconcat: children,
      resolve: { scale: { color: 'independent', x: 'independent', y: 'independent' } },
      spacing: 30,
    },
    title,
  );
}

/** Compile and render to an SVG string. Deterministic for equal input. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vgSpec = compile(spec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    // Clip/gradient ids come from module-global counters; reset so equal specs give equal bytes.
    vega.resetSVGDefIds();
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
