// The live plot of the browser bundle (dist/browser/fclab.js: LivePlot, drawn by live-chart.ts) in
// Chromium at a phone's width and a desktop's, at device pixel ratio 2: the figure fits its element,
// its panels stack on the phone, no text runs outside the figure or into other text (measured with
// the browser's own fonts), and drawing it never fetches the charts chunk; renderSvg fetches
// fclab.charts.js (vega) once, on the first static figure.
import { taskOf } from '../src/tasks/registry.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { runExperiment, type MetricRow } from '../src/index.js';
import { runFigureSpec } from '../src/tasks/toy/figures.js';
import { launchChromium, serve, type Served } from './browser-helpers.js';

const DIST = join(fileURLToPath(new URL('..', import.meta.url)), 'dist', 'browser');
const BLANK =
  '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>plot</title><link rel="icon" href="data:,">' +
  '<style>body{margin:16px;font-family:sans-serif}</style><script>window.load = (u) => import(u);</script><body><div id="plot"></div></body>';

let served: Served;
let browser: Browser;
let rows: MetricRow[];
const problems: string[] = [];
const pages: Page[] = [];

async function open(width: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 800 }, deviceScaleFactor: 2 });
  pages.push(page);
  page.on('console', (m) => m.type() === 'error' && problems.push(`${width}px console.error: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`${width}px page error: ${e.message}`));
  await page.goto(served.url + 'blank.html');
  return page;
}

interface Layout {
  elementWidth: number;
  svgs: number;
  svgWidth: number;
  panelX: number[];
  outside: string[];
  overlaps: string[];
  minFont: number;
  dpr: number;
}

/** Draws `rows` with the bundle's LivePlot in #plot and measures every text box. */
function drawAndMeasure(page: Page, rows: MetricRow[], options: Record<string, unknown>): Promise<Layout> {
  return page.evaluate(
    async ({ rows, options }) => {
      const m = await (window as unknown as { load(u: string): Promise<any> }).load('/fclab.js'); // eslint-disable-line @typescript-eslint/no-explicit-any
      const el = document.getElementById('plot')!;
      const plot = new m.LivePlot(el, options);
      await plot.set(rows);
      const svg = el.querySelector('svg')!;
      const box = svg.getBoundingClientRect();
      const texts = Array.from(svg.querySelectorAll('text')).map((t) => ({ s: t.textContent ?? '', r: t.getBoundingClientRect(), size: parseFloat(getComputedStyle(t).fontSize) }));
      const outside = texts.filter(({ r }) => r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5).map((t) => t.s);
      const overlaps: string[] = [];
      for (let i = 0; i < texts.length; i++)
        for (let j = i + 1; j < texts.length; j++) {
          const [a, b] = [texts[i].r, texts[j].r];
          // a pixel of slack: glyph boxes of neighbouring tick labels may touch
          if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) overlaps.push(`${texts[i].s} / ${texts[j].s}`);
        }
      const panelX = Array.from(svg.querySelectorAll<SVGGElement>(':scope > g')).map((g) => g.transform.baseVal.getItem(0).matrix.e);
      return {
        elementWidth: el.clientWidth,
        svgs: el.querySelectorAll('svg').length,
        svgWidth: box.width,
        panelX,
        outside,
        overlaps,
        minFont: Math.min(...texts.map((t) => t.size)),
        dpr: window.devicePixelRatio,
      };
    },
    { rows, options },
  );
}

describe('LivePlot in Chromium', () => {
  beforeAll(async () => {
    for (const f of ['fclab.js', 'fclab.charts.js']) if (!existsSync(join(DIST, f))) throw new Error(`dist/browser/${f} is missing: run npm run build first`);
    served = await serve(DIST, { extra: { '/blank.html': BLANK } });
    browser = await launchChromium();
    rows = (await runExperiment({ preset: 'toy-default', set: { 'data.n': 200, 'train.iterations': 600, 'train.evalEvery': 20 } })).metrics;
  }, 120_000);

  afterAll(async () => {
    for (const p of pages) await p.close().catch(() => {});
    await browser?.close();
    await served?.close();
  });

  it('on a 390 px phone at 2x: one column as wide as the element, every text inside and apart', async () => {
    const page = await open(390);
    for (const logLoss of [false, true]) {
      const l = await drawAndMeasure(page, rows, { title: 'toy-default: relu, logistic, sgd · train.iterations=600', logLoss });
      expect(l.dpr).toBe(2);
      expect(l.svgs).toBe(1);
      expect(l.elementWidth).toBe(390 - 32);
      expect(Math.round(l.svgWidth)).toBe(l.elementWidth);
      expect(l.panelX).toEqual([0, 0, 0]);
      expect(l.outside).toEqual([]);
      expect(l.overlaps).toEqual([]);
      expect(l.minFont).toBeGreaterThanOrEqual(11);
    }
  });

  it('on a desktop: three panels side by side, every text inside and apart; mnist panels too', async () => {
    const page = await open(1280);
    const l = await drawAndMeasure(page, rows, { title: 'toy-default' });
    expect(l.panelX.length).toBe(3);
    expect(l.panelX[0]).toBe(0);
    expect(l.panelX[1]).toBeGreaterThan(300);
    expect(l.outside).toEqual([]);
    expect(l.overlaps).toEqual([]);
    const mn = rows.map((r, i) => ({ ...r, trainAcc: 0.5 + i / 80, oodAcc: 0.3, idTestAcc: 0.45 + i / 90, bgEnergy: 0.3, bgShareLearned: 0.01 * i }));
    for (const width of [1280, 390]) {
      const p = width === 1280 ? page : await open(width);
      const m = await drawAndMeasure(p, mn, { panels: taskOf({ task: 'mnist' }).livePanels, title: 'mnist-padded' });
      expect(m.panelX.length).toBe(2);
      expect(m.outside).toEqual([]);
      expect(m.overlaps).toEqual([]);
    }
  });

  it('the live plot never fetches the charts chunk; renderSvg fetches it once', async () => {
    served.requests.length = 0;
    const page = await open(800);
    await drawAndMeasure(page, rows, {});
    expect(served.requests).toContain('/fclab.js');
    expect(served.requests).not.toContain('/fclab.charts.js');
    // a static figure's spec (built here: spec builders are plain JSON), rendered by the bundle
    const spec = JSON.parse(JSON.stringify(runFigureSpec(rows as never, { title: 'static', asymmetry: true }))) as unknown;
    const svgs = await page.evaluate(async (spec) => {
      const m = await (window as unknown as { load(u: string): Promise<any> }).load('/fclab.js'); // eslint-disable-line @typescript-eslint/no-explicit-any
      return [await m.renderSvg(spec), await m.renderSvg(spec)] as string[];
    }, spec);
    expect(svgs[0]).toMatch(/^<svg/);
    expect(svgs[0]).toContain('>Activation asymmetry<');
    expect(svgs[1]).toBe(svgs[0]);
    expect(served.requests.filter((r) => r === '/fclab.charts.js').length).toBe(1);
  });

  it('no console or page errors', () => {
    expect(pages.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
