// The demo page (web/, issue 15) in Chromium, and in Firefox ESR where it is installed: ReLU beside
// linear in two workers with each hash equal to Node's, the live decision slice, the URL round trip
// and history, preset switching, every config error next to its field at once, and the phone
// layout (390x844: no horizontal scroll, touch targets, the live figure scrolled into view); padded
// MNIST side by side with live weight images, and a finished run's downloads against the CLI's files.
// Screenshots go to dist/screenshots/ (FCLAB_UPDATE_DOCS=1 also copies them to docs/).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import type { Browser, Page } from 'playwright-core';
import { runExperiment, runTextFiles, type RunResult, type Summary } from '../src/index.js';
import { loadMnistDigits } from '../src/node.js';
import { launchChromium, PageWatch, serve, type Served } from './browser-helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHOTS = join(ROOT, 'dist', 'screenshots');
const RUN_TIMEOUT = 120_000;
/** The page's defaults for toy-theory (web/main.ts PAGE_DEFAULTS), as the URL carries them. */
const DEFAULTS = { 'train.lr': 0.01, 'train.iterations': 1000, 'train.evalEvery': 50, 'data.n': 250, seed: 2024 };
/** A short padded-MNIST comparison (the page's fields otherwise at the preset's values). */
const MNIST_SET = { 'train.iterations': 60, 'train.evalEvery': 20 };
const MNIST_QUERY = '?preset=mnist-padded&set=train.iterations%3D60&set=train.evalEvery%3D20&autorun=1';
const mnistRun = (activation: string) => runExperiment({ preset: 'mnist-padded', set: { ...MNIST_SET, 'model.activation': activation }, digits: () => loadMnistDigits() });

/** The text of a finished run's download link on the page (the blob it points to). */
const downloadText = (side: 'a' | 'b', file: string) => `(async () => {
  const a = document.querySelector('#side-${side} .downloads a[data-file="${file}"]');
  if (!a) return null;
  return await (await fetch(a.href)).text();
})()`;

let outDir = '';
let served: Served | undefined;
/** The same build served without the isolation headers (no shared memory: 1 kernel thread). */
let plain: Served | undefined;
let browser: Browser | undefined;
let watch: PageWatch;
let relu: RunResult;
let linear: RunResult;

const state = (page: Page) => page.evaluate(() => document.body.dataset.state ?? '');

async function settled(page: Page, states = ['done', 'error']): Promise<string> {
  await page.waitForFunction((s) => s.includes(document.body.dataset.state ?? ''), states, { timeout: RUN_TIMEOUT, polling: 100 });
  return state(page);
}

/** Waits until the page has drawn the untrained networks (state idle with a prepared session). */
async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => /^Ready/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: RUN_TIMEOUT, polling: 100 });
}

function saveShot(name: string): string {
  mkdirSync(SHOTS, { recursive: true });
  return join(SHOTS, name);
}

describe('demo page: feature contamination you can see (Chromium)', () => {
  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'fclab-page-'));
    await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    served = await serve(outDir);
    plain = await serve(outDir, { isolate: false });
    browser = await launchChromium();
    watch = new PageWatch(browser);
    // the CLI's runs of the page's default comparison (the same code as `fclab run`)
    relu = await runExperiment({ preset: 'toy-theory', set: { ...DEFAULTS, 'model.activation': 'relu' } });
    linear = await runExperiment({ preset: 'toy-theory', set: { ...DEFAULTS, 'model.activation': 'identity' } });
  }, 300_000);

  afterAll(async () => {
    await watch?.closeAll();
    await browser?.close();
    await served?.close();
    await plain?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('a first visit trains ReLU and identity side by side at once: live decision slices, each hash equal to Node', async () => {
    // record every drawing of the ReLU slice from the page's start (its accessible name carries the iteration and bgShiftProj)
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(() => {
      const w = window as unknown as { drawnAt: string[]; frames: Array<[number, number, number]> };
      w.drawnAt = [];
      w.frames = [];
      document.addEventListener('DOMContentLoaded', () => {
        const c = document.querySelector('#side-a canvas.decision')!;
        new MutationObserver(() => {
          const label = c.getAttribute('aria-label') ?? '';
          const it = /iteration (\d+)/.exec(label)?.[1] ?? '';
          w.drawnAt.push(it);
          w.frames.push([performance.now(), Number(it), Number(/bgShiftProj ([\d.e-]+)/.exec(label)?.[1])]);
        }).observe(c, { attributes: true, attributeFilter: ['aria-label'] });
      });
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    const t0 = performance.now();
    await page.goto(served!.url);
    expect(await page.getByRole('img', { name: /decision/ }).count()).toBe(2);
    expect(await settled(page)).toBe('done');
    console.log(`page: ReLU and identity, 1,000 iterations each, done ${Math.round(performance.now() - t0)} ms after the page was opened`);
    // live: the slice was redrawn at evaluations during the run, not only at the end
    const drawnAt = new Set(await page.evaluate(() => (window as unknown as { drawnAt: string[] }).drawnAt));
    expect(drawnAt.size).toBeGreaterThanOrEqual(3);
    // the time to the picture: the first ReLU slice whose bgShiftProj is twice its initial value
    const frames = await page.evaluate(() => (window as unknown as { frames: Array<[number, number, number]> }).frames);
    const initial = frames.find(([, it]) => it === 0);
    expect(initial).toBeDefined();
    const clear = frames.find(([, , v]) => v >= 2 * initial![2]);
    expect(clear).toBeDefined();
    console.log(`time to the picture (ReLU bgShiftProj ${initial![2]} -> ${clear![2]} at iteration ${clear![1]}): ${Math.round(clear![0])} ms after the page started loading; untrained networks drawn at ${Math.round(initial![0])} ms`);
    const a = JSON.parse((await page.evaluate(() => document.body.dataset.summaryA)) ?? 'null') as Summary;
    const b = JSON.parse((await page.evaluate(() => document.body.dataset.summaryB)) ?? 'null') as Summary;
    console.log(`relu: node ${relu.summary.hash} page ${a.hash}\nidentity: node ${linear.summary.hash} page ${b.hash}`);
    expect(a.config).toEqual(relu.summary.config);
    expect(b.config).toEqual(linear.summary.config);
    expect(a.hash).toBe(relu.summary.hash);
    expect(b.hash).toBe(linear.summary.hash);
    expect(relu.summary.hash).not.toBe(linear.summary.hash);
    expect((await page.textContent('#side-a .hash'))?.trim()).toBe(a.hash);
    expect((await page.textContent('#side-b .hash'))?.trim()).toBe(b.hash);
    // the page's verdict is this run's numbers: ReLU's weight along û grew, identity's did not
    const verdict = (await page.textContent('#verdict')) ?? '';
    const shifts = [...verdict.matchAll(/bgShiftProj ([\d.]+) → ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(shifts.length).toBe(2);
    expect(shifts[0][1]).toBeGreaterThan(3 * shifts[0][0]);
    expect(shifts[1][1]).toBeLessThan(1.5 * shifts[1][0]);
    // a neuron's numbers on hover
    const box = (await page.locator('#side-a canvas.neurons').boundingBox())!;
    for (let i = 0; i < 40 && !(await page.textContent('#side-a .neuron-info')); i++) await page.mouse.move(box.x + 45 + (i * (box.width - 50)) / 40, box.y + box.height / 2 - 40 + (i % 5) * 20);
    expect(await page.textContent('#side-a .neuron-info')).toMatch(/Neuron \d+: output weight/);
    await page.evaluate(() => window.scrollTo(0, 0));
    const shot = saveShot('web-demo.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.FCLAB_UPDATE_DOCS === '1') copyFileSync(shot, join(ROOT, 'docs', 'web-demo.png'));

    // switching preset restores its settings, clears overrides and the results
    await page.fill('#extra', 'model.hidden=64');
    await page.dispatchEvent('#extra', 'change');
    await page.selectOption('#preset', 'toy-default');
    expect(await page.inputValue('#lr')).toBe('0.001');
    expect(await page.inputValue('#extra')).toBe('');
    expect(await page.inputValue('#activation')).toBe('relu');
    expect((await page.textContent('#side-a .hash'))?.trim()).toBe('');
    expect(await page.evaluate(() => document.body.dataset.summaryA)).toBeUndefined();
    expect(await page.textContent('#explain')).toContain('A linear network cannot fit the sphere core');
    expect(new URL(await page.evaluate(() => location.href)).searchParams.get('preset')).toBe('toy-default');
    expect(problems).toEqual([]);
    await context.close();
  }, 300_000);

  it('the address bar holds the setting: restored on load, replaceState on edits, back and forward', async () => {
    const q = '?preset=toy-theory&set=train.lr%3D0.02&set=train.iterations%3D100&set=train.evalEvery%3D50&set=model.hidden%3D32&compare=0';
    const page = await watch.open(served!.url + q, served!.url, 'url');
    await ready(page);
    expect(await page.inputValue('#lr')).toBe('0.02');
    expect(await page.inputValue('#iterations')).toBe('100');
    expect(await page.inputValue('#extra')).toBe('model.hidden=32');
    expect(await page.isChecked('#compare')).toBe(false);
    expect(await page.isHidden('#side-b')).toBe(true);
    const here = () => page.evaluate(() => location.href);
    const params = new URL(await here()).searchParams;
    expect(params.getAll('set')).toContain('train.lr=0.02');
    expect(params.getAll('set')).toContain('model.hidden=32');
    expect(params.get('compare')).toBe('0');
    // an edit rewrites the current entry
    const len = await page.evaluate(() => history.length);
    await page.fill('#lr', '0.03');
    expect(new URL(await here()).searchParams.getAll('set')).toContain('train.lr=0.03');
    expect(await page.evaluate(() => history.length)).toBe(len);
    // a run keeps its entry: the next edit opens a new one, Back returns to the run's setting
    await page.click('#step');
    expect(await settled(page, ['stopped', 'done', 'error'])).toBe('stopped');
    expect(await page.textContent('#status')).toContain('Paused at iteration 50');
    await page.fill('#lr', '0.04');
    await page.dispatchEvent('#lr', 'change');
    expect(await page.evaluate(() => history.length)).toBe(len + 1);
    await page.goBack();
    await page.waitForFunction(() => (document.getElementById('lr') as HTMLInputElement).value === '0.03');
    await page.goForward();
    await page.waitForFunction(() => (document.getElementById('lr') as HTMLInputElement).value === '0.04');
    // and the same URL in a fresh page restores the same form
    const again = await watch.open(await here(), served!.url, 'url again');
    expect(await again.inputValue('#lr')).toBe('0.04');
    expect(await again.inputValue('#extra')).toBe('model.hidden=32');
  }, 120_000);

  it('Step pauses after one evaluation interval, Continue finishes with the uninterrupted hashes, Reset clears', async () => {
    const set = { ...DEFAULTS, 'train.iterations': 200 };
    const r = await runExperiment({ preset: 'toy-theory', set: { ...set, 'model.activation': 'relu' } });
    const l = await runExperiment({ preset: 'toy-theory', set: { ...set, 'model.activation': 'identity' } });
    const page = await watch.open(served!.url + '?preset=toy-theory&set=train.iterations%3D200', served!.url, 'step');
    await ready(page);
    await page.click('#step');
    expect(await settled(page, ['stopped', 'done', 'error'])).toBe('stopped');
    expect(await page.textContent('#status')).toContain('Paused at iteration 50 of 200');
    expect(await page.textContent('#run')).toBe('Continue');
    await page.click('#step');
    await page.waitForFunction(() => /Paused at iteration 100 /.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: RUN_TIMEOUT });
    expect(await page.getAttribute('#side-a canvas.decision', 'aria-label')).toContain('iteration 100');
    await page.click('#run');
    expect(await settled(page)).toBe('done');
    const a = JSON.parse((await page.evaluate(() => document.body.dataset.summaryA)) ?? 'null') as Summary;
    const b = JSON.parse((await page.evaluate(() => document.body.dataset.summaryB)) ?? 'null') as Summary;
    expect(a.hash).toBe(r.summary.hash);
    expect(b.hash).toBe(l.summary.hash);
    await page.click('#reset');
    expect((await page.textContent('#side-a .hash'))?.trim()).toBe('');
    expect(await page.evaluate(() => document.body.dataset.summaryA)).toBeUndefined();
    await ready(page);
    expect(await page.getAttribute('#side-a canvas.decision', 'aria-label')).toContain('iteration 0');
  }, 180_000);

  it('by keyboard: Enter trains, the status gives the time left, Escape pauses, Enter continues to the uninterrupted hashes', async () => {
    const page = await watch.open(served!.url + '?preset=toy-theory', served!.url, 'keyboard');
    await ready(page);
    await page.focus('#iterations');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /about \d+ s left/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: RUN_TIMEOUT, polling: 20 });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('stop');
    await page.keyboard.press('Escape');
    expect(await settled(page, ['stopped', 'done', 'error'])).toBe('stopped');
    const status = (await page.textContent('#status')) ?? '';
    const at = Number(/Paused at iteration ([\d,]+)/.exec(status)?.[1].replace(/,/g, ''));
    console.log(`Escape: ${status}`);
    expect(at % 50).toBe(0);
    expect(at).toBeLessThan(1000);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('run');
    await page.keyboard.press('Enter');
    expect(await settled(page)).toBe('done');
    const a = JSON.parse((await page.evaluate(() => document.body.dataset.summaryA)) ?? 'null') as Summary;
    const b = JSON.parse((await page.evaluate(() => document.body.dataset.summaryB)) ?? 'null') as Summary;
    expect(a.hash).toBe(relu.summary.hash);
    expect(b.hash).toBe(linear.summary.hash);
  }, 180_000);

  it('the scalar build, 2 kernel threads per network, and a page without COOP/COEP (1 thread, said so) all give the Node hashes', async () => {
    const set = { ...DEFAULTS, 'train.iterations': 100 };
    const r = await runExperiment({ preset: 'toy-theory', set: { ...set, 'model.activation': 'relu' } });
    const l = await runExperiment({ preset: 'toy-theory', set: { ...set, 'model.activation': 'identity' } });
    const q = '?preset=toy-theory&set=train.iterations%3D100';
    const cases: Array<[string, Served, string, (s: Summary) => void]> = [
      ['scalar', served!, '&build=scalar', (s) => expect([s.engine.build, s.engine.threads]).toEqual(['scalar', 1])],
      ['2 threads', served!, '&threads=2', (s) => expect([s.engine.build, s.engine.threads]).toEqual(['simd', 2])],
      ['not isolated', plain!, '&threads=2', (s) => expect(s.engine.threads).toBe(1)],
    ];
    for (const [label, srv, extra, engine] of cases) {
      const page = await watch.open(srv.url + q + extra + '&autorun=1', srv.url, label);
      expect(await settled(page)).toBe('done');
      const a = JSON.parse((await page.evaluate(() => document.body.dataset.summaryA)) ?? 'null') as Summary;
      const b = JSON.parse((await page.evaluate(() => document.body.dataset.summaryB)) ?? 'null') as Summary;
      console.log(`${label}: relu ${a.hash} (${a.engine.build}, ${a.engine.threads} threads), identity ${b.hash}`);
      engine(a);
      engine(b);
      expect(a.hash).toBe(r.summary.hash);
      expect(b.hash).toBe(l.summary.hash);
      if (label === 'not isolated') {
        expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
        expect(await page.isVisible('#side-a .threads-note')).toBe(true);
        expect(await page.textContent('#side-a .threads-note')).toContain('cross-origin isolated');
      } else expect(await page.isHidden('#side-a .threads-note')).toBe(true);
    }
  }, 180_000);

  it('every config error next to its field, all at once; previous results cleared', async () => {
    const page = await watch.open(served!.url + '?preset=toy-theory&set=train.iterations%3D100', served!.url, 'errors');
    await ready(page);
    await page.fill('#lr', 'abc');
    await page.fill('#iterations', '-5');
    await page.fill('#extra', 'train.lr=0.5 model.activation=swish foo.bar=1');
    await page.click('#run');
    expect(await state(page)).toBe('error');
    expect(await page.textContent('[id="err-train.lr"]')).toContain('train.lr');
    expect(await page.textContent('[id="err-train.iterations"]')).toContain('train.iterations');
    const extra = (await page.textContent('#err-extra')) ?? '';
    expect(extra).toContain('train.lr has its own field');
    expect(extra).toContain('model.activation has its own field');
    expect(extra).toContain('foo.bar');
    expect(await page.getAttribute('#lr', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#status')).toContain('previous results were cleared');
    expect(await page.evaluate(() => document.body.dataset.summaryA)).toBeUndefined();
  }, 120_000);

  it('phone (390x844, touch): no horizontal scroll, stacked panels, 44 px targets, no keyboard hint, Train scrolls the figure into view', async () => {
    const context = await browser!.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(served!.url + '?preset=toy-theory&set=train.iterations%3D300');
    await ready(page);
    const [scrollW, innerW] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
    expect(scrollW).toBeLessThanOrEqual(innerW);
    expect(await page.isHidden('#keys-hint')).toBe(true);
    // the two networks' panels stack
    const a = (await page.locator('#side-a').boundingBox())!;
    const b = (await page.locator('#side-b').boundingBox())!;
    expect(b.y).toBeGreaterThanOrEqual(a.y + a.height - 1);
    expect(a.x + a.width).toBeLessThanOrEqual(390);
    for (const sel of ['#run', '#step', '#stop', '#reset', '#lr', '#preset', '#share-link']) {
      const bb = (await page.locator(sel).boundingBox())!;
      expect(bb.height, sel).toBeGreaterThanOrEqual(44);
    }
    expect(((await page.locator('label.check').boundingBox())!).height).toBeGreaterThanOrEqual(44);
    await page.tap('#run');
    await page.waitForFunction(() => {
      const r = document.getElementById('live')!.getBoundingClientRect();
      return r.top < innerHeight / 2 && r.bottom > 0;
    }, undefined, { timeout: 10_000 });
    expect(await settled(page)).toBe('done');
    const [w2] = await page.evaluate(() => [document.documentElement.scrollWidth]);
    expect(w2).toBeLessThanOrEqual(390);
    const shot = saveShot('web-demo-phone.png');
    await page.evaluate(() => document.getElementById('live')!.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: shot });
    if (process.env.FCLAB_UPDATE_DOCS === '1') copyFileSync(shot, join(ROOT, 'docs', 'web-demo-phone.png'));
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  it('padded MNIST: ReLU beside identity with live weight images, hashes equal to Node, downloads equal to the CLI\'s files', async () => {
    const [r, l] = [await mnistRun('relu'), await mnistRun('identity')];
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    // every drawing of the ReLU weight images: its iteration and a digest of its pixels
    await context.addInitScript(() => {
      const w = window as unknown as { images: Array<[number, string]> };
      w.images = [];
      document.addEventListener('DOMContentLoaded', () => {
        const c = document.querySelector<HTMLCanvasElement>('#side-a canvas.weights')!;
        new MutationObserver(() => {
          const it = Number(/iteration (\d+)/.exec(c.getAttribute('aria-label') ?? '')?.[1] ?? NaN);
          const url = c.toDataURL();
          let h = 0;
          for (let i = 0; i < url.length; i++) h = (Math.imul(h, 31) + url.charCodeAt(i)) | 0;
          w.images.push([it, `${url.length}:${h}`]);
        }).observe(c, { attributes: true, attributeFilter: ['aria-label'] });
      });
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(served!.url + MNIST_QUERY);
    expect(await settled(page)).toBe('done');
    const a = JSON.parse((await page.evaluate(() => document.body.dataset.summaryA)) ?? 'null') as Summary;
    const b = JSON.parse((await page.evaluate(() => document.body.dataset.summaryB)) ?? 'null') as Summary;
    console.log(`mnist: relu node ${r.summary.hash} page ${a.hash}; identity node ${l.summary.hash} page ${b.hash}`);
    expect(a.config).toEqual(r.summary.config);
    expect(b.config).toEqual(l.summary.config);
    expect(a.hash).toBe(r.summary.hash);
    expect(b.hash).toBe(l.summary.hash);
    // the weight images were drawn at every evaluation and changed as the network trained
    const images = await page.evaluate(() => (window as unknown as { images: Array<[number, string]> }).images);
    const its = [...new Set(images.map(([it]) => it))];
    expect(its).toEqual(expect.arrayContaining([0, 20, 40, 60]));
    const at = (it: number) => images.filter(([i]) => i === it).at(-1)![1];
    expect(new Set([at(0), at(20), at(40), at(60)]).size).toBe(4);
    expect(await page.isVisible('#side-a canvas.weights')).toBe(true);
    expect(await page.isHidden('#side-a canvas.decision')).toBe(true);
    const shot = saveShot('web-demo-mnist.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.FCLAB_UPDATE_DOCS === '1') copyFileSync(shot, join(ROOT, 'docs', 'web-demo-mnist.png'));
    // the explanation is the library's (every claim, each marked for this run)
    const claims = await page.locator('#explain li[data-claim]').count();
    expect(claims).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#explain li[data-holds]').count()).toBe(claims);
    // downloads: the CLI's files for the same config
    const out = mkdtempSync(join(tmpdir(), 'fclab-page-dl-'));
    try {
      const cli = (...args: string[]) => execFileSync(process.execPath, [join(ROOT, 'bin', 'fclab.js'), 'run', ...args], { cwd: ROOT, encoding: 'utf8' });
      cli('--preset', 'mnist-padded', '--set', 'train.iterations=60', '--set', 'train.evalEvery=20', '--out', join(out, 'cli'));
      const csv = (await page.evaluate(downloadText('a', 'metrics.csv'))) as string;
      expect(csv).toBe(readFileSync(join(out, 'cli', 'metrics.csv'), 'utf8'));
      const summary = JSON.parse((await page.evaluate(downloadText('a', 'summary.json'))) as string) as Summary;
      expect(summary.hash).toBe(a.hash);
      // config.json reproduces the run (and its hash) with fclab run --config
      writeFileSync(join(out, 'config.json'), (await page.evaluate(downloadText('b', 'config.json'))) as string);
      cli('--config', join(out, 'config.json'), '--out', join(out, 'again'));
      expect((JSON.parse(readFileSync(join(out, 'again', 'summary.json'), 'utf8')) as Summary).hash).toBe(b.hash);
      // the figures, rendered by the library on click
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: RUN_TIMEOUT }), page.click('#side-a .downloads a[data-file="run.svg"]')]);
      expect(download.suggestedFilename()).toBe('mnist-padded-relu-run.svg');
      const svg = readFileSync((await download.path())!, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('mnist-padded');
      expect(await page.locator('#side-a .downloads a[data-file="weights.svg"]').count()).toBe(1);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
    await context.close();
  }, 300_000);

  it('no console errors, page errors, failed or external requests', () => {
    expect(watch.problems).toEqual([]);
  });
});

// Firefox ESR (Debian's firefox-esr) over WebDriver BiDi through puppeteer-core; no browser download.
const FIREFOX = '/usr/bin/firefox-esr';
describe.skipIf(!existsSync(FIREFOX))('demo page in Firefox ESR', () => {
  it('the toy and padded-MNIST side-by-side runs give the Node hashes, a drawn decision slice and weight images, metrics.csv as the CLI writes it; no horizontal scroll at 390 px', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fclab-page-ff-'));
    await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir: dir, emptyOutDir: true } });
    const srv = await serve(dir);
    const puppeteer = (await import('puppeteer-core')).default;
    const ff = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
    try {
      const set = { ...DEFAULTS, 'train.iterations': 200 };
      const [r, l] = [
        await runExperiment({ preset: 'toy-theory', set: { ...set, 'model.activation': 'relu' } }),
        await runExperiment({ preset: 'toy-theory', set: { ...set, 'model.activation': 'identity' } }),
      ];
      const page = await ff.newPage();
      await page.setViewport({ width: 390, height: 844 });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(srv.url + '?preset=toy-theory&set=train.iterations%3D200&autorun=1');
      await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), { timeout: RUN_TIMEOUT, polling: 200 });
      expect(await page.evaluate(() => document.body.dataset.state)).toBe('done');
      const a = JSON.parse((await page.evaluate(() => document.body.dataset.summaryA)) ?? 'null') as Summary;
      const b = JSON.parse((await page.evaluate(() => document.body.dataset.summaryB)) ?? 'null') as Summary;
      console.log(`firefox: relu ${a.hash} (node ${r.summary.hash}), identity ${b.hash} (node ${l.summary.hash})`);
      expect(a.hash).toBe(r.summary.hash);
      expect(b.hash).toBe(l.summary.hash);
      expect(await page.evaluate(() => document.querySelector('#side-a canvas.decision')!.getAttribute('aria-label'))).toContain('decision slice of the ReLU network at iteration 200');
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);
      // padded MNIST: the hashes, the weight images drawn, metrics.csv as the CLI writes it
      const [mr, ml] = [await mnistRun('relu'), await mnistRun('identity')];
      await page.goto(srv.url + MNIST_QUERY);
      await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), { timeout: RUN_TIMEOUT, polling: 200 });
      expect(await page.evaluate(() => document.body.dataset.state)).toBe('done');
      const ma = JSON.parse((await page.evaluate(() => document.body.dataset.summaryA)) ?? 'null') as Summary;
      const mb = JSON.parse((await page.evaluate(() => document.body.dataset.summaryB)) ?? 'null') as Summary;
      console.log(`firefox mnist: relu ${ma.hash} (node ${mr.summary.hash}), identity ${mb.hash} (node ${ml.summary.hash})`);
      expect(ma.hash).toBe(mr.summary.hash);
      expect(mb.hash).toBe(ml.summary.hash);
      expect(await page.evaluate(() => document.querySelector('#side-a canvas.weights')!.getAttribute('aria-label'))).toContain('weight images of the ReLU network at iteration 60');
      // coloured pixels: the learned change is drawn
      const coloured = await page.evaluate(() => {
        const c = document.querySelector<HTMLCanvasElement>('#side-a canvas.weights')!;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 2]) n++;
        return n;
      });
      expect(coloured).toBeGreaterThan(1000);
      // the weight images and the downloads fit the phone too
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);
      expect(await page.evaluate(downloadText('a', 'metrics.csv'))).toBe(runTextFiles(mr)['metrics.csv']);
      expect(errors).toEqual([]);
    } finally {
      await ff.close();
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
