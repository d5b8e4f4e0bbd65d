// fclab sweep / merge / reproduce. Registered by main.ts; errors of the user's input are
// SweepError/ConfigError (printed as `fclab: error: ...`, exit 2).
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { join } from 'node:path';
import { parseSetArg, PRESETS, formatStat, taskOf, type SetValue } from '../index.js';
import { mergeSweeps, runPlan, reproduce, reproduceTheoremAlone, readJsonFile, FIGURE_IDS, parseGridArg, parseShard, planSweep, SweepError, type FigureId, type GridAxis, type SweepProgressEvent, type SweepReportProgress } from '../node.js';

const collect = (v: string, prev: string[]) => [...prev, v];

function intOption(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < 1)
      throw new SweepError(`${flag} ${JSON.stringify(v)} is not valid: expected an integer >= 1`);
    return n;
  };
}


function parseSets(args: string[]): Record<string, SetValue> {
  const out: Record<string, SetValue> = {};
  for (const a of args) {
    const [k, v] = parseSetArg(a);
    // resolveConfig parses string values like --set again: a quoted string ("0.001") must stay a string
    out[k] = typeof v === 'string' && a.slice(a.indexOf('=') + 1).trim().startsWith('"') ? JSON.stringify(v) : v;
  }
  return out;
}

export function formatDuration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--';
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s - 60 * m)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export interface SweepProgress {
  update(e: SweepProgressEvent): void;
  stop(): void;
}

/** One bar over all runs on a terminal; a plain line per finished run otherwise. */
export function createSweepProgress(label: string, stream: NodeJS.WriteStream = process.stderr, quiet = false): SweepProgress {
  if (quiet) return { update() {}, stop() {} };
  const width = (n: number) => String(n).length;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} {bar} {percentage}% | {runs} runs | {elapsedText} elapsed, ETA {etaText} | {last}`,
        hideCursor: true,
        stream,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    let last = '';
    return {
      update(e) {
        if (e.run) last = `${e.run.cell} seed ${e.run.seed} ${e.run.hash.slice(0, 8)}`;
        const payload = {
          runs: `${String(e.runsDone).padStart(width(e.runsTotal))}/${e.runsTotal}`,
          etaText: formatDuration(e.etaSeconds),
          elapsedText: formatDuration(e.elapsedSeconds),
          last,
        };
        const value = Math.round(e.fraction * 1000);
        if (!started) {
          bar.start(1000, value, payload);
          started = true;
        } else bar.update(value, payload);
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  return {
    update(e) {
      if (e.type === 'start') {
        stream.write(
          `${label}: ${e.runsTotal} runs${e.runsReused ? ` (${e.runsReused} already complete, reused)` : ''} on ${e.workers} worker${e.workers === 1 ? '' : 's'}\n`,
        );
        return;
      }
      if (e.type !== 'run-done' || !e.run) return;
      const r = e.run;
      stream.write(
        `${label} [${String(e.runsDone).padStart(width(e.runsTotal))}/${e.runsTotal}] ${r.cell} seed ${r.seed} | hash ${r.hash.slice(0, 12)} | ` +
          `${r.wallSeconds.toFixed(1)} s | ${Math.floor(100 * e.fraction)}% | elapsed ${formatDuration(e.elapsedSeconds)}, ETA ${formatDuration(e.etaSeconds)}\n`,
      );
    },
    stop() {},
  };
}

/** The report's rendering: a line updated in place on a terminal; one line when it starts otherwise. */
export function createReportProgress(label: string, stream: NodeJS.WriteStream = process.stderr, quiet = false): (e: SweepReportProgress) => void {
  if (quiet) return () => {};
  if (stream.isTTY)
    return (e) => {
      stream.write(`\r\x1b[2K${label}: report: figure ${e.done}/${e.total}${e.metric ? ` (${e.metric})` : ''}, ${formatDuration(e.elapsedSeconds)}`);
      if (e.done === e.total) stream.write('\n');
    };
  return (e) => {
    if (e.done === 0) stream.write(`${label}: rendering the report: ${e.total} figures (SVG and PNG) and report.html\n`);
  };
}

function parseFigures(v: string): FigureId[] {
  const ids = v.split(',').map((s) => s.trim().toUpperCase());
  const bad = ids.filter((i) => !FIGURE_IDS.includes(i as FigureId));
  if (bad.length || !ids.length)
    throw new SweepError(`--figures ${JSON.stringify(v)} is not valid: expected a comma-separated subset of ${FIGURE_IDS.join(', ')}`);
  return ids as FigureId[];
}

export function registerSweepCommands(program: Command): void {
  program
    .command('sweep')
    .description('run the cross product of --grid values × seeds on all cores; writes run folders, sweep.csv, sweep.json and report.html (figures/: per metric mean ± 95% CI over seeds, one series per cell)')
    .option('-p, --preset <name>', `preset (${PRESETS.map((p) => p.name).join(', ')})`, 'toy-default')
    .option('-c, --config <file>', 'JSON config merged over the preset')
    .option('-g, --grid <key=v1,v2,...>', 'a grid axis (repeatable; the first varies slowest), e.g. model.activation=relu,gelu', collect, [])
    .option('-s, --set <key=value>', 'override one config key in every cell (repeatable)', collect, [])
    .option('-n, --seeds <n>', 'seeds per cell: base, base+1, ... (base = the config seed)', intOption('--seeds'), 1)
    .option('-w, --workers <n>', 'worker threads (default: the number of cores)', intOption('--workers'))
    .option('-t, --threads <n>', 'kernel threads per run (default 1; workers × threads should not exceed the cores)', intOption('--threads'))
    .option('--shard <i/n>', 'run only cells with index % n == i (combine shards with fclab merge)')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--no-figure', 'skip each run\'s SVG/PNG figure')
    .option('--no-report', 'skip the sweep\'s report.html and figures/ (one band figure per metric over the cells)')
    .option('--no-reuse', 'retrain runs whose folder is already complete')
    .option('-q, --quiet', 'no progress output')
    .action(
      async (opts: {
        preset: string;
        config?: string;
        grid: string[];
        set: string[];
        seeds: number;
        workers?: number;
        threads?: number;
        shard?: string;
        out: string;
        figure: boolean;
        report: boolean;
        reuse: boolean;
        quiet?: boolean;
      }) => {
        // validate everything (every cell resolved) before any work or any file
        const grid: GridAxis[] = opts.grid.map(parseGridArg);
        const shard = opts.shard !== undefined ? parseShard(opts.shard) : undefined;
        const config = opts.config ? await readJsonFile(opts.config, '--config') : undefined;
        const plan = planSweep({ preset: opts.preset, config, set: parseSets(opts.set), grid, seeds: opts.seeds });
        const label = shard ? `sweep ${shard.index}/${shard.count}` : 'sweep';
        const progress = createSweepProgress(label, process.stderr, opts.quiet);
        const reportProgress = createReportProgress(label, process.stderr, opts.quiet);
        let outcome;
        try {
          outcome = await runPlan(plan, {
            out: opts.out,
            workers: opts.workers,
            threads: opts.threads,
            shard,
            figure: opts.figure,
            reuse: opts.reuse,
            onProgress: (e) => progress.update(e),
            report: opts.report,
            onReportProgress: (e) => {
              // the runs are done: end their bar before the report's line takes the terminal
              if (e.done === 0) progress.stop();
              reportProgress(e);
            },
          });
        } finally {
          progress.stop();
        }
        const { doc } = outcome;
        const trained = outcome.runs.filter((r) => !r.reused).length;
        console.log(
          `${label}: ${doc.cells.length} of ${doc.cellCount} cells × ${doc.seeds} seed${doc.seeds === 1 ? '' : 's'} = ${outcome.runs.length} runs ` +
            `(${trained} trained, ${outcome.runs.length - trained} reused) in ${formatDuration(outcome.wallSeconds)} on ${outcome.workers} worker${outcome.workers === 1 ? '' : 's'}`,
        );
        const w = Math.max(4, ...doc.cells.map((c) => c.id.length));
        // each cell's headline quantities, as its kind names them (a grid may mix kinds)
        let shown = '';
        for (const c of doc.cells) {
          const head = taskOf(c.config).sweepHeadline;
          const title = `${'cell'.padEnd(w)}  ${head.map((h) => h.label.padEnd(28)).join('  ')}`;
          if (title !== shown) console.log((shown = title));
          console.log(`${c.id.padEnd(w)}  ${head.map((h) => (c.final[h.metric] ? formatStat(c.final[h.metric]) : 'n/a').padEnd(28)).join('  ')}`);
        }
        console.log(`wrote ${outcome.files.csv} and ${outcome.files.json}`);
        if (outcome.files.report && outcome.report)
          console.log(`report: ${outcome.files.report} (${outcome.report.figures.length} figures in ${join(outcome.out, 'figures')}, rendered in ${outcome.report.seconds.toFixed(1)} s)`);
        else if (shard && opts.report) console.log(`report: written by fclab merge once every shard is done`);
        // diverged runs are part of the result (NaN from their divergence on), not a failure
        const diverged = doc.cells.flatMap((c) => c.runs.filter((r) => r.diverged).map((r) => `${c.id} seed ${r.seed} at iteration ${r.diverged!.iteration}`));
        if (diverged.length)
          console.error(`fclab: warning: ${diverged.length} of ${outcome.runs.length} runs diverged (NaN or Infinity; their statistics are NaN from there on): ${diverged.join('; ')}`);
      },
    );

  program
    .command('merge')
    .description('combine the shard folders of one sweep into the aggregate a single-machine sweep writes')
    .argument('<dirs...>', 'shard folders (each written by fclab sweep --shard i/n)')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--no-runs', 'write the aggregates only (do not copy run folders)')
    .option('--no-report', 'skip the merged sweep\'s report.html and figures/')
    .option('-q, --quiet', 'no progress output')
    .action(async (dirs: string[], opts: { out: string; runs: boolean; report: boolean; quiet?: boolean }) => {
      const r = await mergeSweeps(dirs, { out: opts.out, copyRuns: opts.runs, report: opts.report, onReportProgress: createReportProgress('merge', process.stderr, opts.quiet) });
      for (const s of r.shards)
        console.log(`${s.dir}: ${s.shard ? `shard ${s.shard.index}/${s.shard.count}` : 'complete sweep'}, ${s.cells} cells`);
      console.log(`merged ${r.doc.cellCount} cells × ${r.doc.seeds} seeds → ${r.files.csv}, ${r.files.json}`);
      if (r.files.report && r.report)
        console.log(`report: ${r.files.report} (${r.report.figures.length} figures in ${join(r.out, 'figures')}, rendered in ${r.report.seconds.toFixed(1)} s)`);
    });

  program
    .command('reproduce')
    .description("run every synthetic figure of the paper (F1–F6) and the shift split (F7), distillation (D1), padded MNIST (M1–M2) and the theorems' scaling study (TH1–TH4) with several seeds; writes figures (SVG, PNG) and report.html")
    .option('--quick', 'shortened runs and 3 seeds: the whole set in a few minutes (not the paper\'s settings)')
    .option('-o, --out <dir>', 'output folder (default: runs/reproduce or runs/reproduce-quick)')
    .option('-n, --seeds <n>', 'seeds per cell (default 5; 3 with --quick)', intOption('--seeds'))
    .option('-w, --workers <n>', 'worker threads (default: the number of cores)', intOption('--workers'))
    .option('--figures <list>', `a subset of ${FIGURE_IDS.join(',')}`, parseFigures)
    .option('--theorem-only', "only the theorems' scaling study and figures TH1–TH4 (OUT/theorem, a report of that part alone)")
    .option('--no-reuse', 'retrain runs whose folder is already complete')
    .option('-q, --quiet', 'no progress output')
    .action(
      async (opts: { quick?: boolean; out?: string; seeds?: number; workers?: number; figures?: FigureId[]; theoremOnly?: boolean; reuse: boolean; quiet?: boolean }) => {
        const out = opts.out ?? join('runs', opts.quick ? 'reproduce-quick' : 'reproduce');
        const progress = createSweepProgress(opts.quick ? 'reproduce --quick' : 'reproduce', process.stderr, opts.quiet);
        if (opts.theoremOnly) {
          if (opts.figures) throw new SweepError('--theorem-only and --figures cannot be combined: --theorem-only runs the figures TH1–TH4 only');
          let t;
          try {
            t = await reproduceTheoremAlone({
              out,
              quick: opts.quick,
              seeds: opts.seeds ?? (opts.quick ? 3 : 5),
              workers: opts.workers,
              reuse: opts.reuse,
              onProgress: (e) => progress.update(e),
              command: ['fclab', ...process.argv.slice(2)].join(' '),
            });
          } finally {
            progress.stop();
          }
          for (const c of t.claims) console.log(`${c.holds ? 'holds' : 'FAILS'}  ${c.id} ${c.statement}\n       ${c.evidence}`);
          for (const f of t.figures) console.log(`${f.name.split('-')[0]}: ${f.svg} (+ .png)`);
          console.log(`report: ${t.report} (${t.cost.runs} runs in ${formatDuration(t.cost.wallSeconds)}; ${t.cost.usPerStep.toFixed(0)} µs of wall time per online step, evaluations included)`);
          return;
        }
        let r;
        try {
          r = await reproduce({
            out,
            quick: opts.quick,
            seeds: opts.seeds,
            workers: opts.workers,
            figures: opts.figures,
            reuse: opts.reuse,
            onProgress: (e) => progress.update(e),
            command: ['fclab', ...process.argv.slice(2)].join(' '),
          });
        } finally {
          progress.stop();
        }
        for (const c of r.claims) console.log(`${c.holds ? 'holds' : 'FAILS'}  ${c.figure} ${c.statement}\n       ${c.evidence}`);
        for (const c of r.distill?.claims ?? []) console.log(`${c.holds ? 'holds' : 'FAILS'}  D1 ${c.statement}\n       ${c.evidence}`);
        for (const c of r.mnist?.claims ?? []) console.log(`${c.holds ? 'holds' : 'FAILS'}  M1 ${c.statement}\n       ${c.evidence}`);
        for (const f of r.figures) console.log(`${f.id}: ${f.svg} (+ .png)`);
        if (r.distill) console.log(`D1: ${r.distill.figure.svg} (+ .png)`);
        for (const f of r.mnist?.figures ?? []) console.log(`${f.name.slice(0, 2)}: ${f.svg} (+ .png)`);
        for (const c of r.theorem?.claims ?? []) console.log(`${c.holds ? 'holds' : 'FAILS'}  ${c.id} ${c.statement}\n       ${c.evidence}`);
        for (const f of r.theorem?.figures ?? []) console.log(`${f.name.split('-')[0]}: ${f.svg} (+ .png)`);
        const runs = r.sweep.runs.length + (r.distill?.sweep.runs.length ?? 0) + (r.mnist?.sweep.runs.length ?? 0) + (r.theorem?.sweep.runs.length ?? 0);
        console.log(`report: ${r.report} (${runs} runs in ${formatDuration(r.wallSeconds)})`);
      },
    );
}
