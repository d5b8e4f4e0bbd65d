// The bench's browser leg: build bench/web with Vite into a temp folder, serve it with the
// cross-origin isolation headers (so the page's kernels can use threads over shared memory), open
// it in Chromium (/usr/bin/chromium through playwright-core) and Firefox ESR (/usr/bin/firefox-esr
// through puppeteer-core over WebDriver BiDi), and measure there what src/bench/core.ts measures in
// Node. The ceiling and the GEMMs run in each page in turn; the training cases run paired: the
// same case is open in Node and in every page, and each round times one block in each runtime (the
// order rotating from round to round), so a load drift on the shared machine hits all of them and
// the browser / Node ratio of each round compares like with like.
// Vite, playwright-core and puppeteer-core are devDependencies; a browser or module that is missing
// skips that browser (and says so in the report).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES, median, type CoreOptions, type CoreResults, type FclabTiming } from '../../bench/core.js';
import { openCase, timeBlock, closeCase, openProfile, timeKernel, closeProfile, PROFILE_KERNELS, type LiveCase } from '../../bench/live.js';
import { childrenOf, cpuDeltaMs, cpuSnapshot, pageProcesses, processTree, type CpuSnapshot } from './proc-cpu.js';

export type BrowserName = 'chromium' | 'firefox';
export const BROWSER_NAMES: readonly BrowserName[] = ['chromium', 'firefox'];

export const CHROMIUM = '/usr/bin/chromium';
export const FIREFOX = '/usr/bin/firefox-esr';
const EXECUTABLE: Record<BrowserName, string> = { chromium: CHROMIUM, firefox: FIREFOX };
const DRIVER: Record<BrowserName, string> = { chromium: 'playwright-core', firefox: 'puppeteer-core' };
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cross-origin-embedder-policy', 'require-corp');
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(dir, path));
    if (!file.startsWith(dir + sep) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }));
  });
}

/** The bench page's root, seen from src/node/bench (sources) or dist/src/node/bench (compiled). */
function pageRoot(): string | null {
  for (const rel of ['../../../bench/web/', '../../../../bench/web/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

/** Why a browser cannot run here, or null when it can. */
export async function browserMissing(name: BrowserName): Promise<string | null> {
  if (!pageRoot()) return 'bench/web is missing';
  if (!existsSync(EXECUTABLE[name])) return `${EXECUTABLE[name]} is not installed`;
  for (const m of [DRIVER[name], 'vite']) {
    try {
      await import(m);
    } catch {
      return `the devDependency ${m} is not installed`;
    }
  }
  return null;
}

/** One runtime that can open, time and close the bench's cases: Node itself or a page. */
interface Runtime {
  name: 'node' | BrowserName;
  open(id: string, threads: number, quick: boolean, warmupBlocks: number): Promise<LiveCase>;
  time(handle: number, steps: number): Promise<number>;
  close(handle: number): Promise<void>;
  /** CPU time of all the runtime's threads so far (compare two with cpuDeltaMs) */
  cpu(): CpuSnapshot;
  openProfile(): Promise<number>;
  timeKernel(handle: number, kernel: string, calls: number): Promise<number>;
  closeProfile(handle: number): Promise<void>;
}

const nodeRuntime: Runtime = {
  name: 'node',
  open: (id, threads, quick, warmup) => openCase(id, threads, quick, warmup),
  time: async (h, steps) => timeBlock(h, steps),
  close: async (h) => closeCase(h),
  cpu: () => cpuSnapshot([process.pid]),
  openProfile,
  timeKernel: async (h, kernel, calls) => timeKernel(h, kernel, calls),
  closeProfile: async (h) => closeProfile(h),
};

/** What bench/web/main.ts puts on window.__fclabBench. */
type PageFn = 'isolated' | 'cores' | 'timerResolution' | 'runCore' | 'openCase' | 'timeBlock' | 'closeCase' | 'openProfile' | 'timeKernel' | 'closeProfile';
type Evaluate = <T>(fn: (arg: never) => T | Promise<T>, arg: unknown) => Promise<T>;

interface OpenPage extends Runtime {
  name: BrowserName;
  version: string;
  isolated: boolean;
  cores: number;
  timerResolutionMs: number;
  runCore(o: Omit<CoreOptions, 'log'>): Promise<CoreResults>;
  quit(): Promise<void>;
}

/** A page's API as a Runtime, over either driver's evaluate (both serialize the function's source). */
async function pageRuntime(name: BrowserName, version: string, evaluate: Evaluate, pids: number[], quit: () => Promise<void>): Promise<OpenPage> {
  const call = <T>(fn: PageFn, ...args: unknown[]) =>
    evaluate<T>(((a: [string, unknown[]]) => {
      const api = (window as unknown as { __fclabBench: Record<string, unknown> }).__fclabBench;
      const v = api[a[0]];
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown)(...a[1]) : v;
    }) as (arg: never) => T, [fn, args]);
  return {
    name,
    version,
    isolated: await call<boolean>('isolated'),
    cores: await call<number>('cores'),
    timerResolutionMs: await call<number>('timerResolution'),
    runCore: (o) => call<CoreResults>('runCore', o),
    open: (id, threads, quick, warmup) => call<LiveCase>('openCase', id, threads, quick, warmup),
    time: (h, steps) => call<number>('timeBlock', h, steps),
    close: (h) => call<void>('closeCase', h),
    cpu: () => cpuSnapshot(pids),
    openProfile: () => call<number>('openProfile'),
    timeKernel: (h, kernel, calls) => call<number>('timeKernel', h, kernel, calls),
    closeProfile: (h) => call<void>('closeProfile', h),
    quit,
  };
}

export interface BrowserOptions {
  /** extra Chromium command-line switches (e.g. ['--js-flags=--no-liftoff'] to study V8's tiers) */
  chromiumArgs?: string[];
  /** extra Firefox preferences (e.g. { 'javascript.options.wasm_baselinejit': false }) */
  firefoxPrefs?: Record<string, unknown>;
  /** how long one call into a page may take */
  timeoutMs?: number;
}

async function openPage(name: BrowserName, url: string, o: BrowserOptions): Promise<OpenPage> {
  const timeout = o.timeoutMs ?? 1_200_000;
  if (name === 'chromium') {
    const { chromium } = await import('playwright-core');
    const before = new Set(childrenOf(process.pid));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS, ...(o.chromiumArgs ?? [])] });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForFunction(() => '__fclabBench' in window, undefined, { timeout, polling: 100 });
      // the browser is the child process this launch added; its renderers descend from it
      const pids = pageProcesses(childrenOf(process.pid).filter((p) => !before.has(p)).flatMap(processTree));
      return await pageRuntime(name, `Chromium ${browser.version()}`, (fn, arg) => page.evaluate(fn, arg as never), pids, () => browser.close());
    } catch (e) {
      await browser.close();
      throw e;
    }
  }
  const puppeteer = (await import('puppeteer-core')).default;
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, protocolTimeout: timeout, extraPrefsFirefox: o.firefoxPrefs });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => '__fclabBench' in window, { timeout, polling: 100 });
    const version = (await browser.version()).replace(/^firefox\//i, 'Firefox ');
    const pid = browser.process()?.pid;
    return await pageRuntime(name, version, (fn, arg) => page.evaluate(fn as (a: unknown) => never, arg), pid ? pageProcesses(processTree(pid)) : [], () => browser.close());
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/** One browser's figures: the ceiling and GEMMs measured in its page, the cases from the paired rounds. */
export interface BrowserLeg {
  name: BrowserName;
  browser: string;
  isolated: boolean;
  cores: number;
  /** performance.now()'s smallest step in the page, ms */
  timerResolutionMs: number;
  result: CoreResults;
  /** `${case}@${threads}t` -> the median over rounds of (this browser's block / Node's block) */
  ratioToNode: Record<string, number>;
}

/** One case at one thread count, timed in alternation in every runtime. */
export interface PairedCase {
  case: string;
  threads: number;
  /** iterations per timed block */
  steps: number;
  rounds: number;
  /** ms per iteration, every round, per runtime ('node', 'chromium', 'firefox') */
  samples: Record<string, number[]>;
  /** medians of samples */
  ms: Record<string, number>;
  /** per browser: the median of the rounds' browser / Node ratios */
  ratioToNode: Record<string, number>;
  /** CPU ms per iteration over each block: all threads of Node's process, of the browser's page-hosting processes */
  cpuSamples: Record<string, number[]>;
  cpuMs: Record<string, number>;
  /** per browser: the median of the rounds' CPU-time ratios, browser / Node (load-robust at 1 thread) */
  cpuRatioToNode: Record<string, number>;
  /** the threads each runtime's engine ran on (a page that is not isolated runs on 1) */
  ranOn: Record<string, number>;
  /** 1-minute load average before and after */
  loadAverage: [number, number];
}

/** One kernel of the toy-default step, timed in alternation in every runtime (src/bench/live.ts). */
export interface PairedKernel {
  kernel: string;
  calls: number;
  /** medians over rounds, ms per call, per runtime */
  ms: Record<string, number>;
  /** per browser: the median of the rounds' browser / Node ratios */
  ratioToNode: Record<string, number>;
  /** the same from CPU time (all the runtime's threads over each block) */
  cpuRatioToNode: Record<string, number>;
}

export interface BrowserLegResults {
  legs: BrowserLeg[];
  paired: PairedCase[];
  /** the toy-default step's kernels, paired (absent when not requested) */
  profile?: PairedKernel[];
  /** browsers that could not run, and why */
  skipped: string[];
}

export interface BrowserLegOptions extends BrowserOptions {
  quick: boolean;
  repeats: number;
  threads: number[];
  browsers?: readonly BrowserName[];
  cases?: string[];
  maxGemmWork?: number;
  /** skip the ceiling and GEMMs in the pages (only the paired cases) */
  gemm?: boolean;
  /** untimed blocks before a case's rounds (default 1; 0 shows the engines' tier-up in the first rounds) */
  warmupBlocks?: number;
  /** also time the toy-default step's kernels one by one, paired (a per-kernel profile) */
  profile?: boolean;
  log?: (line: string) => void;
}

/**
 * CPU ms of a call that does no work (`call()` with 0 iterations): the round trip through the
 * driver, which a page's CPU time counts (its message handling) and Node's barely does. Taken off
 * every block's CPU time; the median of 5.
 */
async function emptyCallCpu(rt: Runtime, call: () => Promise<unknown>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c0 = rt.cpu();
    await call();
    xs.push(cpuDeltaMs(c0, rt.cpu()));
  }
  return median(xs);
}

/**
 * Times one case at one thread count in every runtime, block by block: round r starts with
 * runtime r mod n, so none always runs right after another (whose threads may still be parking).
 */
export async function pairedCase(runtimes: Runtime[], id: string, threads: number, rounds: number, quick: boolean, warmupBlocks = 1): Promise<PairedCase> {
  const load0 = loadavg()[0];
  const opened: LiveCase[] = [];
  try {
    for (const rt of runtimes) opened.push(await rt.open(id, threads, quick, warmupBlocks));
    const steps = opened[0].steps;
    const overhead: number[] = [];
    for (const [i, rt] of runtimes.entries()) overhead.push(await emptyCallCpu(rt, () => rt.time(opened[i].handle, 0)));
    const empty = () => Object.fromEntries(runtimes.map((rt) => [rt.name, [] as number[]]));
    const samples: Record<string, number[]> = empty(), cpuSamples: Record<string, number[]> = empty();
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < runtimes.length; j++) {
        const i = (r + j) % runtimes.length;
        const rt = runtimes[i];
        const c0 = rt.cpu();
        samples[rt.name].push(await rt.time(opened[i].handle, steps));
        cpuSamples[rt.name].push((cpuDeltaMs(c0, rt.cpu()) - overhead[i]) / steps);
      }
    }
    const ratios = (xs: Record<string, number[]>) => {
      const out: Record<string, number> = {};
      for (const rt of runtimes) if (rt.name !== 'node') out[rt.name] = median(xs[rt.name].map((x, k) => x / xs.node[k]));
      return out;
    };
    const medians = (xs: Record<string, number[]>) => Object.fromEntries(Object.entries(xs).map(([k, v]) => [k, median(v)]));
    return {
      case: id,
      threads,
      steps,
      rounds,
      samples,
      ms: medians(samples),
      ratioToNode: ratios(samples),
      cpuSamples,
      cpuMs: medians(cpuSamples),
      cpuRatioToNode: ratios(cpuSamples),
      ranOn: Object.fromEntries(runtimes.map((rt, i) => [rt.name, opened[i].threads])),
      loadAverage: [load0, loadavg()[0]],
    };
  } finally {
    for (let i = 0; i < opened.length; i++) await runtimes[i].close(opened[i].handle).catch(() => {});
  }
}

/** Each kernel of PROFILE_KERNELS in every runtime in turn, about 50 ms of Node's CPU time per block. */
export async function pairedProfile(runtimes: Runtime[], rounds: number): Promise<PairedKernel[]> {
  const handles: number[] = [];
  try {
    for (const rt of runtimes) handles.push(await rt.openProfile());
    const out: PairedKernel[] = [];
    for (const kernel of PROFILE_KERNELS) {
      // sized by CPU time where it can be read: on a loaded machine the wall time of 3 calls is mostly waiting
      const start = runtimes[0].cpu();
      const wall = await runtimes[0].timeKernel(handles[0], kernel, 3);
      const perCall = cpuDeltaMs(start, runtimes[0].cpu()) / 3;
      const calls = Math.max(1, Math.round(50 / Math.max(1e-4, Number.isFinite(perCall) && perCall > 0 ? perCall : wall)));
      const overhead: number[] = [];
      for (const [i, rt] of runtimes.entries()) overhead.push(await emptyCallCpu(rt, () => rt.timeKernel(handles[i], kernel, 0)));
      const samples: number[][] = runtimes.map(() => []), cpu: number[][] = runtimes.map(() => []);
      for (let r = 0; r < rounds; r++)
        for (let j = 0; j < runtimes.length; j++) {
          const i = (r + j) % runtimes.length;
          const c0 = runtimes[i].cpu();
          samples[i].push(await runtimes[i].timeKernel(handles[i], kernel, calls));
          cpu[i].push((cpuDeltaMs(c0, runtimes[i].cpu()) - overhead[i]) / calls);
        }
      const ms: Record<string, number> = {}, ratioToNode: Record<string, number> = {}, cpuRatioToNode: Record<string, number> = {};
      runtimes.forEach((rt, i) => {
        ms[rt.name] = median(samples[i]);
        if (i > 0) ratioToNode[rt.name] = median(samples[i].map((x, k) => x / samples[0][k]));
        if (i > 0) cpuRatioToNode[rt.name] = median(cpu[i].map((x, k) => x / cpu[0][k]));
      });
      out.push({ kernel, calls, ms, ratioToNode, cpuRatioToNode });
    }
    return out;
  } finally {
    for (let i = 0; i < handles.length; i++) await runtimes[i].closeProfile(handles[i]).catch(() => {});
  }
}

export async function runBrowserLeg(o: BrowserLegOptions): Promise<BrowserLegResults> {
  const log = o.log ?? (() => {});
  const root = pageRoot();
  if (!root) throw new Error('bench/web is missing');
  const skipped: string[] = [];
  const wanted: BrowserName[] = [];
  for (const b of o.browsers ?? BROWSER_NAMES) {
    const why = await browserMissing(b);
    if (why) skipped.push(`${b}: ${why}`);
    else wanted.push(b);
  }
  if (!wanted.length) return { legs: [], paired: [], skipped };
  const { build } = await import('vite');
  const out = mkdtempSync(join(tmpdir(), 'fclab-bench-web-'));
  let server: Server | undefined;
  const pages: OpenPage[] = [];
  try {
    await build({ configFile: join(root, 'vite.config.ts'), build: { outDir: out }, logLevel: 'warn' });
    const s = await serve(out);
    server = s.server;
    for (const b of wanted) {
      try {
        const p = await openPage(b, s.url, o);
        pages.push(p);
        log(`${p.version}: cross-origin isolated ${p.isolated}, ${p.cores} cores, performance.now() step ${(1000 * p.timerResolutionMs).toFixed(1)} µs`);
      } catch (e) {
        skipped.push(`${b}: failed to start: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    const cores = new Map<BrowserName, CoreResults>();
    for (const p of pages) {
      if (o.gemm === false) cores.set(p.name, { ceiling: { gflops: NaN, kernel: 'not measured', kernels: [] }, gemm: [], fclab: {} });
      else {
        const r = await p.runCore({ quick: o.quick, repeats: o.repeats, threads: o.threads, cases: [], maxGemmWork: o.maxGemmWork ?? (o.quick ? 2e9 : 1e10) });
        cores.set(p.name, r);
        log(`${p.version}: ceiling ${r.ceiling.gflops.toFixed(1)} GFLOP/s, GEMM ${r.gemm.map((g) => `${g.shape.split(' ')[0]} ${g.layout} ${g.gflops.toFixed(1)}`).join(', ')}`);
      }
    }
    const runtimes: Runtime[] = [nodeRuntime, ...pages];
    const paired: PairedCase[] = [];
    const rounds = Math.max(o.repeats, 3);
    for (const c of CASES) {
      if (o.cases && !o.cases.includes(c.id)) continue;
      for (const threads of o.threads) {
        const row = await pairedCase(runtimes, c.id, threads, rounds, o.quick, o.warmupBlocks);
        paired.push(row);
        log(`${c.id} @${threads}t: ` + runtimes.map((rt) => `${rt.name} ${row.ms[rt.name].toFixed(4)} ms${rt.name === 'node' ? '' : ` (${row.ratioToNode[rt.name].toFixed(2)}x, CPU ${row.cpuRatioToNode[rt.name].toFixed(2)}x)`}`).join(', ') + `; load ${row.loadAverage[0].toFixed(1)}`);
      }
    }
    let profile: PairedKernel[] | undefined;
    if (o.profile) {
      profile = await pairedProfile(runtimes, rounds);
      for (const k of profile) log(`kernel ${k.kernel}: node ${k.ms.node.toFixed(4)} ms, ` + pages.map((p) => `${p.name} ${k.ms[p.name].toFixed(4)} ms (${k.ratioToNode[p.name].toFixed(2)}x, CPU ${k.cpuRatioToNode[p.name].toFixed(2)}x)`).join(', '));
    }
    const legs = pages.map((p): BrowserLeg => {
      const result = cores.get(p.name)!;
      const ratioToNode: Record<string, number> = {};
      for (const row of paired) {
        const timing: FclabTiming = { ms: row.ms[p.name], samples: row.samples[p.name], threads: row.ranOn[p.name], build: 'simd' };
        (result.fclab[row.case] ??= []).push(timing);
        ratioToNode[`${row.case}@${row.threads}t`] = row.ratioToNode[p.name];
      }
      return { name: p.name, browser: p.version, isolated: p.isolated, cores: p.cores, timerResolutionMs: p.timerResolutionMs, result, ratioToNode };
    });
    return { legs, paired, profile, skipped };
  } finally {
    for (const p of pages) await p.quit().catch(() => {});
    server?.close();
    rmSync(out, { recursive: true, force: true });
  }
}
