// The fclab command line: a thin shell over the library (src/index.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { VERSION } from '../version.js';
import { PRESETS } from '../config/presets.js';
import { KEY_HELP } from '../config/schema.js';
import { ConfigError, parseSetArg, resolveConfig, type SetValue } from '../config/resolve.js';
import { NpyError } from '../io/npy.js';
import { readStateFolder } from '../io/state-folder.js';
import { runExperiment, type RunResult } from '../experiments/run.js';
import { writeRunOutputs } from '../experiments/outputs-node.js';
import { createProgress } from './progress.js';

/** Errors that are the user's input: printed without a stack, exit code 2. */
export class UsageError extends Error {}

const collect = (v: string, prev: string[]) => [...prev, v];

export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--config ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config ${path}: not valid JSON (${(e as Error).message})`);
  }
}

export function parseSets(args: string[]): Record<string, SetValue> {
  const out: Record<string, SetValue> = {};
  for (const a of args) {
    const [k, v] = parseSetArg(a);
    out[k] = v;
  }
  return out;
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export function summaryLine(r: RunResult, dir: string): string {
  const s = r.summary;
  const f = (v: number) => v.toPrecision(3);
  return (
    `${s.preset} (${s.config.model.activation}, ${s.config.train.loss}, ${s.config.train.optimizer}) seed ${s.seed}: ` +
    `${s.iterations} it in ${s.timing.wallSeconds.toFixed(1)} s (${s.timing.msPerIter.toFixed(2)} ms/it) | ` +
    `train loss ${f(s.initial.trainLoss)} -> ${f(s.final.trainLoss)}, OOD loss ${f(s.initial.oodLoss)} -> ${f(s.final.oodLoss)} | ` +
    `bgProj ${f(s.initial.bgProj)} -> ${f(s.final.bgProj)}, coreProj ${f(s.initial.coreProj)} -> ${f(s.final.coreProj)} | ` +
    `hash ${s.hash.slice(0, 12)} | ${dir}`
  );
}

export function buildProgram(): Command {
  const program = new Command('fclab')
    .description('Feature contamination lab: the ICML 2024 feature-contamination experiments on a deterministic WebAssembly SIMD trainer')
    .version(VERSION)
    .showHelpAfterError();

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
      const c = resolveConfig({ preset: opts.preset }) as unknown as Record<string, Record<string, unknown>>;
      const w = Math.max(...Object.keys(KEY_HELP).map((k) => k.length));
      for (const [k, help] of Object.entries(KEY_HELP)) {
        const [a, b] = k.split('.');
        const v = b ? c[a][b] : c[a];
        console.log(`${k.padEnd(w)}  ${JSON.stringify(v).padEnd(10)}  ${help}`);
      }
    });

  program
    .command('run')
    .description('train one network and write config.json, metrics.csv, summary.json, weights and figures')
    .option('-p, --preset <name>', `preset (${PRESETS.map((p) => p.name).join(', ')})`, 'toy-default')
    .option('-c, --config <file>', 'JSON config merged over the preset')
    .option('-s, --set <key=value>', 'override one config key, e.g. train.iterations=2000 (repeatable)', collect, [])
    .option('-o, --out <dir>', 'output folder (default: runs/<preset>-<date>-<time>)')
    .option('--import-npy <dir>', 'start from a folder of .npy state (data, transform, initial weights), e.g. PyTorch\'s')
    .addOption(new Option('--build <build>', 'WASM build (identical results)').choices(['simd', 'scalar']))
    .option('--no-figure', 'skip the SVG/PNG figure')
    .option('-q, --quiet', 'no progress output')
    .action(async (opts: {
      preset: string;
      config?: string;
      set: string[];
      out?: string;
      importNpy?: string;
      build?: 'simd' | 'scalar';
      figure: boolean;
      quiet?: boolean;
    }) => {
      const set = parseSets(opts.set);
      const config = opts.config ? await readConfigFile(opts.config) : undefined;
      // validate everything before any work or any file is written
      const resolved = resolveConfig({ preset: opts.preset, config, set });
      const imported = opts.importNpy ? await readStateFolder(opts.importNpy) : undefined;
      const dir = opts.out ?? join('runs', `${resolved.preset}-${stamp()}`);
      const progress = createProgress(resolved.preset, process.stderr, opts.quiet);
      let result: RunResult;
      try {
        result = await runExperiment({ preset: opts.preset, config, set, imported, build: opts.build, onProgress: (e) => progress.update(e) });
      } finally {
        progress.stop();
      }
      await writeRunOutputs(dir, result, { figure: opts.figure });
      console.log(summaryLine(result, dir));
    });

  return program;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof NpyError || e instanceof UsageError) {
      console.error(`fclab: error: ${e.message}`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}
