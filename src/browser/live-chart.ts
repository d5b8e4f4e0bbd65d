// The live plot's drawing: line panels (axes with nice ticks, optional log y, a legend each) as one
// SVG string, laid out for a given width. Written by hand so the browser bundle needs no charting
// library while a run streams in (vega renders the static figures, loaded on demand). SVG, not
// canvas: crisp at any device pixel ratio, and the page's text stays text. Pure: no DOM access.

export interface ChartSeries {
  name: string;
  color: string;
  /** [x, y] points in x order; non-finite values (a diverged run) are skipped */
  points: ReadonlyArray<readonly [number, number]>;
}

export interface ChartPanel {
  title: string;
  series: ChartSeries[];
  /** log10 y axis (losses that fall over decades); points with y <= 0 are skipped */
  log?: boolean;
  /** x axis title (default 'Iterations') */
  xTitle?: string;
}

export interface ChartLayout {
  /** the figure's width in CSS pixels (the panels share it) */
  width: number;
  title?: string;
  /** each plot area's height (default: from its width, 130 to 220) */
  plotHeight?: number;
  /** panels go side by side while each gets at least this width (default 250) */
  minPanelWidth?: number;
  /** widest plot area of a panel (default 420) */
  maxPlotWidth?: number;
}

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif";
const INK = '#1f2328';
const MUTED = '#57606a';
const GRID = '#e6e6e6';
const FRAME = '#bbbbbb';
const TICK_FONT = 11;
const TITLE_FONT = 13;
const FIGURE_FONT = 15;
const LEGEND_FONT = 12;
const LINE_GAP = 4;

/** Escapes text for SVG content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Estimated width of `text` in a sans-serif face (about 0.6 em a character, generous for digits). */
const textWidth = (text: string, size: number): number => text.length * size * 0.62;

/** Splits `text` into lines of at most `max` pixels at spaces (a word longer than a line stays whole). */
export function wrapText(text: string, max: number, size: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, size) > max) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

export interface Axis {
  domain: [number, number];
  ticks: number[];
  labels: string[];
  log: boolean;
}

/** Decimal places that print every multiple of `step` exactly enough (0.25 -> 2). */
function decimalsOf(step: number): number {
  let d = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  while (d < 12 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-6 * step * 10 ** d) d++;
  return d;
}

/** A tick label: thousands as k from 10,000, exponent form for tiny magnitudes. */
function linearLabel(v: number, step: number, maxAbs: number): string {
  if (v === 0) return '0';
  if (maxAbs < 1e-3) return v.toExponential(Math.max(0, decimalsOf(step / 10 ** Math.floor(Math.log10(maxAbs)))));
  if (maxAbs >= 1e4 && step >= 1000) return `${(v / 1000).toFixed(decimalsOf(step / 1000))}k`;
  return v.toFixed(decimalsOf(step));
}

/**
 * A linear axis over [lo, hi] extended to nice round ends, with about `count` ticks at 1, 2 or 5
 * times a power of ten (as d3's ticks). An empty or one-valued range is widened around its value.
 */
export function linearAxis(lo: number, hi: number, count = 5): Axis {
  if (!(lo <= hi)) [lo, hi] = [0, 1];
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const r = raw / mag;
  const step = mag * (r >= Math.sqrt(50) ? 10 : r >= Math.sqrt(10) ? 5 : r >= Math.sqrt(2) ? 2 : 1);
  const i0 = Math.floor(lo / step + 1e-9);
  const i1 = Math.ceil(hi / step - 1e-9);
  // i / (1 / step) for steps below 1 keeps 0.1 * 3 from printing as 0.30000000000000004
  const at = (i: number) => (step < 1 ? i / Math.round(1 / step) : i * step);
  const ticks: number[] = [];
  for (let i = i0; i <= i1; i++) ticks.push(at(i));
  const maxAbs = Math.max(Math.abs(ticks[0]), Math.abs(ticks[ticks.length - 1]));
  return { domain: [at(i0), at(i1)], ticks, labels: ticks.map((t) => linearLabel(t, step, maxAbs)), log: false };
}

function powerLabel(m: number, e: number): string {
  if (e >= -3 && e <= 3) return (m * 10 ** e).toFixed(Math.max(0, -e));
  return `${m}e${e}`;
}

/** A log10 axis over [lo, hi] (both > 0) from a power of ten to a power of ten; 2 and 5 between over few decades. */
export function logAxis(lo: number, hi: number): Axis {
  if (!(lo > 0 && hi >= lo)) return { ...linearAxis(lo, hi), log: false };
  let e0 = Math.floor(Math.log10(lo) + 1e-9);
  let e1 = Math.ceil(Math.log10(hi) - 1e-9);
  if (e1 === e0) {
    e0 -= lo === 10 ** e0 ? 1 : 0;
    e1 = Math.max(e1, e0 + 1);
  }
  const decades = e1 - e0;
  const every = Math.ceil(decades / 6); // at most about 6 labelled powers
  const ticks: number[] = [];
  const labels: string[] = [];
  for (let e = e0; e <= e1; e++) {
    if ((e - e0) % every === 0) {
      ticks.push(10 ** e);
      labels.push(powerLabel(1, e));
    }
    if (decades <= 2 && e < e1)
      for (const m of [2, 5]) {
        ticks.push(m * 10 ** e);
        labels.push(powerLabel(m, e));
      }
  }
  return { domain: [10 ** e0, 10 ** e1], ticks, labels, log: true };
}

/** Maps a value of `axis` to [a, b] (pixels). */
function scale(axis: Axis, a: number, b: number): (v: number) => number {
  const f = axis.log ? Math.log10 : (v: number) => v;
  const d0 = f(axis.domain[0]);
  const span = f(axis.domain[1]) - d0 || 1;
  return (v) => a + ((f(v) - d0) / span) * (b - a);
}

const px = (v: number): string => String(Math.round(v * 10) / 10);

/** The points a panel can draw (finite; positive on a log axis). */
function drawable(panel: ChartPanel): Array<Array<readonly [number, number]>> {
  return panel.series.map((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!panel.log || y > 0)));
}

interface PanelBox {
  svg: string;
  height: number;
}

/** One panel in a box `width` wide, its top-left corner at (0, 0). */
function panelSvg(panel: ChartPanel, width: number, layout: ChartLayout): PanelBox {
  const pts = drawable(panel);
  // extents by loops: a long run has more points than a spread call takes arguments
  let [xLo, xHi, yLo, yHi, n] = [Infinity, -Infinity, Infinity, -Infinity, 0];
  for (const series of pts)
    for (const [a, b] of series) {
      [xLo, xHi, yLo, yHi] = [Math.min(xLo, a), Math.max(xHi, a), Math.min(yLo, b), Math.max(yHi, b)];
      n++;
    }
  const xAxis = linearAxis(xLo, xHi, width < 300 ? 4 : 5);
  const yAxis = n === 0 ? linearAxis(0, 1) : panel.log ? logAxis(yLo, yHi) : linearAxis(yLo, yHi);

  const left = Math.max(28, Math.max(...yAxis.labels.map((l) => textWidth(l, TICK_FONT))) + 12);
  // room for half the last x label past the plot's right edge
  const right = Math.max(12, Math.ceil(textWidth(xAxis.labels[xAxis.labels.length - 1], TICK_FONT) / 2) + 6);
  const plotW = Math.max(60, Math.min(layout.maxPlotWidth ?? 420, width - left - right));
  const plotH = layout.plotHeight ?? Math.max(130, Math.min(220, Math.round(plotW * 0.6)));

  const out: string[] = [];
  // title (wrapped), plot, x labels, x title, legend rows
  const titleLines = wrapText(panel.title, plotW - (panel.log ? textWidth('log scale', TICK_FONT) + 8 : 0), TITLE_FONT);
  let y = 0;
  for (const line of titleLines) {
    y += TITLE_FONT + LINE_GAP;
    out.push(`<text x="${px(left)}" y="${y}" font-size="${TITLE_FONT}" font-weight="600" fill="${INK}">${esc(line)}</text>`);
  }
  if (panel.log)
    out.push(`<text x="${px(left + plotW)}" y="${TITLE_FONT + LINE_GAP}" text-anchor="end" font-size="${TICK_FONT}" fill="${MUTED}">log scale</text>`);
  const top = y + 8;
  const x = scale(xAxis, left, left + plotW);
  const yScale = scale(yAxis, top + plotH, top);

  // grid and y ticks
  yAxis.ticks.forEach((t, i) => {
    const ty = px(yScale(t));
    out.push(`<path d="M${px(left)} ${ty}H${px(left + plotW)}" stroke="${GRID}"/>`);
    out.push(`<text x="${px(left - 5)}" y="${ty}" dy="0.32em" text-anchor="end" font-size="${TICK_FONT}" fill="${MUTED}">${esc(yAxis.labels[i])}</text>`);
  });
  // x ticks (a label that would not fit between its neighbours is left out)
  const bottom = top + plotH;
  const labelEvery = Math.max(1, Math.ceil((Math.max(...xAxis.labels.map((l) => textWidth(l, TICK_FONT))) + 8) / (plotW / Math.max(1, xAxis.ticks.length - 1))));
  xAxis.ticks.forEach((t, i) => {
    const tx = px(x(t));
    out.push(`<path d="M${tx} ${px(bottom)}v4" stroke="${FRAME}"/>`);
    if (i % labelEvery === 0)
      out.push(`<text x="${tx}" y="${px(bottom + 6 + TICK_FONT)}" text-anchor="middle" font-size="${TICK_FONT}" fill="${MUTED}">${esc(xAxis.labels[i])}</text>`);
  });
  out.push(`<path d="M${px(left)} ${px(top)}h${px(plotW)}v${px(plotH)}h${px(-plotW)}Z" fill="none" stroke="${FRAME}"/>`);
  y = bottom + 6 + TICK_FONT + 4 + TICK_FONT;
  out.push(`<text x="${px(left + plotW / 2)}" y="${px(y)}" text-anchor="middle" font-size="${TICK_FONT}" fill="${MUTED}">${esc(panel.xTitle ?? 'Iterations')}</text>`);

  // the series: a path each, a dot where there is only one point
  panel.series.forEach((s, k) => {
    const p = pts[k];
    if (p.length === 1) out.push(`<circle cx="${px(x(p[0][0]))}" cy="${px(yScale(p[0][1]))}" r="3" fill="${s.color}"/>`);
    else if (p.length > 1) {
      const d = p.map(([a, b], i) => `${i ? 'L' : 'M'}${px(x(a))} ${px(yScale(b))}`).join('');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`);
    }
  });
  if (n === 0)
    out.push(`<text x="${px(left + plotW / 2)}" y="${px(top + plotH / 2)}" text-anchor="middle" font-size="${TICK_FONT}" fill="${MUTED}">${panel.log ? 'no positive values yet' : 'no values yet'}</text>`);

  // legend: swatch + name, wrapping to new rows within the panel
  y += 10;
  let lx = left;
  let row = 0;
  for (const s of panel.series) {
    const w = 18 + textWidth(s.name, LEGEND_FONT) + 14;
    if (lx > left && lx + w > left + plotW + right) {
      lx = left;
      row++;
    }
    const ly = y + row * (LEGEND_FONT + 8) + LEGEND_FONT;
    out.push(`<path d="M${px(lx)} ${px(ly - 4)}h14" stroke="${s.color}" stroke-width="3" stroke-linecap="round"/>`);
    out.push(`<text x="${px(lx + 18)}" y="${px(ly)}" font-size="${LEGEND_FONT}" fill="${INK}">${esc(s.name)}</text>`);
    lx += w;
  }
  const height = y + (row + 1) * (LEGEND_FONT + 8) + 4;
  return { svg: out.join(''), height };
}

/**
 * The panels as one SVG `layout.width` pixels wide: side by side while each gets at least
 * minPanelWidth, else in rows (one column on a phone), the figure title above.
 */
export function chartSvg(panels: readonly ChartPanel[], layout: ChartLayout): string {
  const width = Math.max(200, Math.floor(layout.width));
  const cols = Math.max(1, Math.min(panels.length, Math.floor(width / (layout.minPanelWidth ?? 250))));
  const colW = Math.floor(width / cols);
  const out: string[] = [];
  let y = 0;
  const titleLines = layout.title ? wrapText(layout.title, width - 16, FIGURE_FONT) : [];
  for (const line of titleLines) {
    y += FIGURE_FONT + LINE_GAP + 2;
    out.push(`<text x="8" y="${y}" font-size="${FIGURE_FONT}" font-weight="600" fill="${INK}">${esc(line)}</text>`);
  }
  if (titleLines.length) y += 8;
  for (let r = 0; r * cols < panels.length; r++) {
    const boxes = panels.slice(r * cols, (r + 1) * cols).map((p) => panelSvg(p, colW, layout));
    boxes.forEach((b, c) => out.push(`<g transform="translate(${c * colW},${y})">${b.svg}</g>`));
    y += Math.max(...boxes.map((b) => b.height)) + 8;
  }
  const height = Math.ceil(y);
  const label = [layout.title, ...panels.map((p) => p.title)].filter(Boolean).join('; ');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${esc(FONT)}" role="img" aria-label="${esc(label)}">` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>${out.join('')}</svg>`
  );
}
