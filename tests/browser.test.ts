// The demo page (web/) in a real Chromium: build it with Vite into a temp folder, serve it with a
// minimal static server, drive it through its URL parameters, and check the determinism contract
// (a run in the page has the same hash as the same run in this Node process, SIMD or scalar, on 1 or
// 2 kernel threads), the downloads, the figure, error reporting, Stop, and that nothing logs an error
// or leaves the origin. The server sends the COOP/COEP headers that vite.config.ts sets, so the page
// is cross-origin isolated and can share WebAssembly memory with its kernel workers; a second
// server without them checks that the page then falls back to 1 thread and says so.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runExperiment, type RunResult, type Summary } from '../src/index.js';
import { metricsCsv } from '../src/analysis/metrics.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOT = join(ROOT, 'dist', 'web-screenshot.png');
/** Generous: a cold Chromium on a loaded two-core machine. */
const RUN_TIMEOUT = 90_000;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

/** The headers that make the page cross-origin isolated (the same as web/vite.config.ts). */
const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/**
 * A static file server for `dir` on a free port; no directory listings, no paths outside `dir`.
 * Every response carries the isolation headers unless `isolate` is false.
 */
function serve(dir: string, isolate = true): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (isolate) for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    try {
      let path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      if (path.endsWith('/')) path += 'index.html';
      const file = normalize(join(dir, path));
      if (!file.startsWith(dir + sep) || !existsSync(file)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const body = readFileSync(file);
      res
        .writeHead(200, {
          'content-type': MIME[extname(file)] ?? 'application/octet-stream',
          'content-length': body.length,
          'cache-control': 'no-store',
        })
        .end(body);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/` });
    });
  });
}

let outDir = '';
let server: Server | undefined;
let baseUrl = '';
/** The same folder served without the isolation headers. */
let plainServer: Server | undefined;
let plainUrl = '';
let browser: Browser | undefined;
const pages: Page[] = [];
/** Console errors, page errors, failed and off-origin requests, from every page opened. */
const problems: string[] = [];
const timings: Record<string, number> = {};

async function openPage(query: string, base = baseUrl): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  pages.push(page);
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`[${query}] console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`[${query}] page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`[${query}] request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`[${query}] HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(base) && !u.startsWith('blob:') && !u.startsWith('data:'))
      problems.push(`[${query}] external request: ${u}`);
  });
  await page.goto(base + query);
  return page;
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
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium not found at ${CHROMIUM}; the browser tests use the system Chromium ` +
          `(never a downloaded one). Install it with: apt-get install -y chromium`,
      );
    let t0 = performance.now();
    outDir = mkdtempSync(join(tmpdir(), 'fclab-web-'));
    await build({
      configFile: join(ROOT, 'web', 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    timings['vite build'] = performance.now() - t0;
    ({ server, url: baseUrl } = await serve(outDir));
    ({ server: plainServer, url: plainUrl } = await serve(outDir, false));
    t0 = performance.now();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    timings['chromium launch'] = performance.now() - t0;
    nodeDefault = await inNode('toy-default simd', { preset: 'toy-default', set: DEFAULT_SET });
  }, 120_000);

  afterAll(async () => {
    for (const p of pages) await p.close().catch(() => {});
    await browser?.close();
    for (const s of [server, plainServer]) await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
    if (outDir) rmSync(outDir, { recursive: true, force: true });
    console.log('browser test timings (ms):', Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])));
  });

  it('(a,e,f) toy-default in the page: same hash as Node, figure present, downloads, screenshot', async () => {
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
    expect(await page.locator('#metrics-body tr').count()).toBe(6);

    // (e) the run figure: vega's SVG with both panels' axes.
    const svg = page.locator('#figure svg');
    await expect.poll(() => svg.count()).toBe(1);
    const svgText = (await svg.evaluate((el) => el.outerHTML)) as string;
    expect(svgText).toContain('Iterations');
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

    // (f) screenshot of the finished page.
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
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

  it('Stop terminates a long run and the page stays responsive', async () => {
    const page = await openPage('?preset=toy-default&set=train.iterations=1000000&threads=2&autorun=1');
    // Wait for training to be under way (a progress event beyond the initial evaluation).
    await page.waitForFunction(() => /Iteration [1-9]/.test(document.getElementById('status')?.textContent ?? ''), undefined, {
      timeout: RUN_TIMEOUT,
    });
    // The main thread answers while the worker trains (a page blocked by a 1,000,000-iteration run
    // would not answer at all; the bound is loose because CI machines are shared).
    const t0 = performance.now();
    await page.evaluate(() => 1 + 1);
    expect(performance.now() - t0).toBeLessThan(10_000);
    // The training worker and its one kernel worker (a nested worker from a Blob URL).
    const workers = page.workers();
    console.log('workers while running:', workers.map((w) => w.url()));
    expect(workers.length).toBe(2);
    expect(workers.filter((w) => w.url().startsWith('blob:')).length).toBe(1);
    const t1 = performance.now();
    await page.click('#stop');
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('stopped');
    expect(await page.isEnabled('#run')).toBe(true);
    expect(await page.isDisabled('#stop')).toBe(true);
    expect(await page.textContent('#status')).toContain('Stopped at iteration');
    // The run ends at the shared stop flag, which stops its kernel worker; then the training worker
    // is terminated. (Killed mid-run instead, Chromium keeps them busy ~2 s each before it does.)
    // poll (a 'close' event can be missed for a nested worker whose parent ends first)
    while (page.workers().length > 0 && performance.now() - t1 < 60_000) await new Promise((r) => setTimeout(r, 50));
    console.log(`workers closed ${Math.round(performance.now() - t1)} ms after Stop`);
    expect(page.workers()).toEqual([]);
  }, 120_000);

  it('(d) no console errors, page errors, failed or external requests', () => {
    expect(pages.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
