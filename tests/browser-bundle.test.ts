// The browser bundle (dist/browser/, built by `npm run build`) in a real Chromium: fclab.js exports
// the library's API and imports no Node module; run() and createTrainer() in the page give exactly
// Node's results, with the WebAssembly fetched from the file next to the bundle or inlined
// (fclab.inline.js); runInWorker streams progress, and a stopped and resumed worker run ends with
// the uninterrupted run's hash; the embedding example (embed.html: one module script, one mount()
// call) trains through its Train button and shows Node's hash.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import * as lib from '../src/index.js';
import { createTrainer, runExperiment, type RunOptions } from '../src/index.js';
import { launchChromium, PageWatch, serve, type Served } from './browser-helpers.js';
import { loadMnistDigits } from '../src/node/mnist-digits.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist', 'browser');
const SHOTS = join(ROOT, 'dist', 'screenshots');
// load(): a dynamic import defined in the page (one written inside page.evaluate would be rewritten by vitest).
const BLANK = '<!doctype html><meta charset="utf-8"><title>blank</title><link rel="icon" href="data:,"><script>window.load = (u) => import(u);</script><body></body>';
type Loader = { load(url: string): Promise<any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

let served: Served;
let browser: Browser;
let watch: PageWatch;

function blankPage(): Promise<Page> {
  return watch.open(served.url + 'blank.html', served.url, 'blank');
}

type Opts = Pick<RunOptions, 'preset' | 'set' | 'build' | 'threads'>;
const SMALL: Opts = { preset: 'toy-default', set: { 'data.n': 200, 'train.iterations': 60, 'train.evalEvery': 20 } };

/** In the page: run() and a few createTrainer() steps with the given bundle file. */
function inPage(page: Page, file: string, opts: Opts) {
  return page.evaluate(
    async ({ file, opts }) => {
      const m = await (window as unknown as Loader).load(`/${file}`);
      const s = await m.run(opts);
      const t = await m.createTrainer({ preset: opts.preset, set: opts.set }, { build: opts.build });
      t.step(10);
      const e = t.evaluate();
      const w = t.parameters()[0].data as Float32Array;
      t.dispose();
      return { hash: s.hash as string, build: s.engine.build as string, trainLoss: e.trainLoss as number, bgProj: e.bgProj as number, w: Array.from(w.subarray(0, 16)) };
    },
    { file, opts },
  );
}

async function inNode(opts: Opts) {
  const s = (await runExperiment(opts)).summary;
  const t = await createTrainer({ preset: opts.preset, set: opts.set }, { build: opts.build });
  t.step(10);
  const e = t.evaluate();
  const w = Array.from(t.parameters()[0].data.subarray(0, 16));
  t.dispose();
  return { hash: s.hash, build: s.engine.build, trainLoss: e.trainLoss, bgProj: e.bgProj, w };
}

describe('browser bundle in Chromium', () => {
  beforeAll(async () => {
    for (const f of ['fclab.js', 'fclab.inline.js', 'fclab.simd.wasm', 'fclab.scalar.wasm', 'fclab.simd-mt.wasm', 'embed.html'])
      if (!existsSync(join(DIST, f))) throw new Error(`dist/browser/${f} is missing: run npm run build first`);
    served = await serve(DIST, { extra: { '/blank.html': BLANK } });
    browser = await launchChromium();
    watch = new PageWatch(browser);
  });

  afterAll(async () => {
    await watch?.closeAll();
    await browser?.close();
    await served?.close();
  });

  it('fclab.js imports no Node module and exports the whole library API plus runInWorker and mount', async () => {
    for (const f of ['fclab.js', 'fclab.inline.js']) {
      const code = readFileSync(join(DIST, f), 'utf8');
      // static imports of anything (the bundle is self-contained), dynamic imports of a literal node: module
      expect(code).not.toMatch(/(^|[;}\s])import\s*[\w{*][^;]*?from\s*["']/);
      expect(code).not.toMatch(/import\s*\(\s*["'](node:|fs|path|worker_threads)/);
    }
    const page = await blankPage();
    const names = await page.evaluate(async (url) => Object.keys(await (window as unknown as Loader).load(url)).sort(), '/fclab.js');
    for (const name of Object.keys(lib)) expect(names).toContain(name);
    for (const name of ['run', 'createTrainer', 'runInWorker', 'mount', 'WorkerRun', 'LivePlot']) expect(names).toContain(name);
  });

  it('run() and createTrainer() in Chromium (WASM from the file next to fclab.js) give Node\'s hash and weights', async () => {
    const page = await blankPage();
    served.requests.length = 0;
    const [web, node] = [await inPage(page, 'fclab.js', SMALL), await inNode(SMALL)];
    console.log(`bundle run: page ${web.hash} (${web.build}), node ${node.hash} (${node.build})`);
    expect(web.build).toBe('simd');
    expect(web).toEqual(node);
    expect(served.requests).toContain('/fclab.simd.wasm');
  });

  it('fclab.inline.js fetches no .wasm file and gives the same results (SIMD and scalar builds)', async () => {
    const page = await blankPage();
    served.requests.length = 0;
    const simd = await inPage(page, 'fclab.inline.js', SMALL);
    const scalar = await inPage(page, 'fclab.inline.js', { ...SMALL, build: 'scalar' });
    const node = await inNode(SMALL);
    expect(scalar.build).toBe('scalar');
    expect({ ...simd, build: '' }).toEqual({ ...node, build: '' });
    expect({ ...scalar, build: '' }).toEqual({ ...node, build: '' });
    expect(served.requests.filter((p) => p.endsWith('.wasm'))).toEqual([]);
  });

  it('runInWorker streams progress; stop() then resume() ends with the uninterrupted hash', async () => {
    const set = { 'data.n': 200, 'train.iterations': 1500, 'train.evalEvery': 100 };
    const page = await blankPage();
    const out = await page.evaluate(async ({ set, url }) => {
      const m = await (window as unknown as Loader).load(url);
      const seen: number[] = [];
      const evaluations: number[] = [];
      let ticks = 0;
      const timer = setInterval(() => ticks++, 20);
      const first = m.runInWorker({
        preset: 'toy-default',
        set,
        onProgress: (e: { iteration: number; metrics?: unknown }) => {
          seen.push(e.iteration);
          if (e.metrics) evaluations.push(e.iteration);
          if (e.iteration >= 300 && first.running) void first.stop();
        },
      });
      const stopped = await first.finished;
      if (stopped.status !== 'stopped') throw new Error(`expected a stopped run, got ${stopped.status}`);
      const resumed = first.resume();
      let resumedEvents = 0;
      resumed.on('progress', () => resumedEvents++);
      const done = await resumed.finished;
      clearInterval(timer);
      if (done.status !== 'done') throw new Error('resumed run did not finish');
      return {
        stoppedAt: stopped.iteration,
        checkpointRows: stopped.checkpoint?.metrics.length ?? 0,
        events: seen.length,
        evaluations,
        resumedEvents,
        ticks,
        hash: done.summary.hash,
        rows: done.metrics.length,
        tensors: done.parameters.map((t: { name: string }) => t.name),
      };
    }, { set, url: '/fclab.js' });
    const node = (await runExperiment({ preset: 'toy-default', set })).summary;
    console.log('runInWorker stop/resume:', { ...out, node: node.hash });
    // stop() was called at the evaluation of iteration 300, so the run stops at its checkpoint there
    expect(out.stoppedAt).toBe(300);
    expect(out.checkpointRows).toBe(4);
    // onProgress follows the resumed run too: every evaluation exactly once, and chunk events between
    expect(out.evaluations).toEqual(Array.from({ length: 16 }, (_, i) => i * 100));
    expect(out.events).toBeGreaterThan(out.evaluations.length);
    expect(out.resumedEvents).toBeGreaterThan(0);
    expect(out.ticks).toBeGreaterThan(0); // the page's own timers kept running
    expect(out.rows).toBe(16);
    expect(out.tensors).toEqual(['fc0.weight', 'fc0.bias', 'fc1.weight', 'fc1.bias']);
    expect(out.hash).toBe(node.hash);
  });

  it('runInWorker trains mnist-padded with the digits file next to the bundle, to Node\'s hash', async () => {
    const set = { 'data.n': 200, 'mnist.testN': 100, 'train.iterations': 20, 'train.evalEvery': 10 };
    const page = await blankPage();
    const out = await page.evaluate(async ({ set, url }) => {
      const m = await (window as unknown as Loader).load(url);
      const done = await m.runInWorker({ preset: 'mnist-padded', set }).finished;
      if (done.status !== 'done') throw new Error(`expected a finished run, got ${done.status}`);
      return { hash: done.summary.hash, idTestAcc: done.summary.final.idTestAcc, side: done.extra?.side };
    }, { set, url: '/fclab.js' });
    const node = (await runExperiment({ preset: 'mnist-padded', set, digits: loadMnistDigits })).summary;
    expect(out.side).toBe(36);
    expect(out.idTestAcc).toBe(node.final.idTestAcc);
    expect(out.hash).toBe(node.hash);
  });

  it('runInWorker reports bad input naming the field, the value and what was expected', async () => {
    const page = await blankPage();
    const messages = await page.evaluate(async (url) => {
      const m = await (window as unknown as Loader).load(url);
      const failure = (o: unknown) => m.runInWorker(o).finished.then(() => 'no error', (e: Error) => e.message);
      return [
        await failure({ preset: 'toy-default', set: { 'model.activation': 'swish' } }),
        await failure({ preset: 'toy-default', threads: 0 }),
        await failure({ preset: 'no-such-preset' }),
      ];
    }, '/fclab.js');
    expect(messages[0]).toContain('model.activation');
    expect(messages[0]).toContain('swish');
    expect(messages[0]).toContain('relu');
    expect(messages[1]).toBe('threads = 0 is not valid: expected a positive integer');
    expect(messages[2]).toContain('preset = "no-such-preset" is not valid: expected one of toy-default');
  });

  it('the embedding example: one module script and one mount() call; Train gives Node\'s hash and a live plot', async () => {
    const html = readFileSync(join(DIST, 'embed.html'), 'utf8');
    const scripts = [...html.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts.length).toBe(1);
    expect(scripts[0].match(/\bmount\(/g)?.length).toBe(1);
    // The README shows the same call.
    const call = /mount\([^\n]*\);/.exec(scripts[0])![0];
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(call);
    const set = Function(`return ${/set: (\{[^}]*\})/.exec(call)![1]}`)() as Record<string, number>;
    const preset = /preset: '([\w-]+)'/.exec(call)![1];

    const node = (await runExperiment({ preset, set })).summary;
    const page = await watch.open(served.url + 'embed.html', served.url, 'embed');
    const widget = page.locator('.fclab-embed');
    expect(await widget.getAttribute('data-state')).toBe('idle');
    await page.focus('.fclab-embed button.fclab-primary');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('.fclab-embed')?.dataset.state === 'done', undefined, {
      timeout: 90_000,
      polling: 50,
    });
    expect(await widget.getAttribute('data-hash')).toBe(node.hash);
    expect(await page.textContent('.fclab-embed .fclab-hash code')).toBe(node.hash);
    const svg = (await page.locator('.fclab-embed svg').evaluate((el) => el.outerHTML)) as string;
    for (const title of ['Loss', 'Feature projection', 'Activation asymmetry']) expect(svg).toContain(`>${title}<`);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'embed-example.png'), fullPage: true });
  });

  it('no console errors, page errors, failed or external requests', () => {
    expect(watch.pages.length).toBeGreaterThan(0);
    expect(watch.problems).toEqual([]);
  });
});
