// The fclab command line: a thin shell over the library (src/index.ts).
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import {
  VERSION,
  PRESETS,
  configKeys,
  keyHelp,
  resolveConfig,
  parseSetArg,
  runExperiment,
  RunInterrupted,
  encodeCheckpoint,
  decodeCheckpoint,
  taskOf,
  InputError,
  DivergedError,
  planRun,
  type RunResult,
  type RunCheckpoint,
  type SetValue,
} from '../index.js';
import {
  readStateFolder,
  writeRunOutputs,
  loadMnistDigits,
  writeFileAtomic,
  readJsonFile,
  readRegularFile,
  openRunFolder,
  checkResumeFolder,
  type RunFolder,
} from '../node.js';

import { createProgress } from './progress.js';
import { registerSweepCommands } from './sweep-commands.js';
import { registerBenchCommand } from './bench-command.js';

/** Errors that are the user's input: printed without a stack, exit code 2. */
export class UsageError extends InputError {}

/** Exit codes: 0 done, 1 an unexpected error, 2 bad input (nothing written), 3 the run diverged. */
export const EXIT_USAGE = 2;
export const EXIT_DIVERGED = 3;
/** Interrupted runs exit as a shell reports a process killed by the signal (128 + its number). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

const collect = (v: string, prev: string[]) => [...prev, v];

const CHECKPOINT = 'checkpoint.fclab';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--checkpoint-every ${JSON.stringify(v)}: expected a positive integer`);
  return n;
}

function threadsArg(v: string): number | 'auto' {
  if (v === 'auto') return v;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--threads ${JSON.stringify(v)}: expected an integer from 1 to 64 or "auto"`);
  return n;
}

/** All cores, up to 4: the step's two phases stop scaling beyond that at the paper's sizes. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

async function readCheckpoint(path: string): Promise<RunCheckpoint> {
  let bytes: Uint8Array;
  try {
    // a regular file of bounded size: never a link to /dev/zero read without end
    bytes = await readRegularFile(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`--resume: cannot read ${path} (${err.code === 'ENOTREG' || err.code === 'EFBIG' ? err.message : (err.code ?? err.message)})`);
  }
  try {
    return decodeCheckpoint(bytes, path);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export const readConfigFile = (path: string): Promise<unknown> => readJsonFile(path, '--config');

export function parseSets(args: string[]): Record<string, SetValue> {
  const out: Record<string, SetValue> = {};
  for (const a of args) {
    const [k, v] = parseSetArg(a);
    // resolveConfig parses string values like --set again: a quoted string ("0.001") must stay a string
    out[k] = typeof v === 'string' && a.slice(a.indexOf('=') + 1).trim().startsWith('"') ? JSON.stringify(v) : v;
  }
  return out;
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export function summaryLine(r: RunResult, dir: string): string {
  const s = r.summary;
  return `${taskOf(s.config).summaryLine(s)} | ${dir}` + (s.diverged ? ` | DIVERGED at iteration ${s.diverged.iteration}` : '');
}

export function buildProgram(): Command {
  const program = new Command('fclab')
    .description('Feature contamination lab: the ICML 2024 feature-contamination experiments on a deterministic WebAssembly SIMD trainer')
    .version(VERSION)
    .showHelpAfterError()
    // commander's own usage errors (unknown option, missing argument) exit 2 like ours; inherited
    // by every subcommand added below
    .exitOverride();

  program
    .command('presets')
    .description('list the presets, one line each')
    .action(() => {
      const w = Math.max(...PRESETS.map((p) => p.name.length));
      for (const p of PRESETS) console.log(`${p.name.padEnd(w)}  ${p.summary}`);
    });

  program
    .command('keys')
    .description('list the config keys usable with --set, with their defaults in a preset')
    .option('-p, --preset <name>', 'preset whose values to show', 'toy-default')
    .action((opts: { preset: string }) => {
      // only the keys of the preset's kind: a padded-MNIST preset has no feature-model keys
      const c = resolveConfig({ preset: opts.preset });
      const keys = configKeys(c.task);
      const w = Math.max(...keys.map((k) => k.length));
      for (const k of keys) {
        const v = k.split('.').reduce<unknown>((node, p) => (node as Record<string, unknown>)[p], c);
        console.log(`${k.padEnd(w)}  ${JSON.stringify(v).padEnd(10)}  ${keyHelp(c.task, k)}`);
      }
    });

  addRunCommand(program, 'run', 'train one network (any preset) and write config.json, metrics.csv, summary.json, weights, figures and report.html', 'toy-default');
  // the distillation preset's own name for `run` (its default preset differs)
  addRunCommand(program, 'distill', "fit a student MLP to a robust teacher's representation (MSE, ID inputs only) and probe both ID and OOD: fclab run with --preset distill-toy as the default", 'distill-toy');


  registerSweepCommands(program);
  registerBenchCommand(program);
  return program;
}

function addRunCommand(program: Command, name: string, description: string, defaultPreset: string): void {
  const kinds = new Set(PRESETS.filter((p) => name === 'run' || p.config.task === PRESETS.find((q) => q.name === defaultPreset)?.config.task).map((p) => p.name));
  program
    .command(name)
    .description(description)
    .option('-p, --preset <name>', `preset (${[...kinds].join(', ')})`, defaultPreset)
    .option('-c, --config <file>', 'JSON config merged over the preset (a file that names its preset, as a run\'s config.json does, picks it unless --preset is given)')
    .option('-s, --set <key=value>', 'override one config key, e.g. train.iterations=2000 (repeatable)', collect, [])
    .option('-o, --out <dir>', 'output folder (default: runs/<preset>-<date>-<time>)')
    .option('--import-npy <dir>', 'start from a folder of .npy state (data, transform, initial weights), e.g. PyTorch\'s')
    .addOption(new Option('--build <build>', 'WASM build (identical results)').choices(['simd', 'scalar']))
    .option('-t, --threads <n>', 'kernel threads, or auto (1 or all cores, whichever its timed steps show faster; results are identical for any count; default: all cores, up to 4)', threadsArg)
    .option('--checkpoint-every <n>', `write ${CHECKPOINT} into the output folder every n iterations (same as --set train.checkpointEvery=n)`, positiveInt)
    .option('--resume <dir>', `continue the run whose ${CHECKPOINT} is in <dir> (its config is used; outputs go to <dir> unless --out)`)
    .option('--force', "use an output folder that holds other files: delete fclab's own files there first (others are kept)")
    .option('--no-figure', 'skip the SVG/PNG figure')
    .option('-q, --quiet', 'no progress output')
    .action(async (opts: {
      preset: string;
      config?: string;
      set: string[];
      out?: string;
      importNpy?: string;
      build?: 'simd' | 'scalar';
      checkpointEvery?: number;
      threads?: number | 'auto';
      resume?: string;
      figure: boolean;
      force?: boolean;
      quiet?: boolean;
    }, cmd: Command) => {
      // validate everything before any work or any file is written
      for (const [flag, v] of [['--out', opts.out], ['--resume', opts.resume], ['--import-npy', opts.importNpy]] as const)
        if (v !== undefined && v.trim() === '') throw new UsageError(`${flag} ${JSON.stringify(v)}: expected a folder name (use ${flag} . for the current folder)`);
      let resume: RunCheckpoint | undefined;
      let inputs: { preset?: string; config?: unknown; set?: Record<string, SetValue> } = {};
      let label: string;
      if (opts.resume) {
        const given = ['preset', 'config', 'set'].filter((k) => cmd.getOptionValueSource(k) === 'cli');
        if (given.length) throw new UsageError(`--resume uses the checkpoint's config; remove --${given.join(', --')}`);
        resume = await readCheckpoint(join(opts.resume, CHECKPOINT));
        label = resume.config.preset;
      } else {
        const set = parseSets(opts.set);
        if (opts.checkpointEvery !== undefined) set['train.checkpointEvery'] = opts.checkpointEvery;
        const config = opts.config ? await readConfigFile(opts.config) : undefined;
        // a run's whole config.json names its preset: without --preset it reproduces that run
        const named = (config as { preset?: unknown } | undefined)?.preset;
        const preset = typeof named === 'string' && cmd.getOptionValueSource('preset') !== 'cli' ? named : opts.preset;
        inputs = { preset, config, set };
        const c = resolveConfig(inputs);
        if (!kinds.has(c.preset) && name !== 'run')
          throw new UsageError(`fclab ${name}: preset ${JSON.stringify(opts.preset)} is not one of ${[...kinds].join(', ')}; use fclab run`);
        label = c.preset;
      }
      const imported = opts.importNpy ? await readStateFolder(opts.importNpy) : undefined;
      // the config this run records, checked (memory, imported state) before any file is touched
      const recorded = resume ? resume.config : planRun(inputs, { imported: !!imported });
      const dir = opts.out ?? opts.resume ?? join('runs', `${label}-${stamp()}`);
      if (opts.resume) await checkResumeFolder(opts.resume, resume!.config);
      // the folder rule (docs/guide.md, "Output folders"): checked, locked and claimed before training
      const folder: RunFolder = await openRunFolder(dir, {
        flag: opts.out !== undefined ? '--out' : opts.resume !== undefined ? '--resume' : '--out',
        config: recorded,
        force: opts.force,
        // resuming in place: the folder may hold only its checkpoint
        resuming: !!opts.resume && dir === opts.resume,
      });
      try {
        await runInFolder(folder, dir, { ...opts, resume, inputs, imported, label });
      } finally {
        await folder.release();
      }
    });
}

async function runInFolder(
  _folder: RunFolder,
  dir: string,
  o: {
    resume?: RunCheckpoint;
    inputs: { preset?: string; config?: unknown; set?: Record<string, SetValue> };
    imported?: Awaited<ReturnType<typeof readStateFolder>>;
    label: string;
    importNpy?: string;
    build?: 'simd' | 'scalar';
    threads?: number | 'auto';
    checkpointEvery?: number;
    figure: boolean;
    quiet?: boolean;
  },
): Promise<void> {
  const { resume, inputs, imported, label } = o;
  const writeCheckpoint = async (cp: RunCheckpoint) => {
    await writeFileAtomic(join(dir, CHECKPOINT), encodeCheckpoint(cp), { within: dir });
  };
  // Ctrl-C / SIGTERM: stop at the next chunk of updates and write a checkpoint; a second
  // signal stops at once (every file is written atomically, so nothing is left half-written).
  // The handlers stay until the outputs are written: a signal then lets them finish first.
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) process.exit(SIGNAL_EXIT[sig] ?? 1);
    abort.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const task = taskOf(resume ? resume.config : resolveConfig(inputs));
    const progress = createProgress(label, process.stderr, o.quiet, (row) => task.progressText(row));
    let result: RunResult;
    try {
      result = await runExperiment({
        ...inputs,
        resume,
        imported,
        build: o.build,
        threads: o.threads ?? (o.build === 'scalar' ? 1 : defaultThreads()),
        onProgress: (e) => progress.update(e),
        signal: abort.signal,
        checkpointEvery: resume ? o.checkpointEvery : undefined,
        onCheckpoint: writeCheckpoint,
        digits: loadMnistDigits,
      });
    } catch (e) {
      if (!(e instanceof RunInterrupted)) throw e;
      progress.stop();
      await writeCheckpoint(e.checkpoint);
      const again = `fclab run --resume ${dir}${o.importNpy ? ` --import-npy ${o.importNpy}` : ''}`;
      console.error(
        `fclab: interrupted (${String(e.reason)}) at iteration ${e.checkpoint.snapshot.iteration} of ${e.checkpoint.config.train.iterations}; ` +
          `checkpoint written to ${join(dir, CHECKPOINT)}; continue with: ${again}`,
      );
      process.exitCode = SIGNAL_EXIT[String(e.reason)] ?? 1;
      return;
    } finally {
      progress.stop();
    }
    try {
      await writeRunOutputs(dir, result, { figure: o.figure });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      // a full disk, a folder made read-only or removed during the run: say so, without a stack
      if (err.code || err.name === 'PathEscapeError')
        throw new OutputError(`cannot write the outputs to ${dir} (${err.code ?? ''}${err.code ? ': ' : ''}${err.message}); the folder has no manifest.json, so it is not complete`);
      throw e;
    }
    console.log(summaryLine(result, dir));
    if (abort.signal.aborted) {
      const sig = String(abort.signal.reason);
      console.error(`fclab: ${sig} received while writing the outputs; they were completed first (${dir})`);
      process.exitCode = SIGNAL_EXIT[sig] ?? 1;
      return;
    }
    const d = result.summary.diverged;
    if (d) {
      console.error(
        `fclab: ${d.message}. The run stopped there; its metrics, weights and summary (marked "diverged") are in ${dir}. ` +
          'A smaller train.lr usually helps.',
      );
      process.exitCode = EXIT_DIVERGED;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Writing the outputs failed (disk full, folder gone): printed without a stack, exit 1. */
class OutputError extends Error {
  override name = 'OutputError';
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof InputError) {
      console.error(`fclab: error: ${e.message}`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    if (e instanceof OutputError) {
      console.error(`fclab: error: ${e.message}`);
      process.exitCode = 1;
      return;
    }
    if (e instanceof DivergedError) {
      console.error(`fclab: error: ${e.message}`);
      process.exitCode = EXIT_DIVERGED;
      return;
    }
    if (e instanceof CommanderError) {
      // commander has printed its message (and help); --help and --version end with 0
      process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    throw e;
  }
}
