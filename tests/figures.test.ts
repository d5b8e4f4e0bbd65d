import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import { bandLineSpec, heatmapSpec, panelsSpec, scatterSpec } from '../src/report/figures.js';
import { renderSvg } from '../src/report/render.js';
import { runFigureSpec, type RunFigureRow } from '../src/tasks/toy/figures.js';
import { renderReport, type ReportDoc } from '../src/report/html.js';
import { svgToPng, writeFigure } from '../src/node/png.js';

const rows: RunFigureRow[] = Array.from({ length: 40 }, (_, i) => ({
  iteration: i * 25,
  trainLoss: Math.exp(-i / 8),
  oodLoss: 0.4 + Math.exp(-i / 12),
  coreProj: 0.2 + 0.012 * i,
  bgProj: 0.2 + 0.006 * i,
}));

// a feature-model run with the ID test set and the split background projection (issue 13)
const splitRows: RunFigureRow[] = rows.map((r, i) => ({ ...r, idTestLoss: r.trainLoss + 0.01, bgShiftProj: 0.03 + 0.005 * i, bgNoiseProj: 0.198 - 0.001 * i }));

const band = bandLineSpec({
  title: 'OOD loss vs width',
  x: 'Hidden width',
  y: 'OOD loss',
  yScale: 'log',
  series: [
    { name: 'ReLU', points: [{ x: 16, mean: 1, lo: 0.8, hi: 1.2 }, { x: 64, mean: 0.5, lo: -0.1, hi: 0.7 }] },
    { name: 'Linear', points: [{ x: 16, mean: 2, lo: 1.8, hi: 2.2 }, { x: 64, mean: 0.7, lo: 0.6, hi: 0.8 }] },
  ],
});
const heat = heatmapSpec({
  title: 'Accuracy gap',
  x: 'Background dim',
  y: 'Core dim',
  valueTitle: 'Gap',
  cells: [
    { x: '8', y: '4', value: -0.25 },
    { x: '16', y: '4', value: 0.5 },
    { x: '8', y: '8', value: 0.125, label: 'n/a' },
    { x: '16', y: '8', value: 0 },
  ],
});
const scatter = scatterSpec({
  title: 'Projection scatter',
  x: 'Core projection',
  y: 'Background projection',
  points: [{ x: 0.2, y: 0.21, group: 'seed 0' }, { x: 0.5, y: 0.4, group: 'seed 1' }],
});

const cases: Array<[string, TopLevelSpec, string[]]> = [
  ['run', runFigureSpec(rows, { title: 'Run 0' }), ['Iterations', 'Loss', 'Mean projection norm', 'Train (ID) loss', 'OOD loss', 'Core features', 'Background features']],
  [
    'run-split',
    runFigureSpec(splitRows, { title: 'Run 1' }),
    ['Loss (log scale)', 'Train loss', 'ID test loss', 'OOD loss', 'bgShiftProj (bg along û)', 'bgNoiseProj (other bg dirs)', 'bgProj (both parts)'],
  ],
  ['band', band, ['Hidden width', 'OOD loss', 'ReLU', 'Linear']],
  ['heatmap', heat, ['Background dim', 'Core dim', 'Gap', 'n/a', '-0.25']],
  ['scatter', scatter, ['Core projection', 'Background projection', 'seed 0', 'seed 1']],
  ['panels', panelsSpec([band, heat], 'Two panels'), ['Two panels', 'Hidden width', 'Core dim']],
];

function pngSize(png: Uint8Array): { width: number; height: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  expect([...png.subarray(0, 8)]).toEqual(sig);
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect(new TextDecoder().decode(png.subarray(12, 16))).toBe('IHDR');
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

const tmpDirs: string[] = [];
const mkTmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'fclab-fig-'));
  tmpDirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

describe('figure specs render to SVG', () => {
  it.each(cases)('%s: SVG with titles/series, byte-identical across renders', async (_name, spec, texts) => {
    const a = await renderSvg(spec);
    const b = await renderSvg(spec);
    expect(a.startsWith('<svg')).toBe(true);
    expect(a.trimEnd().endsWith('</svg>')).toBe(true);
    for (const t of texts) expect(a).toContain(t);
    expect(a).not.toContain('NaN');
    expect(b).toBe(a);
  });

  it('heat map uses a diverging scale centred at 0 only for signed values', () => {
    const json = JSON.stringify(heat);
    expect(json).toContain('"domainMid":0');
    const pos = heatmapSpec({ title: 't', x: 'x', y: 'y', valueTitle: 'v', cells: [{ x: 'a', y: 'b', value: 1 }] });
    expect(JSON.stringify(pos)).not.toContain('domainMid');
  });
});

describe('PNG', () => {
  it('has the PNG signature and the SVG size times the scale', async () => {
    const svg = await renderSvg(cases[0][1]);
    const w = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1]);
    const h = Number(/<svg[^>]*\sheight="([\d.]+)"/.exec(svg)?.[1]);
    expect(w).toBeGreaterThan(600);
    expect(h).toBeGreaterThan(250);
    expect(pngSize(svgToPng(svg))).toEqual({ width: Math.round(w * 2), height: Math.round(h * 2) });
    expect(pngSize(svgToPng(svg, { scale: 1 }))).toEqual({ width: Math.round(w), height: Math.round(h) });
  });

  it('writeFigure writes svg+png and leaves no temp files', async () => {
    const dir = mkTmp();
    const out = await writeFigure(dir, 'run', cases[0][1]);
    expect(out).toEqual({ svg: join(dir, 'run.svg'), png: join(dir, 'run.png') });
    expect(readdirSync(dir).sort()).toEqual(['run.png', 'run.svg']);
    expect(readFileSync(out.svg, 'utf8')).toBe(await renderSvg(cases[0][1]));
    pngSize(new Uint8Array(readFileSync(out.png!)));
    // Overwriting an existing figure also leaves nothing behind.
    await writeFigure(dir, 'run', cases[1][1]);
    expect(readdirSync(dir).sort()).toEqual(['run.png', 'run.svg']);
  });
});

describe('HTML report', () => {
  it('is escaped, complete and self-contained', async () => {
    const svg = await renderSvg(heat);
    const doc: ReportDoc = {
      title: 'Report <script>alert(1)</script>',
      subtitle: 'a & b',
      sections: [
        {
          id: 'overview',
          title: 'Overview',
          text: 'First <script>alert("x")</script> para.\n\nSecond para with "quotes".',
          figures: [
            { svg, caption: 'Gap <b>', png: 'heat.png' },
            { svg, caption: 'Same figure again' },
          ],
        },
        {
          id: 'tables',
          title: 'Tables',
          tables: [{ caption: 'Results', columns: ['name', 'acc', 'n'], rows: [['x<y', 0.123456, 1000], ['z', 1e-7, 3.5]] }],
          configs: [{ name: 'config.json', json: { lr: 0.01, note: '</pre><script>' } }],
        },
      ],
      environment: { node: 'v20', platform: 'linux <x>' },
    };
    const html = renderReport(doc);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&#60;script&#62;');
    for (const s of doc.sections) {
      expect(html).toContain(`id="${s.id}"`);
      expect(html).toContain(`href="#${s.id}"`);
    }
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).toContain('<a href="heat.png">PNG</a>');
    expect(html).toContain('<details><summary>config.json</summary><pre>');
    expect(html).toContain('<td class="num">0.1235</td>');
    expect(html).toContain('<td class="num">1000</td>');
    expect(html).toContain('<td class="num">1.000e-7</td>');
    // Inlined SVGs must not share element ids (vega restarts its clip/gradient counters).
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).toContain('url(#s0f1-gradient_0)');
  });
});
