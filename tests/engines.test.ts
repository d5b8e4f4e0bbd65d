// One hash everywhere: a fixed set of small configs (every activation, each optimizer and loss, a
// minibatch, an online and a 3-layer net, padded MNIST, a resumed run), each at 1 and 2 kernel
// threads, hashed in Node (V8, the CLI), Bun (JavaScriptCore, the same CLI), Chromium (V8, the
// browser bundle, cross-origin isolated) and Firefox ESR (SpiderMonkey, the same bundle, driven
// over WebDriver BiDi). Checkpoints cross engines: one written by Node resumes in each engine, and
// one written by each engine resumes in Node, all ending with the uninterrupted hash. A difference
// names the config, the engine and the first metric row that differs. `npm run test:engines`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser as PwBrowser } from 'playwright-core';
import type { Browser as PpBrowser } from 'puppeteer-core';
import { BIN } from './helpers/cli.js';
import { launchChromium, serve, type Served } from './browser-helpers.js';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist', 'browser');
const BUN = join(ROOT, 'node_modules', '.bin', 'bun');
const FIREFOX = '/usr/bin/firefox-esr';

type Set = Record<string, string | number | boolean>;
interface Case { name: string; preset: string; set: Set }

// Small sizes: the whole matrix (4 engines x 10 configs x 2 thread counts, plus the resumes) takes
// a few minutes on a 2-core machine. data.n = 200 full batch crosses the kernels' row threshold, so
// 2 threads really split the work.
const SMALL: Set = { 'data.n': 200, 'model.hidden': 64, 'train.iterations': 60, 'train.evalEvery': 20 };
const CASES: Case[] = [
  { name: 'theory relu hinge sgd', preset: 'toy-theory', set: SMALL },
  { name: 'default relu logistic adamw', preset: 'toy-default', set: SMALL },
  { name: 'gelu mse adam', preset: 'toy-default', set: { ...SMALL, 'model.activation': 'gelu', 'train.loss': 'mse', 'train.optimizer': 'adam' } },
  { name: 'leakyrelu logistic sgd minibatch 32', preset: 'toy-default', set: { ...SMALL, 'model.activation': 'leakyrelu', 'train.optimizer': 'sgd', 'train.batchSize': 32 } },
  { name: 'sigmoid hinge adamw', preset: 'toy-default', set: { ...SMALL, 'model.activation': 'sigmoid', 'train.loss': 'hinge' } },
  { name: 'tanh mse adam', preset: 'toy-default', set: { ...SMALL, 'model.activation': 'tanh', 'train.loss': 'mse', 'train.optimizer': 'adam' } },
  { name: 'identity logistic sgd 3 layers', preset: 'toy-theory', set: { ...SMALL, 'model.activation': 'identity', 'train.loss': 'logistic', 'model.layers': 3 } },
  { name: 'theory online', preset: 'toy-theory', set: { ...SMALL, 'train.online': true } },
  {
    name: 'mnist-padded softmax adamw',
    preset: 'mnist-padded',
    set: { 'data.n': 200, 'mnist.testN': 100, 'model.hidden': 32, 'train.iterations': 30, 'train.evalEvery': 10, 'train.batchSize': 50 },
  },
];
/** The resumed run: checkpoints at iteration 30 of 60 (the last one before the end stays on disk). */
const RESUMED: Case = { name: 'resumed gelu adamw', preset: 'toy-default', set: { ...SMALL, 'model.activation': 'gelu', 'train.checkpointEvery': 30 } };
const THREADS = [1, 2] as const;
/** A ceiling for a shared, loaded machine (nothing here asserts a duration). */
const LONG = 900_000;

/** What one engine reports for one run. */
interface Outcome { hash: string; csv: string; threads: number; checkpoint?: Uint8Array }
interface Job { key: string; preset?: string; set?: Set; threads: number; resume?: Uint8Array; keepCheckpoint?: boolean }

const setArgs = (set: Set) => Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${v}`]);

/** The CLI (bin/fclab.js) under Node or Bun, two processes at a time. */
async function viaCli(runtime: string, jobs: Job[], tmp: string): Promise<Map<string, Outcome>> {
  const results: Outcome[] = new Array(jobs.length);
  const one = async (i: number) => {
    const j = jobs[i];
    const dir = join(tmp, `${i}`);
    await mkdir(dir, { recursive: true });
    let args: string[];
    if (j.resume) {
      await writeFile(join(dir, 'checkpoint.fclab'), j.resume);
      args = ['run', '--resume', dir];
    } else args = ['run', '--preset', j.preset!, ...setArgs(j.set!), '--out', dir];
    try {
      await exec(runtime, [BIN, ...args, '--threads', String(j.threads), '--no-figure', '-q'], { maxBuffer: 1 << 24 });
    } catch (e) {
      throw new Error(`${j.key} under ${runtime} failed: ${(e as { stderr?: string }).stderr ?? e}`);
    }
    const s = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
    results[i] = {
      hash: s.hash,
      threads: s.engine.threads,
      csv: await readFile(join(dir, 'metrics.csv'), 'utf8'),
      checkpoint: j.keepCheckpoint ? await readFile(join(dir, 'checkpoint.fclab')) : undefined,
    };
  };
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) await one(next++);
  };
  await Promise.all([lane(), lane()]);
  return new Map(jobs.map((j, i) => [j.key, results[i]]));
}

type PageJob = Omit<Job, 'resume'> & { resume?: string };
type PageOutcome = Omit<Outcome, 'checkpoint'> & { checkpoint?: string };

/**
 * Runs in the page (Chromium or Firefox): the bundle's runExperiment, metrics as the CLI writes
 * them (metricsCsv), checkpoints as the CLI's bytes (encodeCheckpoint), base64 across the wire.
 */
async function pageJobs(jobs: PageJob[]): Promise<Record<string, PageOutcome>> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const m: any = await (window as any).load('/fclab.js');
  const toB64 = (b: Uint8Array) => {
    let s = '';
    for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const out: Record<string, PageOutcome> = {};
  const csvOf = (metrics: unknown, config: unknown) => m.metricsCsv(metrics, m.taskOf(config).columns(config));
  for (const j of jobs) {
    const resume = j.resume ? m.decodeCheckpoint(fromB64(j.resume), 'checkpoint.fclab') : undefined;
    if ((resume?.config ?? m.resolveConfig({ preset: j.preset, set: j.set })).task === 'mnist') {
      // the digits: the bundle's own worker fetches the file next to it (the public path for MNIST in a page)
      const o = await m.runInWorker({ preset: j.preset, set: j.set, threads: j.threads }).finished;
      if (o.status !== 'done') throw new Error(`${j.key}: the worker run ended ${o.status}`);
      out[j.key] = { hash: o.summary.hash, threads: o.summary.engine.threads, csv: csvOf(o.metrics, o.summary.config) };
      continue;
    }
    let last: Uint8Array | undefined;
    const r = await m.runExperiment({
      ...(resume ? { resume } : { preset: j.preset, set: j.set }),
      threads: j.threads,
      onCheckpoint: (cp: unknown) => void (last = m.encodeCheckpoint(cp)),
    });
    out[j.key] = {
      hash: r.summary.hash,
      threads: r.summary.engine.threads,
      csv: csvOf(r.metrics, r.config),
      checkpoint: j.keepCheckpoint && last ? toB64(last) : undefined,
    };
  }
  return out;
}

const BLANK = '<!doctype html><meta charset="utf-8"><title>engines</title><link rel="icon" href="data:,"><script>window.load = (u) => import(u);</script><body></body>';

function fromPage(r: Record<string, PageOutcome>): Map<string, Outcome> {
  return new Map(Object.entries(r).map(([k, o]) => [k, { ...o, checkpoint: o.checkpoint ? Buffer.from(o.checkpoint, 'base64') : undefined }]));
}
function toPage(jobs: Job[]): PageJob[] {
  return jobs.map((j) => ({ ...j, resume: j.resume ? Buffer.from(j.resume).toString('base64') : undefined }));
}

/** The first metric row that differs (1-based data row, with the iteration), or the parameters. */
function describeDifference(key: string, engine: string, ref: Outcome, got: Outcome): string | null {
  if (ref.hash === got.hash && ref.csv === got.csv) return null;
  const a = ref.csv.split('\n'), b = got.csv.split('\n');
  const head = `${key}, ${engine}: hash ${got.hash.slice(0, 12)} != Node's ${ref.hash.slice(0, 12)}`;
  if (a[0] !== b[0]) return `${head}; metric columns differ: "${b[0]}" vs "${a[0]}"`;
  for (let i = 1; i < Math.max(a.length, b.length); i++)
    if (a[i] !== b[i]) {
      const it = (b[i] ?? a[i] ?? '').split(',')[0];
      return `${head}; first metric row that differs: row ${i} (iteration ${it}): ${engine} "${b[i] ?? '(missing)'}", Node "${a[i] ?? '(missing)'}"`;
    }
  return `${head}; every metric row is equal: the final parameters differ`;
}

function matrixJobs(): Job[] {
  const jobs: Job[] = [];
  for (const c of [...CASES, RESUMED])
    for (const threads of THREADS) jobs.push({ key: `${c.name} @${threads}t`, preset: c.preset, set: c.set, threads, keepCheckpoint: c === RESUMED });
  return jobs;
}
/** Resumes, in one engine, a checkpoint written by another (at 1 and 2 threads). */
function resumeJobs(from: string, cp: Uint8Array): Job[] {
  return THREADS.map((threads) => ({ key: `${RESUMED.name} @${threads}t, resumed from ${from}'s checkpoint`, threads, resume: cp }));
}

type Engine = 'Bun' | 'Chromium' | 'Firefox';
const runners: Record<Engine, (jobs: Job[]) => Promise<Map<string, Outcome>>> = {} as never;

let tmp: string;
let served: Served;
let chromium: PwBrowser | undefined;
let firefox: PpBrowser | undefined;
const versions: Record<string, string> = {};
const seconds: Record<string, number> = {};
let node: Map<string, Outcome>; // the reference: Node's CLI

beforeAll(async () => {
  const missing: string[] = [];
  for (const f of ['fclab.js', 'fclab.simd.wasm', 'fclab.simd-mt.wasm', 'mnist-digits.bin'])
    if (!existsSync(join(DIST, f))) missing.push(`dist/browser/${f} (run npm run build)`);
  if (!existsSync(BUN)) missing.push('node_modules/.bin/bun (the devDependency bun: run npm ci)');
  if (!existsSync(FIREFOX)) missing.push(`${FIREFOX} (apt-get install -y firefox-esr)`);
  if (missing.length) throw new Error(`the engine matrix needs: ${missing.join('; ')}`);
  tmp = await mkdtemp(join(tmpdir(), 'fclab-engines-'));
  served = await serve(DIST, { extra: { '/blank.html': BLANK } });
  versions.Node = process.version;
  versions.Bun = (await exec(BUN, ['--version'])).stdout.trim();

  let n = 0;
  runners.Bun = (jobs) => viaCli(BUN, jobs, join(tmp, `bun-${n++}`));
  runners.Chromium = async (jobs) => {
    chromium ??= await launchChromium();
    versions.Chromium = chromium.version();
    const page = await chromium.newPage();
    try {
      await page.goto(served.url + 'blank.html');
      return fromPage(await page.evaluate(pageJobs, toPage(jobs)));
    } finally {
      await page.close();
    }
  };
  runners.Firefox = async (jobs) => {
    if (!firefox) {
      const puppeteer = (await import('puppeteer-core')).default;
      firefox = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, protocolTimeout: LONG });
    }
    versions.Firefox = await firefox.version();
    const page = await firefox.newPage();
    try {
      await page.goto(served.url + 'blank.html');
      return fromPage(await page.evaluate(pageJobs, toPage(jobs)));
    } finally {
      await page.close();
    }
  };
  const t = performance.now();
  node = await viaCli(process.execPath, matrixJobs(), join(tmp, 'node'));
  seconds.Node = (performance.now() - t) / 1000;
}, LONG);

afterAll(async () => {
  await chromium?.close();
  await firefox?.close();
  await served?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  const rows = Object.keys(versions).map((e) => `  ${e.padEnd(9)} ${versions[e].padEnd(20)} ${seconds[e]?.toFixed(1) ?? '-'} s`);
  const hashes = [...(node ?? new Map<string, Outcome>())].map(([k, o]) => `  ${o.hash.slice(0, 16)}  ${k}`);
  console.log(`engine matrix (${CASES.length + 1} configs x threads ${THREADS.join(', ')}, plus cross-engine resumes):\n${rows.join('\n')}\nNode's hashes:\n${hashes.join('\n')}`);
});

describe('the reference: Node', () => {
  it('is deterministic where it must be: 1 and 2 threads agree, and the configs differ from each other', () => {
    const diffs: string[] = [];
    for (const c of [...CASES, RESUMED]) {
      const one = node.get(`${c.name} @1t`)!, two = node.get(`${c.name} @2t`)!;
      expect(two.threads).toBe(2);
      const d = describeDifference(`${c.name} @2t`, 'Node 2 threads', one, two);
      if (d) diffs.push(d);
    }
    expect(diffs).toEqual([]);
    // a matrix of identical runs would prove nothing
    expect(new Set(CASES.map((c) => node.get(`${c.name} @1t`)!.hash)).size).toBe(CASES.length);
  });

  it('the modules use no relaxed SIMD (its results may differ by platform): their text has none, and they validate in Node 20, whose V8 rejects it', async () => {
    const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]);
    for (const b of ['simd', 'simd-mt', 'scalar']) {
      const wat = await readFile(join(ROOT, 'build', `fclab.${b}.wat`), 'utf8');
      expect(wat.match(/\brelaxed_\w+/g) ?? [], b).toEqual([]);
      if (!WebAssembly.validate(RELAXED_PROBE)) expect(WebAssembly.validate(await readFile(join(ROOT, 'build', `fclab.${b}.wasm`))), b).toBe(true);
    }
  });

  it('a difference names the config, the engine and the first metric row that differs', () => {
    const key = `${CASES[2].name} @2t`;
    const ref = node.get(key)!;
    const rows = ref.csv.split('\n');
    const cols = rows[2].split(',');
    cols[3] = String(Number(cols[3]) + 1e-9);
    const bent = { ...ref, hash: 'f'.repeat(64), csv: [...rows.slice(0, 2), cols.join(','), ...rows.slice(3)].join('\n') };
    const d = describeDifference(key, 'Firefox', ref, bent)!;
    expect(d).toContain(`${key}, Firefox: hash ffffffffffff != Node's ${ref.hash.slice(0, 12)}`);
    expect(d).toContain(`first metric row that differs: row 2 (iteration ${cols[0]})`);
    expect(describeDifference(key, 'Bun', ref, { ...ref, hash: '0'.repeat(64) })).toMatch(/every metric row is equal: the final parameters differ$/);
    expect(describeDifference(key, 'Bun', ref, { ...ref })).toBeNull();
  });

  it('a checkpoint written by Node resumes in Node with the uninterrupted hash', async () => {
    const cp = node.get(`${RESUMED.name} @1t`)!.checkpoint!;
    const r = await viaCli(process.execPath, resumeJobs('Node', cp), join(tmp, 'node-resume'));
    for (const [k, o] of r) expect(describeDifference(k, 'Node', node.get(`${RESUMED.name} @1t`)!, o)).toBeNull();
  }, LONG);
});

describe.each(['Bun', 'Chromium', 'Firefox'] as const)('%s', (engine) => {
  let got: Map<string, Outcome>;

  it('every config at 1 and 2 threads gives Node\'s hash and metric rows', async () => {
    const t = performance.now();
    got = await runners[engine](matrixJobs());
    seconds[engine] = (performance.now() - t) / 1000;
    const diffs: string[] = [];
    for (const [key, ref] of node) {
      const o = got.get(key);
      if (!o) diffs.push(`${key}, ${engine}: no result`);
      else {
        const d = describeDifference(key, engine, ref, o);
        if (d) diffs.push(d);
        if (key.endsWith('@2t') && o.threads !== 2) diffs.push(`${key}, ${engine}: ran on ${o.threads} thread(s), not 2`);
      }
    }
    expect(diffs).toEqual([]);
  }, LONG);

  it(`checkpoints are portable: Node's resumes in ${engine}, and ${engine}'s resumes in Node`, async () => {
    const ref = node.get(`${RESUMED.name} @1t`)!;
    const theirs = got?.get(`${RESUMED.name} @1t`)?.checkpoint;
    expect(theirs, `${engine} wrote no checkpoint (see the test above)`).toBeDefined();
    const here = await runners[engine](resumeJobs('Node', ref.checkpoint!));
    const back = await viaCli(process.execPath, resumeJobs(engine, theirs!), join(tmp, `node-from-${engine}`));
    const diffs: string[] = [];
    for (const [k, o] of here) diffs.push(describeDifference(k, engine, ref, o) ?? '');
    for (const [k, o] of back) diffs.push(describeDifference(k, 'Node', ref, o) ?? '');
    expect(diffs.filter(Boolean)).toEqual([]);
    expect(here.size + back.size).toBe(4);
  }, LONG);
});
