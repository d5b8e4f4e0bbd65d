// The demo page (web/) in a real Chromium: build it with Vite into a temp folder, serve it with a
// minimal static server, drive it through its URL parameters, and check the determinism contract
// (a run in the page has the same hash as the same run in this Node process, SIMD or scalar, on 1 or
// 2 kernel threads), the downloads, the figure, error reporting, Stop, and that nothing logs an error
// or leaves the origin. The server sends the COOP/COEP headers that vite.config.ts sets, so the page
// is cross-origin isolated and can share WebAssembly memory with its kernel workers; a second
// server without them checks that the page then falls back to 1 thread and says so.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import type { Browser, Page } from 'playwright-core';
import { encodeNpy, runExperiment, type RunResult, type Summary } from '../src/index.js';
import { metricsCsv } from '../src/tasks/toy/metrics.js';
import { loadMnistDigits } from '../src/node/mnist-digits.js';
import { launchChromium, PageWatch, serve, type Served } from './browser-helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Test artifacts (CI keeps dist/screenshots/); FCLAB_UPDATE_DOCS=1 also refreshes the README's copy. */
const SHOTS = join(ROOT, 'dist', 'screenshots');
const DOCS_SHOT = join(ROOT, 'docs', 'web-demo.png');
/** Generous: a cold Chromium on a loaded two-core machine. */
const RUN_TIMEOUT = 90_000;

let outDir = '';
let served: Served | undefined;
let baseUrl = '';
/** The same folder served without the isolation headers. */
let plain: Served | undefined;
let plainUrl = '';
let browser: Browser | undefined;
let watch: PageWatch;
const timings: Record<string, number> = {};

function openPage(query: string, base = baseUrl): Promise<Page> {
  return watch.open(base + query, base, query);
}

/** Waits until the page's run ends; returns the state ('done' | 'error' | ...). */
async function settled(page: Page): Promise<string> {
  await page.waitForFunction(
    () => document.body.dataset.state === 'done' || document.body.dataset.state === 'error',
    undefined,
    { timeout: RUN_TIMEOUT, polling: 100 },
  );
  return (await page.evaluate(() => document.body.dataset.state)) ?? '';
}

/** Opens the page with `query` (autorun), waits for the run and returns its summary. */
async function runInPage(query: string, base = baseUrl): Promise<{ page: Page; summary: Summary; ms: number }> {
  const t0 = performance.now();
  const page = await openPage(query, base);
  const state = await settled(page);
  if (state !== 'done') throw new Error(`page run ${query} ended in state ${state}: ${await page.textContent('#error')}`);
  const summary = JSON.parse((await page.evaluate(() => document.body.dataset.summary)) ?? 'null') as Summary;
  // The hidden <pre> holds the same summary (the summary.json download's text).
  const pre = JSON.parse((await page.textContent('#summary-json')) ?? 'null') as Summary;
  expect(pre.hash).toBe(summary.hash);
  return { page, summary, ms: performance.now() - t0 };
}

async function inNode(label: string, options: Parameters<typeof runExperiment>[0]): Promise<RunResult> {
  const t0 = performance.now();
  const r = await runExperiment(options);
  timings[`node ${label}`] = performance.now() - t0;
  return r;
}

const DEFAULT_SET = { 'train.iterations': 60, 'train.evalEvery': 20 };
const DEFAULT_QUERY = '?preset=toy-default&set=train.iterations=60&set=train.evalEvery=20&autorun=1';

/** The page's URL for a run of `preset` with overrides `set` and extra parameters (autorun). */
function queryOf(preset: string, set: Record<string, string | number>, extra = ''): string {
  const sets = Object.entries(set).map(([k, v]) => `set=${encodeURIComponent(`${k}=${v}`)}`);
  return `?preset=${preset}&${sets.join('&')}${extra}&autorun=1`;
}
let nodeDefault: RunResult;

describe('demo page in Chromium', () => {
  beforeAll(async () => {
    let t0 = performance.now();
    outDir = mkdtempSync(join(tmpdir(), 'fclab-web-'));
    await build({
      configFile: join(ROOT, 'web', 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    timings['vite build'] = performance.now() - t0;
    served = await serve(outDir);
    baseUrl = served.url;
    plain = await serve(outDir, { isolate: false });
    plainUrl = plain.url;
    t0 = performance.now();
    browser = await launchChromium();
    watch = new PageWatch(browser);
    timings['chromium launch'] = performance.now() - t0;
    nodeDefault = await inNode('toy-default simd', { preset: 'toy-default', set: DEFAULT_SET });
  }, 120_000);

  afterAll(async () => {
    await watch?.closeAll();
    await browser?.close();
    await served?.close();
    await plain?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
    console.log('browser test timings (ms):', Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])));
  });

  it('(a,e) toy-default in the page: same hash as Node, figure present, downloads', async () => {
    const { page, summary, ms } = await runInPage(DEFAULT_QUERY);
    timings['page toy-default (auto build)'] = ms;
    console.log(`toy-default 60 it: node ${nodeDefault.summary.hash} (${nodeDefault.summary.engine.build})`);
    console.log(`toy-default 60 it: page ${summary.hash} (${summary.engine.build})`);
    expect(summary.engine.build).toBe('simd'); // Chromium has WebAssembly SIMD
    expect(summary.engine.simd).toBe(true);
    expect(summary.iterations).toBe(60);
    expect(summary.config).toEqual(nodeDefault.summary.config);
    expect(summary.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(summary.hash).toBe(nodeDefault.summary.hash);

    // The server's headers make the page cross-origin isolated; threads "auto" = the cores, up to 4.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.inputValue('#threads')).toBe('');
    expect(summary.engine.threads).toBe(Math.max(1, Math.min(4, cores)));
    expect(nodeDefault.summary.engine.threads).toBe(1);

    // The result panel shows the full hash, the threads used and the headline numbers.
    expect((await page.textContent('#hash'))?.trim()).toBe(summary.hash);
    expect((await page.textContent('#threads-used'))?.trim()).toBe(String(summary.engine.threads));
    expect(await page.isHidden('#threads-note')).toBe(true);
    expect(await page.textContent('#simd')).toContain('on');
    expect(await page.locator('#metrics-body tr').count()).toBe(7);

    // (e) the run figure: vega's SVG with both panels' axes.
    const svg = page.locator('#figure svg');
    await expect.poll(() => svg.count()).toBe(1);
    const svgText = (await svg.evaluate((el) => el.outerHTML)) as string;
    expect(svgText).toContain('Iterations');
    expect(svgText).toContain('Activation asymmetry');
    expect(svgText.match(/<path/g)?.length ?? 0).toBeGreaterThan(4);

    // Downloads: byte-identical to what `fclab run` writes.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    expect(csv.suggestedFilename()).toBe('metrics.csv');
    expect(readFileSync((await csv.path())!, 'utf8')).toBe(metricsCsv(nodeDefault.metrics));
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
    expect(json.suggestedFilename()).toBe('summary.json');
    const downloaded = JSON.parse(readFileSync((await json.path())!, 'utf8')) as Summary;
    expect(downloaded.hash).toBe(nodeDefault.summary.hash);
    expect(downloaded.final).toEqual(nodeDefault.summary.final);

    // Weights: one .npy per tensor, byte-identical to fclab run's weights/*.npy.
    const names = await page.locator('#weights button').evaluateAll((bs) => bs.map((b) => b.textContent));
    expect(names).toEqual(nodeDefault.parameters.map((t) => `${t.name}.npy`));
    for (const t of [nodeDefault.parameters[0], nodeDefault.parameters[1]]) {
      const [npy] = await Promise.all([page.waitForEvent('download'), page.click(`#weights button[data-tensor="${t.name}"]`)]);
      expect(npy.suggestedFilename()).toBe(`${t.name}.npy`);
      expect(new Uint8Array(readFileSync((await npy.path())!))).toEqual(encodeNpy(t.data, t.shape));
    }
  }, 120_000);

  it('(b) the scalar build in Chromium gives the Node SIMD hash', async () => {
    const { page, summary, ms } = await runInPage(DEFAULT_QUERY + '&build=scalar');
    timings['page toy-default scalar'] = ms;
    console.log(`toy-default 60 it: page ${summary.hash} (${summary.engine.build})`);
    expect(summary.engine.build).toBe('scalar');
    expect(summary.engine.simd).toBe(false);
    expect(summary.engine.threads).toBe(1); // auto: kernel threads need the SIMD build
    expect(await page.inputValue('#build')).toBe('scalar');
    expect(summary.hash).toBe(nodeDefault.summary.hash);
  }, 120_000);

  it('(c) a minibatch GELU run (toy-theory) matches Node', async () => {
    const set = {
      'model.activation': 'gelu',
      'train.batchSize': 50,
      'train.iterations': 40,
      'train.evalEvery': 10,
    };
    const node = await inNode('toy-theory gelu minibatch', { preset: 'toy-theory', set });
    const { page, summary, ms } = await runInPage(queryOf('toy-theory', set));
    timings['page toy-theory gelu minibatch'] = ms;
    console.log(`toy-theory gelu b=50: node ${node.summary.hash} (${node.summary.engine.build})`);
    console.log(`toy-theory gelu b=50: page ${summary.hash} (${summary.engine.build})`);
    // The URL filled the form.
    expect(await page.inputValue('#preset')).toBe('toy-theory');
    expect(await page.inputValue('#activation')).toBe('gelu');
    expect(await page.inputValue('#batch-size')).toBe('50');
    expect(summary.config.train.batchSize).toBe(50);
    expect(summary.config.model.activation).toBe('gelu');
    expect(summary.hash).toBe(node.summary.hash);
  }, 120_000);

  it('(m) padded MNIST through the form: digits fetched only then, weight images, same hash as Node', async () => {
    const set = { 'train.iterations': 20, 'train.evalEvery': 10, 'data.n': 200, 'mnist.testN': 100 };
    const node = await inNode('mnist-padded 20 it', { preset: 'mnist-padded', set, digits: loadMnistDigits });
    const t0 = performance.now();
    const page = await openPage('');
    await page.selectOption('#preset', 'mnist-padded');
    expect(await page.inputValue('#width')).toBe('64');
    expect(await page.isVisible('#explain-mnist')).toBe(true);
    await page.fill('#iterations', '20');
    await page.fill('#eval-every', '10');
    await page.fill('#extra', 'data.n=200 mnist.testN=100');
    // the 7.8 MB digits file is not part of the page load
    expect(served!.requests.filter((r) => r.includes('mnist-digits'))).toEqual([]);
    await page.click('#run');
    expect(await settled(page)).toBe('done');
    await page.waitForSelector('#weights-box[data-ready]', { timeout: RUN_TIMEOUT });
    timings['page mnist-padded 20 it'] = performance.now() - t0;
    expect(served!.requests.filter((r) => r.includes('mnist-digits')).length).toBeGreaterThan(0);
    const summary = JSON.parse((await page.evaluate(() => document.body.dataset.summary)) ?? 'null') as Summary;
    console.log(`mnist-padded 20 it: node ${node.summary.hash}, page ${summary.hash}`);
    expect(summary.config).toEqual(node.summary.config);
    expect(summary.hash).toBe(node.summary.hash);
    expect(summary.final.idTestAcc).toBe(node.summary.final.idTestAcc);
    // the weight images: two panels of 16 neurons' 36x36 weights, and the MNIST headline rows
    expect(await page.locator('#weights-figure svg').count()).toBe(1);
    expect(await page.textContent('#weights-figure')).toContain('Learned change W − W0');
    expect(await page.locator('#weights-figure svg path, #weights-figure svg rect').count()).toBeGreaterThan(1000);
    expect(await page.textContent('#figure')).toContain('OOD (test digits, OOD border)');
    expect(await page.textContent('#metrics-body')).toContain('bgShareLearned');
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'web-demo-mnist.png'), fullPage: true });
  }, 180_000);

  // (g) kernel threads: the page's training worker starts a nested Blob-URL worker that shares its
  // WebAssembly memory; the hash must not change.
  const threadCases: Array<[string, string, Record<string, string | number>]> = [
    ['toy-default n=200 full batch', 'toy-default', { 'data.n': 200, 'train.iterations': 60, 'train.evalEvery': 20 }],
    [
      'toy-default n=200 minibatch',
      'toy-default',
      { 'data.n': 200, 'train.batchSize': 50, 'train.iterations': 60, 'train.evalEvery': 20 },
    ],
    [
      'toy-theory gelu minibatch',
      'toy-theory',
      { 'model.activation': 'gelu', 'train.batchSize': 50, 'train.iterations': 40, 'train.evalEvery': 10 },
    ],
  ];
  for (const [label, preset, set] of threadCases)
    it(`(g) ${label} on 2 threads in Chromium gives Node's single-threaded hash`, async () => {
      const node = await inNode(`${label} 1 thread`, { preset, set, threads: 1 });
      expect(node.summary.engine.threads).toBe(1);
      const { page, summary, ms } = await runInPage(queryOf(preset, set, '&threads=2'));
      timings[`page ${label} 2 threads`] = ms;
      console.log(`${label}: node 1 thread ${node.summary.hash}`);
      console.log(`${label}: page 2 threads ${summary.hash} (${summary.engine.build}, threads ${summary.engine.threads})`);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      expect(await page.inputValue('#threads')).toBe('2');
      expect(await page.isHidden('#threads-note')).toBe(true);
      expect(summary.engine.threads).toBe(2);
      expect(summary.engine.build).toBe('simd');
      expect((await page.textContent('#threads-used'))?.trim()).toBe('2');
      expect(summary.config).toEqual(node.summary.config);
      expect(summary.final).toEqual(node.summary.final);
      expect(summary.hash).toBe(node.summary.hash);
    }, 120_000);

  it('without COOP/COEP headers, threads=2 falls back to 1 thread with a note and the same hash', async () => {
    const { page, summary } = await runInPage(DEFAULT_QUERY + '&threads=2', plainUrl);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(summary.engine.threads).toBe(1);
    expect(summary.hash).toBe(nodeDefault.summary.hash);
    expect(await page.isVisible('#threads-note')).toBe(true);
    expect(await page.textContent('#threads-note')).toContain('cross-origin isolated');
    expect((await page.textContent('#threads-used'))?.trim()).toBe('1');
    // auto means 1 thread here
    expect(await page.textContent('#threads option[value=""]')).toBe('auto (1)');
  }, 120_000);

  it('reports a bad threads parameter in #error', async () => {
    const page = await openPage('?preset=toy-default&threads=two&autorun=1');
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('error');
    expect(await page.textContent('#error')).toContain('threads = "two"');
  }, 120_000);

  it('reports a bad config in #error with state "error"', async () => {
    const page = await openPage('?preset=toy-default&set=model.activation=swish&autorun=1');
    expect(await settled(page)).toBe('error');
    const message = (await page.textContent('#error')) ?? '';
    expect(message).toContain('model.activation');
    expect(message).toContain('swish');
    expect(await page.isVisible('#error')).toBe(true);
  }, 120_000);

  // Through the UI, as a visitor: pick the preset and knobs, press Train, watch the curves.
  const uiCases: Array<{ preset: string; iterations: number; evalEvery: number; extra: string; keyboard: boolean }> = [
    // the screenshot's run: long enough for curves with a shape (toy-default's OOD loss turns up on n = 200)
    { preset: 'toy-default', iterations: 600, evalEvery: 20, extra: 'data.n=200', keyboard: false },
    // driven by the keyboard alone: arrow keys in the preset select, typing, Enter to train
    { preset: 'toy-theory', iterations: 200, evalEvery: 20, extra: 'train.lr=0.01', keyboard: true },
  ];
  for (const c of uiCases)
    it(`trains ${c.preset} through the UI${c.keyboard ? ' by keyboard' : ''}: live curves, hash equal to Node's`, async () => {
      const set = { 'train.iterations': c.iterations, 'train.evalEvery': c.evalEvery, [c.extra.split('=')[0]]: Number(c.extra.split('=')[1]) };
      // Node on 2 threads: the same hash as 1 (tested elsewhere), in less time.
      const node = await inNode(`${c.preset} ui`, { preset: c.preset, set, threads: 2 });
      const page = await openPage('');
      expect(await page.evaluate(() => document.body.dataset.state)).toBe('idle');
      if (c.keyboard) {
        await page.focus('#preset');
        // toy-theory is the option after toy-default
        await page.keyboard.press('ArrowDown');
        expect(await page.inputValue('#preset')).toBe(c.preset);
        await page.focus('#iterations');
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.type(String(c.iterations));
        await page.keyboard.press('Tab'); // seed
        await page.keyboard.press('Tab'); // evaluate every
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.type(String(c.evalEvery));
        await page.focus('#extra');
        await page.keyboard.type(c.extra);
      } else {
        await page.selectOption('#preset', c.preset);
        await page.fill('#iterations', String(c.iterations));
        await page.fill('#eval-every', String(c.evalEvery));
        await page.fill('#extra', c.extra);
      }
      // Count the figure's redraws while the run streams in.
      await page.evaluate(() => {
        const w = window as unknown as { figureDraws: number };
        w.figureDraws = 0;
        new MutationObserver(() => w.figureDraws++).observe(document.getElementById('figure')!, { childList: true });
      });
      const t0 = performance.now();
      if (c.keyboard) await page.keyboard.press('Enter');
      else await page.click('#run');
      // Focus follows the run: Stop is focused while training (read together, in one task of the page).
      const [state, focused] = await page.evaluate(() => [document.body.dataset.state, document.activeElement?.id]);
      if (state === 'running') expect(focused).toBe('stop');
      expect(await settled(page)).toBe('done');
      timings[`page ${c.preset} ui`] = performance.now() - t0;
      const summary = JSON.parse((await page.evaluate(() => document.body.dataset.summary)) ?? 'null') as Summary;
      expect(summary.config).toEqual(node.summary.config);
      expect((await page.textContent('#hash'))?.trim()).toBe(node.summary.hash);
      expect(summary.hash).toBe(node.summary.hash);
      // The curves updated during the run (first evaluation, streamed ones, the final set), and the
      // final figure has a point for every evaluation in each of its three panels.
      const draws = await page.evaluate(() => (window as unknown as { figureDraws: number }).figureDraws);
      console.log(`${c.preset} through the UI: ${draws} figure updates, ${Math.round(timings[`page ${c.preset} ui`])} ms`);
      expect(draws).toBeGreaterThanOrEqual(2);
      const svgText = (await page.locator('#figure svg').evaluate((el) => el.outerHTML)) as string;
      for (const title of ['Loss', 'Feature projection', 'Activation asymmetry']) expect(svgText).toContain(`>${title}<`);
      expect(node.metrics.length).toBe(c.iterations / c.evalEvery + 1);
      // the URL now describes the run (a shareable link)
      expect(new URL(page.url()).searchParams.get('preset')).toBe(c.preset);
      if (c.keyboard) expect(await page.evaluate(() => document.activeElement?.id)).toBe('run');
      else {
        mkdirSync(SHOTS, { recursive: true });
        await page.evaluate(() => window.scrollTo(0, 0));
        const shot = join(SHOTS, 'web-demo.png');
        await page.screenshot({ path: shot, fullPage: true });
        expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
        if (process.env.FCLAB_UPDATE_DOCS === '1') copyFileSync(shot, DOCS_SHOT);
      }
    }, 120_000);

  it('Stop (Escape) and Resume (Enter) by keyboard: the page stays responsive, the resumed run has the uninterrupted hash', async () => {
    const set = { 'data.n': 200, 'train.iterations': 1000, 'train.evalEvery': 50 };
    const node = await inNode('toy-default n=200 1000 it', { preset: 'toy-default', set, threads: 2 });
    const page = await openPage(queryOf('toy-default', set, '&threads=2').replace('&autorun=1', ''));
    await page.focus('#run');
    await page.keyboard.press('Enter');
    // Wait for training to be under way (past the first evaluations).
    await page.waitForFunction(() => /Iteration ([1-9]\d\d|[1-9],\d\d\d)/.test(document.getElementById('status')?.textContent ?? ''), undefined, {
      timeout: RUN_TIMEOUT,
      polling: 20,
    });
    // The main thread answers while the worker trains (the bound is loose: CI machines are shared).
    const t0 = performance.now();
    await page.evaluate(() => 1 + 1);
    expect(performance.now() - t0).toBeLessThan(10_000);
    // The training worker and its one kernel worker (a nested worker from a Blob URL).
    const workers = page.workers();
    expect(workers.length).toBe(2);
    expect(workers.filter((w) => w.url().startsWith('blob:')).length).toBe(1);

    const t1 = performance.now();
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.body.dataset.state === 'stopped', undefined, { timeout: RUN_TIMEOUT, polling: 20 });
    const status = (await page.textContent('#status')) ?? '';
    console.log(`stopped ${Math.round(performance.now() - t1)} ms after Escape: ${status}`);
    const at = Number(/iteration ([\d,]+)/.exec(status)?.[1].replace(/,/g, ''));
    // A resume continues from the last evaluation before the stop.
    expect(at % 50).toBe(0);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(1000);
    expect(await page.isEnabled('#run')).toBe(true);
    expect(await page.isDisabled('#stop')).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('resume');
    // The run's worker and its kernel worker have ended (poll: a nested worker's 'close' can be missed).
    while (page.workers().length > 0 && performance.now() - t1 < 30_000) await new Promise((r) => setTimeout(r, 50));
    expect(page.workers()).toEqual([]);

    await page.keyboard.press('Enter'); // the focused Resume button
    expect(await settled(page)).toBe('done');
    const summary = JSON.parse((await page.evaluate(() => document.body.dataset.summary)) ?? 'null') as Summary;
    expect(summary.iterations).toBe(1000);
    expect(summary.engine.threads).toBe(2);
    // every evaluation, the ones before the stop kept from the checkpoint
    expect(JSON.parse(JSON.stringify(summary.final))).toEqual(JSON.parse(JSON.stringify(node.summary.final)));
    expect(summary.hash).toBe(node.summary.hash);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    expect(readFileSync((await csv.path())!, 'utf8')).toBe(metricsCsv(node.metrics));
  }, 120_000);

  it('(d) no console errors, page errors, failed or external requests', () => {
    expect(watch.pages.length).toBeGreaterThan(0);
    expect(watch.problems).toEqual([]);
  });
});
