// What `fclab distill` shows a user (issue 13, item 7): progress lines carry the run's own metrics
// (both students, never the feature model's empty "train - OOD - bgProj -"), and its figures fit
// report.html with every text at least 11 px high (the page scales an SVG wider than its column
// down), and the 2x PNG at most 2400 px wide. Series that coincide exactly (the
// teacher's ID and OOD lines; the two students' chance-level OOD probes) differ in marker shape as
// well as colour and dash. A tiny run (about a second).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fclab } from './helpers/cli.js';
import { renderSvg } from '../src/report/render.js';
import { svgToPng } from '../src/node/png.js';
import { distillRunFigureSpec, effectiveRobustnessSpec, robustnessPoints } from '../src/tasks/distill/figures.js';
import type { DistillRow } from '../src/tasks/distill/metrics.js';

// report.html: main { max-width: 1100px; padding: 0 1.5rem } leaves a 1052 px column
const COLUMN = 1100 - 48;
const SMALL = ['data.n=200', 'model.hidden=32', 'train.iterations=60', 'train.evalEvery=30', 'distill.testN=200', 'distill.probeIterations=200'];

let tmp: string;
let run: { code: number; stdout: string; stderr: string };
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fclab-distill-display-'));
  run = await fclab('distill', ...SMALL.flatMap((s) => ['--set', s]), '--threads', '1', '--out', join(tmp, 'run'));
}, 120_000);
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const svgWidth = (svg: string) => Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1]);
const fontSizes = (svg: string) => [...svg.matchAll(/font-size="([\d.]+)(?:px)?"/g)].map((m) => Number(m[1]));
const pngWidth = (png: Uint8Array) => new DataView(png.buffer, png.byteOffset).getUint32(16);

/** Drawn in report.html's column (scaled down when wider: `figure svg { max-width: 100% }`), every text is >= 11 px. */
function expectReadable(svg: string): void {
  const width = svgWidth(svg);
  expect(width).toBeGreaterThan(300);
  const sizes = fontSizes(svg);
  expect(sizes.length).toBeGreaterThan(10);
  expect(Math.min(...sizes) * Math.min(1, COLUMN / width)).toBeGreaterThanOrEqual(11);
}

describe('fclab distill shows its own metrics', () => {
  it('every progress line names both students: fit ID/OOD and probe ID/OOD', () => {
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('distill-toy ['));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const num = String.raw`-?[\d.]+(?:e-?\d+)?`;
    const pattern = new RegExp(`MLP fit ID ${num} OOD ${num}, probe ID ${num} OOD ${num} \\| linear fit ID ${num} OOD ${num}, probe ID ${num} OOD ${num} \\|`);
    for (const l of lines) expect(l).toMatch(pattern);
    expect(run.stderr).not.toMatch(/train - |bgProj -/);
  });
});

describe('distill figures fit report.html', () => {
  it("the run's figure: text >= 11 px in report.html, PNG <= 2400 px at 2x, embedded in report.html", async () => {
    const svg = await readFile(join(tmp, 'run', 'distill.svg'), 'utf8');
    expectReadable(svg);
    expect(pngWidth(await readFile(join(tmp, 'run', 'distill.png')))).toBeLessThanOrEqual(2400);
    expect(await readFile(join(tmp, 'run', 'report.html'), 'utf8')).toContain(svg.slice(0, 200));
  });

  it('coinciding series differ in marker shape: one shape per series of the accuracy panel', () => {
    const row = (it: number): DistillRow =>
      ({ iteration: it, fitTrain: 1e-3, fitId: 1e-3, fitOod: 0.3, idAcc: 0.95, oodAcc: 0.5, coreProj: 1, bgProj: 0.2, linFitTrain: 2e-3, linFitId: 2e-3, linFitOod: 9e-3, linIdAcc: 0.5, linOodAcc: 0.5, linCoreProj: 1, linBgProj: 0.03 }) as DistillRow;
    const spec = distillRunFigureSpec([row(0), row(100)], { idAcc: 0.98, oodAcc: 0.98 });
    // the encodings of every layer of every panel, wherever the grid nests them
    type Enc = Record<string, { scale?: { domain: string[]; range: unknown[] } } | undefined>;
    const encodings: Enc[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (o.encoding) encodings.push(o.encoding as Enc);
        Object.values(o).forEach(walk);
      }
    };
    walk(spec);
    const accLayer = (ch: string) => encodings.find((e) => e[ch]?.scale?.domain.includes('Teacher, OOD'))![ch]!.scale!;
    const shape = accLayer('shape');
    expect(shape.domain).toEqual(['Teacher, ID', 'Teacher, OOD', 'MLP student, ID', 'MLP student, OOD', 'Linear student, ID', 'Linear student, OOD']);
    expect(new Set(shape.range).size).toBe(6);
    // OOD markers are outlines: a marker drawn before them at the same place stays visible
    const fill = accLayer('fill');
    expect(fill.range.map((c) => c === 'transparent')).toEqual([false, true, false, true, false, true]);
  });

  it("D1's effective-robustness figure, one panel per preset: text >= 11 px in report.html, PNG <= 2400 px", async () => {
    const s = (seed: number, lin: number, mlpOod: number) => ({
      seed,
      teacher: { idAcc: 1, oodAcc: 1 },
      student: { idAcc: 1, oodAcc: mlpOod },
      linearStudent: { idAcc: lin, oodAcc: lin },
    });
    // D1's panels and groups (labels as long as reproduce's)
    const labels = ['MLP, default (hidden 128, 600 it)', 'MLP, hidden 32', 'MLP, hidden 512', 'MLP, 3 layers', 'MLP, 4 layers', 'MLP, 200 iterations', 'MLP, 2000 iterations'];
    const points = [
      ...labels.flatMap((l, i) => robustnessPoints(s(i, 0.5, 0.5), l).map((p) => ({ ...p, panel: 'distill-toy: sphere core (no linear solution)' }))),
      ...robustnessPoints(s(1, 1, 0.75), 'MLP, distill-linear (hidden 128, 2000 it)').map((p) => ({ ...p, panel: 'distill-linear: uniform 2-d core (linearly separable)' })),
    ];
    const svg = await renderSvg(
      effectiveRobustnessSpec(points, { text: 'D1 · Distillation: fitting a robust teacher is not enough', subtitle: ['5 seeds per setting (full); the teacher ignores the background by construction', 'points on the dashed line are as accurate OOD as ID'] }),
    );
    expectReadable(svg);
    for (const t of ['sphere core', 'uniform 2-d core', 'MLP, 2000 iterations']) expect(svg).toContain(t);
    expect(pngWidth(svgToPng(svg))).toBeLessThanOrEqual(2400);
  });
});
