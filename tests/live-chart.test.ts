// The live plot's hand-written SVG (src/browser/live-chart.ts, drawn by LivePlot in the demo page and
// mount()): nice linear and log ticks, the layout for a phone and a desktop width, legends, escaping,
// and rows of a diverged run. The same SVG in Chromium: tests/live-plot.test.ts.
import { taskOf } from '../src/tasks/registry.js';
import { describe, expect, it } from 'vitest';
import { chartSvg, linearAxis, logAxis, wrapText, type ChartPanel } from '../src/browser/live-chart.js';
import { livePanels } from '../src/browser/live-plot.js';
import type { MetricRow } from '../src/index.js';

/** Rows shaped like a toy run's evaluations (every 50 iterations). */
function rows(n: number, f: (i: number) => Partial<MetricRow> = () => ({})): MetricRow[] {
  return Array.from({ length: n }, (_, i) => ({
    iteration: i * 50,
    trainLoss: 0.69 * Math.exp(-i / 4),
    oodLoss: 0.69 - 0.02 * i,
    coreProj: 0.2 + 0.1 * i,
    bgProj: 0.2 + 0.05 * i,
    asymmetry: 0.05 / (1 + i),
    ...f(i),
  })) as MetricRow[];
}

/** Every translate(x,y) of the panel groups. */
const panelOrigins = (svg: string) => [...svg.matchAll(/<g transform="translate\((\d+),(\d+(?:\.\d+)?)\)">/g)].map((m) => [Number(m[1]), Number(m[2])]);
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('linearAxis', () => {
  it('extends the range to round ends with ticks at 1, 2 or 5 times a power of ten', () => {
    expect(linearAxis(0.0021, 0.693)).toMatchObject({ domain: [0, 0.7], labels: ['0', '0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7'] });
    expect(linearAxis(0.2, 1.58)).toMatchObject({ domain: [0.2, 1.6], labels: ['0.2', '0.4', '0.6', '0.8', '1.0', '1.2', '1.4', '1.6'] });
    expect(linearAxis(0, 600).labels).toEqual(['0', '100', '200', '300', '400', '500', '600']);
    expect(linearAxis(0, 600, 4).labels).toEqual(['0', '200', '400', '600']);
    expect(linearAxis(0, 20_000).labels).toEqual(['0', '5k', '10k', '15k', '20k']);
    expect(linearAxis(-0.3, 0.25).labels).toEqual(['-0.3', '-0.2', '-0.1', '0', '0.1', '0.2', '0.3']);
    // exact decimal labels (no 0.30000000000000004)
    expect(linearAxis(0.1, 0.35, 5).labels.every((l) => l.length <= 4)).toBe(true);
  });

  it('widens a one-valued range around its value and prints tiny values in exponent form', () => {
    const one = linearAxis(3, 3);
    expect(one.domain[0]).toBeLessThan(3);
    expect(one.domain[1]).toBeGreaterThan(3);
    expect(linearAxis(0, 0).domain).toEqual([-1, 1]);
    expect(linearAxis(1e-5, 5e-5).labels).toEqual(['1e-5', '2e-5', '3e-5', '4e-5', '5e-5']);
    // nothing to show: a unit range
    expect(linearAxis(Infinity, -Infinity).domain).toEqual([0, 1]);
  });
});

describe('logAxis', () => {
  it('runs from a power of ten to a power of ten, with 2 and 5 between over at most two decades', () => {
    expect(logAxis(0.0033, 0.69)).toMatchObject({ domain: [0.001, 1], labels: ['0.001', '0.01', '0.1', '1'], log: true });
    expect(logAxis(0.2, 0.69)).toMatchObject({ domain: [0.1, 1], labels: ['0.1', '0.2', '0.5', '1'] });
    expect(logAxis(0.013, 0.69).labels).toEqual(['0.01', '0.02', '0.05', '0.1', '0.2', '0.5', '1']);
    expect(logAxis(1, 1).domain).toEqual([0.1, 1]);
  });

  it('labels at most about six powers over many decades, in exponent form beyond 1e-3..5e3', () => {
    const a = logAxis(3e-12, 2);
    expect(a.domain).toEqual([1e-12, 10]);
    expect(a.labels.length).toBeLessThanOrEqual(7);
    expect(a.labels[0]).toBe('1e-12');
    expect(logAxis(2e4, 3e6).labels).toEqual(['1e4', '1e5', '1e6', '1e7']);
  });
});

describe('chartSvg', () => {
  it('puts three panels side by side on a desktop width and stacks them on a phone', () => {
    const wide = chartSvg(livePanels(rows(13)), { width: 900, title: 'toy-default' });
    expect(wide.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="900"')).toBe(true);
    expect(panelOrigins(wide).map(([x]) => x)).toEqual([0, 300, 600]);
    expect(new Set(panelOrigins(wide).map(([, y]) => y)).size).toBe(1);
    const phone = chartSvg(livePanels(rows(13)), { width: 358, title: 'toy-default' });
    expect(phone).toContain('width="358"');
    expect(panelOrigins(phone).map(([x]) => x)).toEqual([0, 0, 0]);
    const ys = panelOrigins(phone).map(([, y]) => y);
    expect(ys[1]).toBeGreaterThan(ys[0] + 150);
    expect(ys[2]).toBeGreaterThan(ys[1] + 150);
    // every panel's title, legend and x title; font sizes readable on a phone
    for (const t of ['Loss', 'Feature projection', 'Activation asymmetry', 'Train (ID) loss', 'OOD loss', 'Core features', 'Background features', 'Iterations'])
      expect(texts(phone)).toContain(t);
    const sizes = [...phone.matchAll(/font-size="(\d+)"/g)].map((m) => Number(m[1]));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11);
    // one line per series with more than one point
    expect(phone.match(/<path d="M[^"]*L[^"]*" fill="none" stroke="#/g)?.length).toBe(5);
  });

  it('draws a single evaluation as dots and a diverged run without its non-finite values', () => {
    const first = chartSvg(livePanels(rows(1)), { width: 900 });
    expect(first.match(/<circle /g)?.length).toBe(5);
    const diverged = chartSvg(livePanels(rows(6, (i) => (i >= 3 ? { trainLoss: NaN, oodLoss: Infinity } : {}))), { width: 900 });
    expect(diverged).not.toMatch(/NaN|Infinity/);
    expect(diverged.match(/<path d="M[^"]*L[^"]*" fill="none" stroke="#1f77b4"/g)?.length).toBe(1);
  });

  it('log loss axis: powers of ten, zero losses skipped, and a note when nothing is positive', () => {
    const svg = chartSvg(livePanels(rows(13, (i) => ({ trainLoss: i === 12 ? 0 : 0.69 * 10 ** -(i / 4) })), { logLoss: true }), { width: 900 });
    expect(texts(svg)).toContain('log scale');
    for (const t of ['0.001', '0.01', '0.1', '1']) expect(texts(svg)).toContain(t);
    const none = chartSvg([{ title: 'Loss', log: true, series: [{ name: 'zero', color: '#000', points: [[0, 0], [1, 0]] }] }], { width: 400 });
    expect(texts(none)).toContain('no positive values yet');
  });

  it('escapes text and wraps long titles', () => {
    const panels: ChartPanel[] = [{ title: 'a <b> & "c"', series: [{ name: '<script>x</script>', color: '#000', points: [[0, 1], [1, 2]] }] }];
    const svg = chartSvg(panels, { width: 300, title: 'long title '.repeat(8) });
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('a &#60;b&#62; &#38; &#34;c&#34;');
    expect(texts(svg).filter((t) => t.startsWith('long title')).length).toBeGreaterThan(1);
    expect(wrapText('First-layer weights on the border', 160, 13)).toEqual(['First-layer weights', 'on the border']);
  });

  it('a padded-MNIST run: accuracies and the border\'s energy shares', () => {
    const mn = rows(5, (i) => ({ trainAcc: 0.5 + i / 10, oodAcc: 0.4, idTestAcc: 0.45 + i / 20, bgEnergy: 0.3, bgShareLearned: 0.1 * i }));
    const svg = chartSvg(livePanels(mn, { panels: taskOf({ task: 'mnist' }).livePanels }), { width: 900 });
    for (const t of ['Accuracy', 'Train', 'ID test', 'OOD (border removed)', 'bgEnergy (weights)', 'bgShareLearned (W − W0)']) expect(texts(svg)).toContain(t);
    expect(panelOrigins(svg).length).toBe(2);
  });
});
