// `fclab sweep` and `fclab merge` write report.html and figures/: one band figure per aggregated
// metric of the kind, a final-value table equal to sweep.json's, readable sizes, written last and
// again on a re-run, and nothing of the sweep's results changed by it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fclab } from './helpers/cli.js';
import { taskOf, type Config } from '../src/index.js';
import { readSweep } from '../src/node.js';
import { sweepFigures } from '../src/report/sweep-report.js';

// 2 cells x 2 seeds of tiny runs: the time goes to rendering the figures
const toy = ['--preset', 'toy-theory', '--set', 'data.n=64', '--set', 'model.hidden=16', '--set', 'train.iterations=30', '--set', 'train.evalEvery=10',
  '--grid', 'model.activation=relu,identity', '--seeds', '2', '--workers', '2', '--no-figure'];
const theorem = ['--preset', 'theorem', '--set', 'data.testN=200', '--set', 'model.hidden=16', '--set', 'data.inputDim=64', '--set', 'data.coreDim=4',
  '--set', 'data.bgDim=4', '--set', 'train.iterations=30', '--set', 'train.evalEvery=10', '--grid', 'model.activation=relu,identity', '--seeds', '2', '--workers', '2', '--no-figure'];

// report.html's main column is 1100 px wide with 1.5rem (24 px) padding on each side
const CONTENT_WIDTH = 1100 - 2 * 24;

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fclab-sweep-report-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface DocJson {
  fingerprint: string;
  keys: string[];
  ci: { method: string };
  cells: Array<{ id: string; config: Config; values: Record<string, unknown>; iterations: number[]; series: Record<string, unknown>; final: Record<string, { n: number; mean: number | null; ciLo: number | null; ciHi: number | null }> }>;
}

const decode = (s: string) => s.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
const pngWidth = (b: Buffer) => b.readUInt32BE(16);
/** The value as report.html prints it: integers in full, else 4 significant digits; n/a for NaN. */
const shown = (v: number | null) => (v === null ? 'n/a' : Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));
const asShown = (t: string) => (t === 'n/a' ? t : String(Number(t)));

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
  return out.sort();
}

/** Checks a sweep folder's report against its sweep.json; returns report.html. */
async function checkReport(dir: string): Promise<string> {
  const doc = JSON.parse(await readFile(join(dir, 'sweep.json'), 'utf8')) as DocJson;
  const html = await readFile(join(dir, 'report.html'), 'utf8');
  const config = doc.cells[0].config;
  // the metrics are the kind's aggregate, in its order
  const metrics = [...taskOf(config).aggregate.metrics(config)];
  for (const c of doc.cells) expect(Object.keys(c.series)).toEqual(metrics);

  // one figure per metric, in report.html and as SVG + PNG in figures/
  expect(html.match(/<figure>/g)).toHaveLength(metrics.length);
  expect((await readdir(join(dir, 'figures'))).sort()).toEqual(metrics.flatMap((m) => [`${m}.png`, `${m}.svg`]).sort());
  for (const m of metrics) {
    const section = new RegExp(`<section id="metric-${m}">\\n<h2>${m}</h2>\\n<figure><div class="svg"><svg[^]*?</svg></div><figcaption>[^<]+ <a href="figures/${m}.png">PNG</a></figcaption></figure>`);
    expect(html, m).toMatch(section);
    const png = await readFile(join(dir, 'figures', `${m}.png`));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(pngWidth(png), m).toBeLessThanOrEqual(2400);
  }
  // text >= 11 px: every inline SVG fits the page's column unscaled and its smallest font is >= 11 px
  const svgs = [...html.matchAll(/<svg[^>]* width="([\d.]+)"[^]*?<\/svg>/g)];
  expect(svgs).toHaveLength(metrics.length);
  for (const [svg, width] of svgs) {
    expect(Number(width)).toBeLessThanOrEqual(CONTENT_WIDTH);
    const sizes = [...svg.matchAll(/font-size="([\d.]+)/g)].map((x) => Number(x[1]));
    expect(sizes.length).toBeGreaterThan(0);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11);
  }

  // the final-value table is sweep.json's final values, one row per metric and cell
  const section = /<section id="final-values">([^]*?)<\/section>/.exec(html)![1];
  const rows = [...section.matchAll(/<tr>(.*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((c) => decode(c[1])));
  expect(rows[0]).toEqual(['metric', ...doc.keys, 'iteration', 'n seeds', 'mean', '95% CI']);
  const expected = metrics.flatMap((m) =>
    doc.cells.map((c) => {
      const s = c.final[m];
      return [m, ...doc.keys.map((k) => String(c.values[k])), String(c.iterations.at(-1)), String(s.n), shown(s.mean), s.ciLo === null || s.ciHi === null ? 'n/a' : `[${shown(s.ciLo)}, ${shown(s.ciHi)}]`];
    }),
  );
  const got = rows.slice(1).map((r) => [...r.slice(0, -2), asShown(r.at(-2)!), r.at(-1)!.replace(/[-\d.e+]+/g, (x) => String(Number(x)))]);
  expect(got).toEqual(expected);

  // the sweep's spec, fingerprint and CI method are stated
  const text = decode(html);
  expect(text).toContain(doc.fingerprint);
  expect(text).toContain(doc.ci.method);
  expect(text).toContain('"grid": [');
  return html;
}

describe('the sweep report', () => {
  it('toy: report.html and figures/ after the sweep; sweep.json, sweep.csv and the run folders are those of a sweep without report', async () => {
    const plain = join(tmp, 'plain');
    const r0 = await fclab('sweep', ...toy, '--no-report', '--out', plain);
    expect(r0.code, r0.stderr).toBe(0);
    expect(existsSync(join(plain, 'report.html'))).toBe(false);
    expect(existsSync(join(plain, 'figures'))).toBe(false);
    expect(r0.stdout).not.toMatch(/^report:/m);

    const out = join(tmp, 'toy');
    const r = await fclab('sweep', ...toy, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const { config } = (await readSweep(out)).cells[0];
    const n = taskOf(config).aggregate.metrics(config).length;
    expect(r.stderr).toContain(`sweep: rendering the report: ${n} figures (SVG and PNG) and report.html`);
    expect(r.stdout).toMatch(new RegExp(`^report: ${out}/report\\.html \\(${n} figures in ${out}/figures, rendered in [\\d.]+ s\\)$`, 'm'));
    await checkReport(out);
    for (const f of ['sweep.json', 'sweep.csv']) expect(await readFile(join(out, f), 'utf8'), f).toBe(await readFile(join(plain, f), 'utf8'));
    const runs = await files(join(out, 'runs'));
    expect(runs).toEqual(await files(join(plain, 'runs')));
    // every run file but the timing in summary.json (and the manifest's digest of it) is byte-identical
    for (const f of runs.filter((x) => !/(summary|manifest)\.json$/.test(x))) expect((await readFile(join(out, 'runs', f))).equals(await readFile(join(plain, 'runs', f))), f).toBe(true);
    const hash = async (d: string, f: string) => JSON.parse(await readFile(join(d, 'runs', f), 'utf8')).hash as string;
    for (const f of runs.filter((x) => x.endsWith('summary.json'))) expect(await hash(out, f)).toBe(await hash(plain, f));
  });

  it('merge writes the report a one-machine sweep writes; shards write none', async () => {
    const [s0, s1, merged] = ['s0', 's1', 'merged'].map((d) => join(tmp, d));
    for (const [i, s] of [s0, s1].entries()) {
      const r = await fclab('sweep', ...toy, '--shard', `${i}/2`, '--out', s);
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(join(s, 'report.html'))).toBe(false);
      expect(existsSync(join(s, 'figures'))).toBe(false);
      expect(r.stdout).toContain('report: written by fclab merge once every shard is done');
    }
    const m = await fclab('merge', s0, s1, '--no-runs', '--out', merged);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toMatch(/^merge: rendering the report: \d+ figures/m);
    expect(m.stdout).toMatch(/^report: .*report\.html \(\d+ figures/m);
    const html = await checkReport(merged);
    // same cells, statistics and hashes: the same page and figures as the one-machine sweep
    expect(html).toBe(await readFile(join(tmp, 'toy', 'report.html'), 'utf8'));
    for (const f of ['trainLoss.svg', 'trainLoss.png'])
      expect((await readFile(join(merged, 'figures', f))).equals(await readFile(join(tmp, 'toy', 'figures', f))), f).toBe(true);
  });

  it('another kind (theorem): its own metrics; a re-run of the complete sweep writes the report again', async () => {
    const out = join(tmp, 'theorem');
    const r = await fclab('sweep', ...theorem, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const html = await checkReport(out);
    expect(html).toContain('<section id="metric-eq7Measured">');
    expect(html).not.toContain('metric-trainLoss');
    // report.html is written last: a rendering killed before it leaves none, and the next run (every run reused) writes it
    await rm(join(out, 'report.html'));
    await rm(join(out, 'figures', 'idRisk.png'));
    const again = await fclab('sweep', ...theorem, '--out', out);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/\(0 trained, 4 reused\)/);
    expect(await readFile(join(out, 'report.html'), 'utf8')).toBe(html);
    expect(existsSync(join(out, 'figures', 'idRisk.png'))).toBe(true);
  });

  it('figure specs: a log y axis exactly where a metric\'s means are positive and span two decades; one seed draws the mean line', async () => {
    const doc = await readSweep(join(tmp, 'toy'));
    const decades = structuredClone(doc);
    for (const c of decades.cells) {
      c.series.trainLoss.mean = c.iterations.map((_, i) => 10 ** -i);
      c.series.oodLoss.mean = c.iterations.map((_, i) => 1 + i);
      c.series.bgGrowth.mean = c.iterations.map((_, i) => (i === 0 ? 0 : 10 ** i));
    }
    const scale = (m: string) => {
      const f = sweepFigures(decades).find((x) => x.metric === m)!;
      const layer = (f.spec as unknown as { layer: Array<{ encoding: { y: { scale: { type?: string } } } }> }).layer[1];
      return [layer.encoding.y.scale.type ?? 'linear', f.title];
    };
    expect(scale('trainLoss')).toEqual(['log', 'trainLoss (log scale)']);
    expect(scale('oodLoss')).toEqual(['linear', 'oodLoss']);
    // a zero mean: a log axis could not show it
    expect(scale('bgGrowth')).toEqual(['linear', 'bgGrowth']);

    // one seed: no interval (NaN), and the mean line is still drawn
    const one = structuredClone(doc);
    for (const c of one.cells) for (const s of Object.values(c.series)) s.ciLo = s.ciHi = s.ciLo.map(() => NaN);
    const f = sweepFigures(one).find((x) => x.metric === 'oodLoss')!;
    const values = (f.spec as unknown as { data: { values: Array<{ mean: number; lo: number; hi: number }> } }).data.values;
    expect(values).toHaveLength(one.cells.length * one.cells[0].iterations.length);
    for (const v of values) expect([v.lo, v.hi]).toEqual([v.mean, v.mean]);
  });
});
