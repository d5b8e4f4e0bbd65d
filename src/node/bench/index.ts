// `npm run bench` / `fclab bench`: fclab side by side with its peers in one process run, as
// medians over repeats after a warm-up, with every ratio and the issue's targets evaluated.
//   - GEMM GFLOP/s in the trainer's shapes and layouts against the measured ceiling;
//   - training ms per iteration of the bench's cases (src/bench/core.ts) for fclab on 1 and all
//     threads, TensorFlow.js (wasm, cpu), and PyTorch (1 and all threads) when available;
//   - the same fclab measurements in Chromium and Firefox, the cases paired with Node (browser.ts);
//   - sweep throughput with 1 worker and with all cores;
//   - toy-default's `run` for each activation against PyTorch, paired and alternating (activations.ts).
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { CASES, median, runCore, ceilingViolations, pairedAboveCeiling, type CoreResults, type BenchCase } from '../../bench/core.js';
import { threadsUnderLoad, summarizeChoices, type ThreadsUnderLoad } from './load.js';
import { loadTf, timeTfjs, type PeerStart, type PeerTiming } from './peer-tfjs.js';
import { dumpStart, pytorchAvailable, timePytorch } from './peer-pytorch.js';
import { runBrowserLeg, BROWSER_NAMES, type BrowserLegResults, type BrowserName } from './browser.js';
import { createTrainer } from '../../tasks/toy/trainer.js';
import { runSweep } from '../sweep.js';
import { theoremThroughput, type TheoremBench } from './theorem.js';
import { activationLeg, formatActivationLeg, type ActivationLeg } from './activations.js';
import { VERSION } from '../../version.js';

export interface BenchOptions {
  quick?: boolean;
  /** legs to skip */
  peers?: boolean;
  browser?: boolean;
  /** which browsers the browser leg runs (default: Chromium and Firefox) */
  browsers?: BrowserName[];
  sweep?: boolean;
  /** the theorems' scaling study's cost (µs per step, runs/min, the plans' projected time) */
  theorem?: boolean;
  /** kernel threads 1 vs all, idle and with one core kept busy by a child process */
  load?: boolean;
  /** toy-default's run for each activation, paired with PyTorch */
  activations?: boolean;
  /** progress lines (stderr in the CLI) */
  log?: (line: string) => void;
  /** a note stored in the JSON (e.g. "taken while other jobs loaded the machine") */
  note?: string;
  /** only these cases (ids of CASES), GEMM shapes up to this many multiply-adds, this many repeats */
  cases?: string[];
  maxGemmWork?: number;
  repeats?: number;
}

export interface Target {
  id: string;
  goal: string;
  /** the measured value the goal is about */
  value: number | null;
  limit: number;
  /** 'max': value must be at most limit; 'min': at least */
  kind: 'max' | 'min';
  met: boolean | null;
}

export interface BenchReport {
  fclab: string;
  date: string;
  machine: {
    cpu: string;
    cores: number;
    node: string;
    platform: string;
    loadAverage: { start: number[]; end: number[] };
    /** Linux: the logical CPUs sharing cpu0's physical core ("0-1": the 2 cores are hyperthreads of one, sharing its SIMD units) */
    smtSiblings?: string;
  };
  settings: { quick: boolean; repeats: number };
  note?: string;
  node: CoreResults;
  peers: Record<string, Array<PeerTiming & { peer: string }>>;
  /** first losses (before updates 1-3) of each implementation on the full-batch cases */
  agreement: Record<string, Record<string, number[]>>;
  /** fclab in Chromium and Firefox: ceiling and GEMMs per page, the cases paired with Node */
  browser: BrowserLegResults | { skipped: string };
  activations: ActivationLeg | { skipped: string };
  sweep:
    | {
        runs: number;
        iterations: number;
        /** medians over ABBA rounds; runSeconds: a run's own mean wall time; outsideWorkerSeconds: worker-seconds spent outside runs */
        oneWorker: { seconds: number; runsPerMinute: number; runSeconds?: number; outsideWorkerSeconds?: number };
        allWorkers: { workers: number; seconds: number; runsPerMinute: number; runSeconds?: number; outsideWorkerSeconds?: number };
        speedup: number;
        /** a run's wall time with all workers busy / alone (> 1: the cores slow each other) */
        runSlowdown?: number;
        /** the same for independent processes (the reference: what the machine gives, without the pool) */
        processSlowdown?: number;
      }
    | { skipped: string };
  /** the theorems' scaling study's cost (absent in reports from before it) */
  theorem?: TheoremBench | { skipped: string };
  /** for each case: every implementation's ms and its ratio to fclab's best */
  ratios: Record<string, Record<string, { ms: number; vsFclab: number }>>;
  /** 1 vs all kernel threads, paired runs, idle and with one busy core */
  load: ThreadsUnderLoad | { skipped: string };
  /** GEMM figures above the ceiling (Node and browser): the bench fails when there is any */
  ceilingViolations: string[];
  /** paired medians above 1 (noise under time-slicing; a warning) */
  pairedWarnings: string[];
  targets: Target[];
  skipped: string[];
}

const tfWasmDir = (): string | undefined => {
  try {
    return createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/\\]+$/, '');
  } catch {
    return undefined;
  }
};

async function startOf(c: BenchCase): Promise<PeerStart> {
  const t = await createTrainer({ preset: c.preset, set: c.set });
  const d = t.dataset();
  const start = { config: t.config, params: t.parameters(), trainX: d.trainX, y: d.y, transform: d.transform, n: d.n, inputDim: d.inputDim, featDim: d.featDim };
  t.dispose();
  return start;
}

// Sweep throughput, 1 worker against all cores, in ABBA rounds (a drift in load falls on both).
// Beside the wall time, each run's own wall time (its runExperiment) says where a shortfall from
// linear comes from: runs that each take longer when they share the machine (the cores slowing each
// other: memory, caches, clock), or time outside the runs (worker start-up, an idle worker at the
// end, aggregation).
async function sweepThroughput(quick: boolean, cores: number, log: (s: string) => void): Promise<BenchReport['sweep']> {
  const iterations = quick ? 300 : 1000;
  const spec = { preset: 'toy-theory', grid: [['model.activation', ['relu', 'identity']]] as Array<[string, string[]]>, set: { 'train.iterations': iterations, 'train.evalEvery': 100 }, seeds: 2 };
  const timeWith = async (workers: number) => {
    const out = mkdtempSync(join(tmpdir(), 'fclab-bench-sweep-'));
    try {
      const s = performance.now();
      const r = await runSweep(spec, { out, workers, figure: false, reuse: false });
      const seconds = (performance.now() - s) / 1000;
      const runSeconds = r.runs.map((x) => x.summary.timing.wallSeconds);
      return { seconds, runs: r.runs.length, runSeconds };
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  };
  const rounds = quick ? 1 : 2;
  const one: Array<Awaited<ReturnType<typeof timeWith>>> = [], all: typeof one = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? [1, cores] : [cores, 1];
    for (const w of order) {
      const t = await timeWith(w);
      (w === 1 ? one : all).push(t);
      log(`sweep, ${w} worker(s): ${t.seconds.toFixed(1)} s (runs ${t.runSeconds.map((x) => x.toFixed(1)).join(' ')} s)`);
    }
  }
  // the reference: the same run in independent processes, alone and `cores` at once (no pool, no
  // shared process): if runs slow down as much there, the shortfall is the machine's, not the sweep's
  const alone: number[] = [], together: number[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const n of i % 2 === 0 ? [1, cores] : [cores, 1]) {
      const t = await processRuns(n, iterations);
      (n === 1 ? alone : together).push(t.reduce((a, b) => a + b, 0) / t.length);
    }
  }
  const processSlowdown = median(together) / median(alone);
  const med = (xs: number[]) => median(xs);
  const summary = (ts: typeof one, workers: number) => {
    const seconds = med(ts.map((t) => t.seconds));
    const runSeconds = med(ts.map((t) => t.runSeconds.reduce((a, b) => a + b, 0) / t.runSeconds.length));
    // worker-seconds not spent inside a run: start-up, an idle worker at the end, aggregation
    const outside = med(ts.map((t) => t.seconds * workers - t.runSeconds.reduce((a, b) => a + b, 0)));
    return { seconds, runsPerMinute: (60 * ts[0].runs) / seconds, runSeconds, outsideWorkerSeconds: outside };
  };
  const a = summary(one, 1), b = summary(all, cores);
  const speedups = one.map((t, i) => t.seconds / all[i].seconds);
  const r = { runs: one[0].runs, iterations, oneWorker: a, allWorkers: { workers: cores, ...b }, speedup: med(speedups), runSlowdown: b.runSeconds / a.runSeconds, processSlowdown };
  log(`sweep: ${r.speedup.toFixed(2)}x on ${cores} workers; each run ${r.runSlowdown.toFixed(2)}x as long when ${cores} share the machine ` +
    `(${processSlowdown.toFixed(2)}x for ${cores} independent processes); outside the runs ${a.outsideWorkerSeconds.toFixed(1)} worker-s (1 worker), ${b.outsideWorkerSeconds.toFixed(1)} worker-s (${cores})`);
  return r;
}

/** Wall seconds of one toy-theory run in each of n child processes started together (timed inside each). */
function processRuns(n: number, iterations: number): Promise<number[]> {
  const loop = new URL('../../run/loop.js', import.meta.url).href;
  const code = `const { runExperiment } = await import(${JSON.stringify(loop)}); const s = performance.now(); ` +
    `await runExperiment({ preset: 'toy-theory', set: { 'train.iterations': ${iterations}, 'train.evalEvery': 100 }, threads: 1 }); ` +
    `process.stdout.write(String((performance.now() - s) / 1000));`;
  const one = () =>
    new Promise<number>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', code], (err, out) => (err ? reject(err) : resolve(Number(out)))),
    );
  return Promise.all(Array.from({ length: n }, one));
}

/** cpu0's hyperthread siblings (Linux), e.g. "0" or "0-1"; undefined elsewhere. */
function smtSiblings(): string | undefined {
  try {
    return readFileSync('/sys/devices/system/cpu/cpu0/topology/thread_siblings_list', 'utf8').trim();
  } catch {
    return undefined;
  }
}

export async function runBench(o: BenchOptions = {}): Promise<BenchReport> {
  const quick = !!o.quick;
  const log = o.log ?? (() => {});
  const repeats = o.repeats ?? (quick ? 5 : 9);
  const cores = availableParallelism();
  const threads = [...new Set([1, cores])];
  const skipped: string[] = [];
  const loadStart = loadavg();

  log(`fclab in Node (${quick ? 'quick' : 'full'}: median of ${repeats})`);
  const node = await runCore({ quick, repeats, threads, cases: o.cases, maxGemmWork: o.maxGemmWork, log: (s) => log(`  ${s}`) });

  const peers: BenchReport['peers'] = {};
  const agreement: BenchReport['agreement'] = {};
  if (o.peers !== false) {
    let tf: Awaited<ReturnType<typeof loadTf>> | null = null;
    try {
      tf = await loadTf(tfWasmDir());
    } catch {
      skipped.push('TensorFlow.js: @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm are not installed');
    }
    const torch = await pytorchAvailable();
    if (!torch) skipped.push('PyTorch: /usr/bin/python3 has no torch (Debian: apt-get install python3-torch)');
    for (const c of CASES) {
      if (o.cases && !o.cases.includes(c.id)) continue;
      const start = await startOf(c);
      peers[c.id] = [];
      const budget = quick ? 150 : 400; // ms per timed repeat
      const fcl = node.fclab[c.id]?.[0];
      if (fcl?.firstLosses) agreement[c.id] = { fclab: fcl.firstLosses };
      if (tf) {
        for (const backend of ['wasm', 'cpu'] as const) {
          // the cpu backend is slow: fewer repeats
          const r = await timeTfjs(tf, backend, c, start, budget, backend === 'cpu' ? 3 : repeats);
          peers[c.id].push({ ...r, peer: `tfjs-${backend}` });
          if (r.firstLosses) agreement[c.id][`tfjs-${backend}`] = r.firstLosses;
          log(`  tfjs-${backend} ${c.id} ${r.ms.toFixed(4)} ms`);
        }
      }
      if (torch) {
        const { dir, cleanup } = dumpStart(start);
        try {
          for (const t of threads) {
            const r = await timePytorch(c, start, dir, t, budget, repeats);
            const peer = `pytorch-${t}t`;
            peers[c.id].push({ ...r, peer });
            if (r.firstLosses) agreement[c.id][peer] = r.firstLosses;
            log(`  ${peer} ${c.id} ${r.ms.toFixed(4)} ms`);
          }
        } finally {
          cleanup();
        }
      }
    }
  }

  let browser: BenchReport['browser'] = { skipped: 'not requested' };
  if (o.browser !== false) {
    log(`fclab in ${(o.browsers ?? BROWSER_NAMES).join(' and ')}, the cases paired with Node`);
    try {
      browser = await runBrowserLeg({ quick, repeats, threads, browsers: o.browsers, cases: o.cases, maxGemmWork: o.maxGemmWork, profile: o.cases === undefined, log: (s) => log(`  ${s}`) });
      skipped.push(...browser.skipped);
    } catch (e) {
      browser = { skipped: `failed: ${(e as Error).message}` };
      skipped.push(`browser leg: ${(e as Error).message}`);
    }
  }

  let sweep: BenchReport['sweep'] = { skipped: 'not requested' };
  if (o.sweep !== false) sweep = await sweepThroughput(quick, cores, (s) => log(`  ${s}`));

  let theorem: BenchReport['theorem'] = { skipped: 'not requested' };
  if (o.theorem !== false) theorem = await theoremThroughput(quick, cores, (s) => log(`  ${s}`));
  let load: BenchReport['load'] = { skipped: 'not requested' };
  if (o.load !== false) {
    if (cores < 2) load = { skipped: `one core: nothing to compare` };
    else {
      log('kernel threads under a busy core');
      load = await threadsUnderLoad({ threads: cores, pairs: quick ? 7 : 15, cases: o.cases, log: (s) => log(`  ${s}`) });
    }
  }
  let activations: BenchReport['activations'] = { skipped: 'not requested' };
  if (o.activations !== false) {
    log('activations (toy-default run, paired with PyTorch)');
    const torch = o.peers !== false ? await pytorchAvailable() : null;
    // 7 rounds in full mode: on the noisy test host 3 rounds left the goal's ratios undecided, and 5
    // rounds of one activation still spread 0.35-0.49x of PyTorch (issue 19)
    activations = await activationLeg({
      iterations: quick ? 500 : 1500, evalEvery: quick ? 250 : 500, rounds: quick ? 1 : 7, threads: cores, torch, pytorchSteps: quick ? 200 : 500, log: (s) => log(`  ${s}`),
    });
  }

  const ratios: BenchReport['ratios'] = {};
  for (const c of CASES) {
    const rows = node.fclab[c.id];
    if (!rows) continue;
    const best = Math.min(...rows.filter((r) => r.build === 'simd').map((r) => r.ms));
    const entry: Record<string, { ms: number; vsFclab: number }> = {};
    rows.forEach((r) => (entry[`fclab-${r.build}-${r.threads}t`] = { ms: r.ms, vsFclab: r.ms / best }));
    for (const p of peers[c.id] ?? []) entry[p.peer] = { ms: p.ms, vsFclab: p.ms / best };
    ratios[c.id] = entry;
  }
  const report: BenchReport = {
    fclab: VERSION,
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores, node: process.version, platform: `${process.platform}-${process.arch}`, loadAverage: { start: loadStart, end: loadavg() }, smtSiblings: smtSiblings() },
    settings: { quick, repeats },
    note: o.note,
    node,
    peers,
    agreement,
    browser,
    activations,
    sweep,
    theorem,
    ratios,
    load,
    ceilingViolations: [...ceilingViolations(node), ...('legs' in browser ? browser.legs.flatMap((b) => ceilingViolations(b.result, b.browser)) : [])],
    pairedWarnings: [...pairedAboveCeiling(node), ...('legs' in browser ? browser.legs.flatMap((b) => pairedAboveCeiling(b.result, b.browser)) : [])],
    targets: [],
    skipped,
  };
  report.targets = evaluateTargets(report);
  return report;
}

/** The issue's targets, from this run's figures. */
export function evaluateTargets(r: BenchReport): Target[] {
  const t: Target[] = [];
  const add = (id: string, goal: string, value: number | null | undefined, limit: number, kind: 'max' | 'min') => {
    const v = value === undefined || value === null || !Number.isFinite(value) ? null : value;
    t.push({ id, goal, value: v, limit, kind, met: v === null ? null : kind === 'max' ? v <= limit : v >= limit });
  };
  add('ceiling', 'no GEMM above the ceiling (count of figures above it)', r.ceilingViolations.length, 0, 'max');
  const trainerShapes = r.node.gemm.filter((g) => /dense layer|factored forward|feature gradient/.test(g.shape));
  add('gemm', 'GEMM on the trainer\'s shapes: worst shape/layout at >= 90% of the ceiling', trainerShapes.length ? Math.min(...trainerShapes.map((g) => g.ofCeiling)) : null, 0.9, 'min');
  const big = r.node.gemm.filter((g) => g.shape.startsWith('2048x'));
  add('gemm-2048', 'GEMM at 2048^3: worst layout at >= 75% of the ceiling', big.length ? Math.min(...big.map((g) => g.ofCeiling)) : null, 0.75, 'min');
  const best = (id: string) => {
    const rows = r.node.fclab[id]?.filter((x) => x.build === 'simd');
    return rows?.length ? Math.min(...rows.map((x) => x.ms)) : null;
  };
  const peer = (id: string, name: string) => r.peers[id]?.find((p) => p.peer === name)?.ms ?? null;
  const ratio = (a: number | null, b: number | null) => (a === null || b === null ? null : a / b);
  add('default-vs-tfjs-wasm', 'toy-default: tfjs-wasm time / fclab time >= 5', ratio(peer('toy-default', 'tfjs-wasm'), best('toy-default')), 5, 'min');
  add('default-vs-pytorch', 'toy-default: fclab time / PyTorch 1-thread time <= 0.7', ratio(best('toy-default'), peer('toy-default', 'pytorch-1t')), 0.7, 'max');
  add('theory-vs-pytorch', 'toy-theory: fclab time / PyTorch 1-thread time <= 0.25', ratio(best('toy-theory'), peer('toy-theory', 'pytorch-1t')), 0.25, 'max');
  add('b1-vs-tfjs-wasm', 'online SGD batch 1: tfjs-wasm time / fclab time >= 50', ratio(peer('online-b1', 'tfjs-wasm'), best('online-b1')), 50, 'min');
  const torchBest = (id: string) => {
    const ps = (r.peers[id] ?? []).filter((p) => p.peer.startsWith('pytorch'));
    return ps.length ? Math.min(...ps.map((p) => p.ms)) : null;
  };
  add('b1-vs-pytorch', 'online SGD batch 1: fastest PyTorch time / fclab time >= 10', ratio(torchBest('online-b1'), best('online-b1')), 10, 'min');
  for (const a of ['sigmoid', 'tanh', 'gelu']) {
    const row = 'rows' in r.activations ? r.activations.rows.find((x) => x.activation === a) : undefined;
    add(`${a}-vs-relu`, `toy-default run, ${a}: fclab time / fclab ReLU time <= 1.3`, row?.vsRelu, 1.3, 'max');
    add(`${a}-vs-pytorch`, `toy-default run, ${a}: fclab time / PyTorch 1-thread time <= 0.4`, row?.vsPytorch, 0.4, 'max');
  }
  const autoRows = 'conditions' in r.load ? r.load.conditions.filter((x) => x.ratioAuto !== undefined) : [];
  add('threads-auto', "threads: 'auto': worst paired ratio to 1 thread, idle and with one busy core <= 1.05", autoRows.length ? Math.max(...autoRows.map((x) => x.ratioAuto)) : null, 1.05, 'max');
  const sw = 'speedup' in r.sweep ? r.sweep : null;
  const w = sw?.allWorkers.workers ?? r.machine.cores;
  add('sweep-scaling', `sweep: throughput on ${w} workers / 1 worker >= 0.9 x ${w} (within 10% of linear)`, sw?.speedup, 0.9 * w, 'min');
  for (const [name, label] of [['chromium', 'Chromium'], ['firefox', 'Firefox']] as const) {
    const leg = 'legs' in r.browser ? r.browser.legs.find((b) => b.name === name) : undefined;
    const ratios = leg ? Object.values(leg.ratioToNode) : [];
    add(`${name}-vs-node`, `${label}: worst case and thread count, time / Node time (median of paired rounds) <= 1.15`, ratios.length ? Math.max(...ratios) : null, 1.15, 'max');
  }
  return t;
}

const fmtMs = (ms: number) => (ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms >= 0.01 ? ms.toFixed(3) : ms.toFixed(4));

/** The terminal table. */
export function formatReport(r: BenchReport): string {
  const L: string[] = [];
  L.push(`fclab ${r.fclab} bench, ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}, ${r.settings.quick ? 'quick' : 'full'}: medians of ${r.settings.repeats} repeats`);
  if (r.note) L.push(`note: ${r.note}`);
  if (r.machine.smtSiblings !== undefined)
    L.push(`cpu0's core is shared by logical CPUs ${r.machine.smtSiblings}${/[-,]/.test(r.machine.smtSiblings) ? ' (hyperthreads: two threads share one core\'s SIMD units, so 2 threads or workers cannot reach 2x)' : ' (no hyperthread sibling)'}`);
  L.push('');
  L.push(`load average ${r.machine.loadAverage.start.map((x) => x.toFixed(1)).join(' ')} at the start, ${r.machine.loadAverage.end.map((x) => x.toFixed(1)).join(' ')} at the end`);
  L.push('');
  const c = r.node.ceiling;
  L.push(`GEMM (GFLOP/s, 2 per multiply-add; ceiling ${c.gflops.toFixed(1)} = the best of ${c.kernels.length} register-only mul+add kernels, ${c.kernel})`);
  L.push(`  kernels: ${c.kernels.map((k) => `${k.name} ${k.gflops.toFixed(1)}`).join(', ')}`);
  L.push(`  ${'shape'.padEnd(34)} ${''.padEnd(4)} ${'median'.padStart(6)} ${'best'.padStart(6)}  best / ceiling, median paired ratio`);
  for (const g of r.node.gemm) L.push(`  ${g.shape.padEnd(34)} ${g.layout.padEnd(4)} ${g.gflops.toFixed(1).padStart(6)} ${g.bestGflops.toFixed(1).padStart(6)}  ${(100 * g.ofCeiling).toFixed(0).padStart(3)}%  ${(100 * g.pairedRatio).toFixed(0).padStart(3)}%`);
  for (const c of CASES) {
    const ratios = r.ratios[c.id];
    if (!ratios) continue;
    L.push('');
    L.push(`${c.title} (ms per iteration; x = time / fclab's best)`);
    for (const [name, v] of Object.entries(ratios)) {
      const info = r.peers[c.id]?.find((p) => p.peer === name)?.info ?? '';
      L.push(`  ${name.padEnd(20)} ${fmtMs(v.ms).padStart(8)} ms  ${v.vsFclab.toFixed(2).padStart(7)}x  ${info}`);
    }
    const ag = r.agreement[c.id];
    if (ag) L.push(`  first losses: ${Object.entries(ag).map(([k, v]) => `${k} ${v.map((x) => x.toFixed(6)).join('/')}`).join(', ')}`);
  }
  L.push('');
  if ('legs' in r.browser) L.push(...formatBrowserLeg(r.browser));
  else L.push(`browsers: skipped (${r.browser.skipped})`);
  L.push('');
  if ('speedup' in r.sweep) {
    L.push(`sweep (${r.sweep.runs} toy-theory runs x ${r.sweep.iterations} iterations): 1 worker ${r.sweep.oneWorker.runsPerMinute.toFixed(1)} runs/min, ${r.sweep.allWorkers.workers} workers ${r.sweep.allWorkers.runsPerMinute.toFixed(1)} runs/min (${r.sweep.speedup.toFixed(2)}x)`);
    if (r.sweep.runSlowdown !== undefined)
      L.push(`  each run ${r.sweep.runSlowdown.toFixed(2)}x as long with ${r.sweep.allWorkers.workers} workers busy (independent processes: ${r.sweep.processSlowdown?.toFixed(2)}x); worker-seconds outside runs: ${r.sweep.oneWorker.outsideWorkerSeconds?.toFixed(1)} (1 worker), ${r.sweep.allWorkers.outsideWorkerSeconds?.toFixed(1)} (${r.sweep.allWorkers.workers})`);
  } else L.push(`sweep: skipped (${r.sweep.skipped})`);
  if (r.theorem && 'usPerStep' in r.theorem) {
    const t = r.theorem;
    L.push(
      `theorem scaling study: ${t.usPerStep.toFixed(1)} µs per online step (batch ${t.batch}); a study run (${t.run.iterations} steps, metrics every ${t.run.evalEvery}) ${t.run.usPerStepWithEval.toFixed(1)} µs per step, ` +
        `${t.run.runsPerMinute.toFixed(1)} runs/min on ${t.run.workers} workers; projected: full plan ${t.projected.full.runs} runs ${t.projected.full.minutes.toFixed(1)} min, quick ${t.projected.quick.runs} runs ${t.projected.quick.minutes.toFixed(1)} min`,
    );
  } else if (r.theorem) L.push(`theorem scaling study: skipped (${r.theorem.skipped})`);
  L.push('');
  if ('rows' in r.activations) L.push(...formatActivationLeg(r.activations));
  else L.push(`activations: skipped (${r.activations.skipped})`);
  L.push('');
  if ('conditions' in r.load) {
    L.push(`kernel threads, ${r.load.pairs} rounds of alternating runs per condition (ratio = time / 1 thread's, median of the rounds; < 1: threads help; auto's goal <= 1.05)`);
    for (const x of r.load.conditions) {
      const auto = x.msAuto === undefined ? '' : `  auto ${fmtMs(x.msAuto).padStart(7)} ms  ratio ${x.ratioAuto.toFixed(2)} (chose ${summarizeChoices(x.autoChoices)})`;
      L.push(`  ${x.case.padEnd(12)} ${x.condition.padEnd(14)} 1t ${fmtMs(x.ms1).padStart(7)} ms  ${r.load.threads}t ${fmtMs(x.msN).padStart(7)} ms  ratio ${x.ratio.toFixed(2)}${auto} (load ${x.loadAverage.toFixed(1)})`);
    }
  } else L.push(`threads under load: skipped (${r.load.skipped})`);
  L.push('');
  for (const v of r.ceilingViolations) L.push(`ABOVE THE CEILING: ${v}`);
  for (const v of r.pairedWarnings) L.push(`warning (noise under load, not a failure): ${v}`);
  L.push('targets');
  for (const t of r.targets) L.push(`  ${t.met === null ? 'n/a ' : t.met ? 'met ' : 'MISS'}  ${t.goal}: ${t.value === null ? 'not measured' : t.value.toFixed(3)}`);
  for (const s of r.skipped) L.push(`skipped: ${s}`);
  return L.join('\n');
}

/** The browser leg's lines: each page's setting and GEMM, then every case's paired times and ratios side by side. */
export function formatBrowserLeg(b: BrowserLegResults): string[] {
  const L: string[] = [];
  for (const leg of b.legs) {
    const g = leg.result.gemm.find((x) => x.layout === 'AB');
    L.push(`fclab in ${leg.browser}: cross-origin isolated ${leg.isolated}, ${leg.cores} cores, performance.now() step ${(1000 * leg.timerResolutionMs).toFixed(1)} µs` +
      (g ? `; GEMM ${g.shape} AB ${g.gflops.toFixed(1)} GFLOP/s, ceiling ${leg.result.ceiling.gflops.toFixed(1)}` : ''));
  }
  const names = b.legs.map((l) => l.name);
  if (b.paired.length) {
    L.push(`training cases paired with Node (ms per iteration, medians of ${b.paired[0].rounds} alternating rounds; x = median of the rounds' browser / Node ratios, wall time, then CPU time)`);
    L.push(`  ${'case'.padEnd(18)} ${'node'.padStart(9)}  ${names.map((n) => `${n.padStart(9)} ${'x'.padStart(6)} ${'CPU x'.padStart(6)} `).join('  ')}  load`);
    for (const row of b.paired) {
      const cells = names.map((n) => `${fmtMs(row.ms[n]).padStart(9)} ${`${row.ratioToNode[n].toFixed(2)}x`.padStart(6)} ${`${row.cpuRatioToNode[n].toFixed(2)}x`.padStart(6)}${row.ranOn[n] < row.threads ? '!' : ' '}`);
      L.push(`  ${`${row.case} @${row.threads}t`.padEnd(18)} ${fmtMs(row.ms.node).padStart(9)}  ${cells.join('  ')}  ${row.loadAverage[0].toFixed(1)}`);
    }
    if (b.paired.some((row) => names.some((n) => row.ranOn[n] < row.threads))) L.push('  ! = the page ran on fewer threads than asked for (not cross-origin isolated)');
  }
  if (b.profile?.length) {
    L.push("toy-default's kernels one by one, paired (ms per call; x = browser / Node, wall time, then CPU time)");
    for (const k of b.profile)
      L.push(`  ${k.kernel.padEnd(26)} ${fmtMs(k.ms.node).padStart(8)}  ${names.map((n) => `${n} ${fmtMs(k.ms[n]).padStart(8)} ${k.ratioToNode[n].toFixed(2)}x ${k.cpuRatioToNode[n].toFixed(2)}x`).join('  ')}`);
  }
  return L;
}
