// Figure specs (vega-lite JSON), the building blocks every kind's figures use. Only types come
// from vega-lite here: rendering (./render.ts) is the one module that loads vega, on demand.
import type { Config, TopLevelSpec } from 'vega-lite';

export interface BandPoint { x: number; mean: number; lo: number; hi: number }
export interface BandSeries {
  name: string;
  points: BandPoint[];
  /** fixed colour of this series (e.g. one colour per activation across figures) */
  color?: string;
  /** draw the mean line dashed (tells overlapping series apart) */
  dashed?: boolean;
  /** the dash pattern, when several dashed series must differ (default [7, 4]) */
  dash?: number[];
  /**
   * a marker at every point, of this shape (a vega symbol: 'circle', 'square', 'diamond',
   * 'triangle-up', 'cross', ...): series that coincide exactly stay distinguishable
   */
  marker?: string;
  /** draw the marker as an outline (no fill), so that one drawn over another leaves it visible */
  hollow?: boolean;
}
/** A figure title with an optional second line. */
export type FigureTitle = string | { text: string; subtitle?: string | string[] };
export interface HeatCell { x: string; y: string; value: number; label?: string }
export interface ScatterPoint { x: number; y: number; group?: string }

export type ConcatChild = Extract<TopLevelSpec, { hconcat: unknown }>['hconcat'][number];

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
// DejaVu first so Node/resvg output is stable; browsers without it fall back to sans-serif.
export const FONT = 'DejaVu Sans, sans-serif';

export const CONFIG: Config = {
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

export const W = 360;
export const H = 240;

export const finite = (v: number): boolean => Number.isFinite(v);

/** Three significant digits, no exponent noise for ordinary magnitudes. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

/** A log axis where the plotted values span two decades or more (and are all positive). */
export function spansDecades(values: readonly number[], decades = 2): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!(v > 0)) return false;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return values.length > 1 && hi >= lo * 10 ** decades;
}

export function top(spec: Record<string, unknown>, title?: FigureTitle): TopLevelSpec {
  const t = typeof title === 'string' ? { text: title } : title;
  return {
    $schema: SCHEMA,
    // Larger than panel titles so a figure title reads as the heading of its panels.
    ...(t?.text
      ? { title: { text: t.text, fontSize: 17, ...(t.subtitle ? { subtitle: t.subtitle, subtitleFontSize: 13, subtitleColor: '#444', subtitlePadding: 6 } : {}) } }
      : {}),
    config: CONFIG,
    ...spec,
  } as TopLevelSpec;
}

export function linePanel(
  title: string,
  yTitle: string,
  values: Array<{ iteration: number; series: string; value: number }>,
  domain: string[],
  range: string[],
  size: { width?: number; height?: number } = {},
  style: { log?: boolean; dashed?: readonly string[] } = {},
): ConcatChild {
  const dashed = style.dashed ?? [];
  return {
    title,
    width: size.width ?? W,
    height: size.height ?? H,
    data: { values },
    mark: { type: 'line', point: false },
    encoding: {
      x: { field: 'iteration', type: 'quantitative', title: 'Iterations' },
      // labelFlush: a tick label at the top edge stays inside the plot's height, so that panels
      // keep their titles level (a title sits above its panel's whole extent)
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: style.log ? { type: 'log' } : { zero: false }, axis: { labelFlush: true } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain, range },
        legend: { orient: 'bottom', direction: 'horizontal', ...(dashed.length ? { columns: 2 } : {}) },
      },
      ...(dashed.length
        ? { strokeDash: { field: 'series', type: 'nominal', legend: null, scale: { domain, range: domain.map((d) => (dashed.includes(d) ? [6, 4] : [1, 0])) } } }
        : {}),
    },
  } as ConcatChild;
}

/** Mean lines with shaded 95% CI bands, one colour per series. */
export function bandLineSpec(opts: {
  title: FigureTitle;
  x: string;
  y: string;
  series: BandSeries[];
  yScale?: 'linear' | 'log';
  width?: number;
  height?: number;
  /** fixed y range (e.g. shared between panels that are compared) */
  yDomain?: [number, number];
  /** x axis: linear (default) or log with the given base (default 10) */
  xScale?: 'linear' | 'log' | 'ordinal';
  xLogBase?: number;
  /** tick values of the x axis (e.g. the swept values) */
  xTicks?: number[];
  /** draw the means as points too (few x values) */
  points?: boolean;
  /** legend position (default: right); 'none' hides it */
  legend?: 'right' | 'bottom' | 'none';
  /** columns of a bottom legend (default 3) */
  legendColumns?: number;
  /** a dashed horizontal reference line, e.g. at 0 */
  rule?: number;
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
  const yScale: Record<string, unknown> = log ? { type: 'log' } : { zero: false };
  if (opts.yDomain) Object.assign(yScale, { domain: opts.yDomain, clamp: true, nice: false });
  const ordinal = opts.xScale === 'ordinal';
  const xScale: Record<string, unknown> =
    opts.xScale === 'log' ? { type: 'log', base: opts.xLogBase ?? 10 } : ordinal ? { type: 'point', padding: 0.3 } : { zero: false };
  const colored = opts.series.some((s) => s.color);
  const legend =
    opts.legend === 'none'
      ? null
      : {
          symbolType: 'stroke',
          symbolOpacity: 1,
          symbolStrokeWidth: 3,
          ...(opts.legend === 'bottom' ? { orient: 'bottom', direction: 'horizontal', columns: opts.legendColumns ?? 3 } : {}),
        };
  // Legend drawn as solid strokes; the merged area+line default is a faint filled dot.
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    sort: opts.series.map((s) => s.name),
    ...(colored
      ? { scale: { domain: opts.series.map((s) => s.name), range: opts.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]) } }
      : {}),
    legend,
  };
  const xEnc = {
    field: 'x',
    type: ordinal ? 'ordinal' : 'quantitative',
    title: opts.x,
    scale: xScale,
    ...(ordinal ? { sort: 'ascending', axis: { labelAngle: 0 } } : opts.xTicks ? { axis: { values: opts.xTicks } } : {}),
  };
  const dashed = opts.series.some((s) => s.dashed);
  const strokeDash = dashed
    ? {
        strokeDash: {
          field: 'series',
          type: 'nominal',
          title: null,
          sort: opts.series.map((s) => s.name),
          scale: { domain: opts.series.map((s) => s.name), range: opts.series.map((s) => (s.dashed ? (s.dash ?? [7, 4]) : [1, 0])) },
          legend,
        },
      }
    : {};
  // markers: shape and fill by series, in the one merged legend (same field, domain and legend)
  const marked = opts.series.some((s) => s.marker);
  const names = opts.series.map((s) => s.name);
  const markerLayer = marked
    ? [
        {
          mark: { type: 'point', filled: false, size: 70, strokeWidth: 1.8, opacity: 1 },
          encoding: {
            x: xEnc,
            y: { field: 'mean', type: 'quantitative', title: opts.y, scale: yScale },
            color,
            shape: { field: 'series', type: 'nominal', title: null, sort: names, scale: { domain: names, range: opts.series.map((s) => s.marker ?? 'circle') }, legend },
            // an outline (no fill) leaves a marker drawn before it at the same place visible
            fill: {
              field: 'series',
              type: 'nominal',
              title: null,
              sort: names,
              scale: { domain: names, range: opts.series.map((s, i) => (s.hollow ? 'transparent' : (s.color ?? PALETTE[i % PALETTE.length]))) },
              legend,
            },
          },
        },
      ]
    : [];
  const layer: unknown[] = [
    {
      mark: { type: 'area', opacity: 0.2 },
      encoding: {
        x: xEnc,
        y: { field: 'lo', type: 'quantitative', title: opts.y, scale: yScale },
        y2: { field: 'hi' },
        color,
      },
    },
    {
      mark: { type: 'line', ...(opts.points ? { point: { filled: true, size: 45 } } : {}) },
      encoding: {
        x: xEnc,
        y: { field: 'mean', type: 'quantitative', title: opts.y, scale: yScale },
        color,
        ...strokeDash,
      },
    },
    ...markerLayer,
  ];
  if (opts.rule !== undefined && finite(opts.rule))
    layer.push({
      data: { values: [{ r: opts.rule }] },
      mark: { type: 'rule', strokeDash: [4, 4], color: '#888', strokeWidth: 1 },
      encoding: { y: { field: 'r', type: 'quantitative' } },
    });
  return top({
    title: typeof opts.title === 'string' ? opts.title : { text: opts.title.text, subtitle: opts.title.subtitle },
    width: opts.width ?? W,
    height: opts.height ?? H,
    data: { values },
    layer,
  });
}

// Category10, used when some but not all series have a fixed colour.
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Rect heat map with each cell's label (or value) printed; diverging scale around 0 for signed data. */
export function heatmapSpec(opts: {
  title: FigureTitle;
  x: string;
  y: string;
  cells: HeatCell[];
  valueTitle: string;
  /** cell size in pixels (default 56 × 32) */
  cellWidth?: number;
  cellHeight?: number;
  fontSize?: number;
}): TopLevelSpec {
  const vals = opts.cells.map((c) => c.value).filter(finite);
  const lo = vals.length ? Math.min(...vals) : 0;
  const hi = vals.length ? Math.max(...vals) : 0;
  const signed = lo < 0 && hi > 0;
  const maxAbs = Math.max(Math.abs(lo), Math.abs(hi));
  // White text where the fill is dark: the low end of viridis (dark purple), both ends of the diverging one.
  const dark = (v: number): boolean => (signed ? Math.abs(v) > 0.6 * maxAbs : v < lo + 0.45 * (hi - lo));
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
    width: { step: opts.cellWidth ?? 56 },
    height: { step: opts.cellHeight ?? 32 },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: { color: { field: 'value', type: 'quantitative', title: opts.valueTitle, scale: colorScale } },
      },
      {
        mark: { type: 'text', fontSize: opts.fontSize ?? 11 },
        encoding: {
          text: { field: 'text', type: 'nominal' },
          color: { condition: { test: 'datum.dark', value: 'white' }, value: 'black' },
        },
      },
    ],
  });
}

/** Plain scatter plot, coloured by group when any point has one. */
export function scatterSpec(opts: {
  title: FigureTitle;
  x: string;
  y: string;
  points: ScatterPoint[];
  /** fixed colours per group (legend in this order) */
  colors?: Array<{ group: string; color: string }>;
  size?: number;
  opacity?: number;
  /** add the least-squares line over all points */
  fit?: boolean;
  width?: number;
  height?: number;
}): TopLevelSpec {
  const grouped = opts.points.some((p) => p.group !== undefined);
  const kept = opts.points.filter((p) => finite(p.x) && finite(p.y));
  const values = kept.map((p) => (grouped ? { x: p.x, y: p.y, group: p.group ?? '' } : { x: p.x, y: p.y }));
  // Range padding keeps extreme points off the axis lines.
  const x = { field: 'x', type: 'quantitative', title: opts.x, scale: { zero: false, padding: 10 } };
  const y = { field: 'y', type: 'quantitative', title: opts.y, scale: { zero: false, padding: 10 } };
  const point = {
    mark: { type: 'point', filled: true, size: opts.size ?? 40, opacity: opts.opacity ?? 0.8 },
    encoding: {
      x,
      y,
      ...(grouped
        ? {
            color: {
              field: 'group',
              type: 'nominal',
              title: null,
              ...(opts.colors ? { scale: { domain: opts.colors.map((c) => c.group), range: opts.colors.map((c) => c.color) } } : {}),
              legend: { symbolOpacity: 1, symbolSize: 80 },
            },
          }
        : {}),
    },
  };
  const base = { title: opts.title, width: opts.width ?? W, height: opts.height ?? H, data: { values } };
  if (!opts.fit || kept.length < 2) return top({ ...base, ...point });
  // least squares: slope = cov(x, y) / var(x)
  let mx = 0;
  let my = 0;
  for (const p of kept) {
    mx += p.x;
    my += p.y;
  }
  mx /= kept.length;
  my /= kept.length;
  let sxy = 0;
  let sxx = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of kept) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) * (p.x - mx);
    lo = Math.min(lo, p.x);
    hi = Math.max(hi, p.x);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const line = [lo, hi].map((v) => ({ x: v, y: my + slope * (v - mx) }));
  return top({
    ...base,
    layer: [
      point,
      {
        data: { values: line },
        mark: { type: 'line', color: '#222', strokeWidth: 2, strokeDash: [6, 4] },
        encoding: { x, y },
      },
    ],
  });
}

/**
 * A dense heat map of a matrix (e.g. neurons × iterations): rects spanning [x0, x1] × [y0, y1],
 * coloured on a diverging scale centred at 0 when `diverging`, else viridis.
 */
export function matrixSpec(opts: {
  title: FigureTitle;
  x: string;
  y: string;
  valueTitle: string;
  cells: Array<{ x0: number; x1: number; y0: number; y1: number; value: number }>;
  domain?: [number, number];
  diverging?: boolean;
  width?: number;
  height?: number;
}): TopLevelSpec {
  const values = opts.cells.filter((c) => finite(c.value));
  const scale = opts.diverging
    ? { scheme: 'redblue', reverse: true, domainMid: 0, ...(opts.domain ? { domain: opts.domain } : {}) }
    : { scheme: 'viridis', ...(opts.domain ? { domain: opts.domain } : {}) };
  return top({
    title: opts.title,
    width: opts.width ?? W,
    height: opts.height ?? H,
    data: { values },
    mark: { type: 'rect', strokeWidth: 0 },
    encoding: {
      x: { field: 'x0', type: 'quantitative', title: opts.x, scale: { zero: false, nice: false } },
      x2: { field: 'x1' },
      y: { field: 'y0', type: 'quantitative', title: opts.y, scale: { zero: false, nice: false }, axis: { tickCount: 4 } },
      y2: { field: 'y1' },
      color: { field: 'value', type: 'quantitative', title: opts.valueTitle, scale },
    },
  });
}

// Keys only allowed (or meaningful) at the top level; children inherit the parent's.
const TOP_ONLY = ['$schema', 'config', 'background', 'padding', 'autosize', 'usermeta', 'datasets'];

/** Several specs side by side; each keeps its own data, scales and legends. */
function child(s: TopLevelSpec): ConcatChild {
  const c: Record<string, unknown> = { ...(s as unknown as Record<string, unknown>) };
  for (const k of TOP_ONLY) delete c[k];
  return c as unknown as ConcatChild;
}

/** Rows of panels (each row side by side, rows stacked); every panel keeps its own scales and legends. */
export function gridSpec(rows: TopLevelSpec[][], title?: FigureTitle): TopLevelSpec {
  const independent = { scale: { color: 'independent', x: 'independent', y: 'independent', strokeDash: 'independent', shape: 'independent', fill: 'independent' } };
  const columns = rows[0]?.length ?? 0;
  if (rows.every((r) => r.length === columns))
    // one concat with columns: panels line up in a grid
    return top({ concat: rows.flat().map(child), columns, resolve: independent, spacing: { row: 24, column: 30 } }, title);
  return top(
    {
      vconcat: rows.map((r) => ({ hconcat: r.map(child), resolve: independent, spacing: 30 })),
      resolve: independent,
      spacing: 24,
    },
    title,
  );
}

export function panelsSpec(specs: TopLevelSpec[], title?: FigureTitle): TopLevelSpec {
  const children = specs.map(child);
  return top(
    {
      hconcat: children,
      resolve: { scale: { color: 'independent', x: 'independent', y: 'independent', strokeDash: 'independent', shape: 'independent', fill: 'independent' } },
      spacing: 30,
    },
    title,
  );
}
