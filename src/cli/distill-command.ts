// fclab distill: one representation-distillation run (the paper's Section 3), a thin shell over
// runDistill. Registered by main.ts; bad input is a ConfigError (`fclab: error: ...`, exit 2).
import type { Command } from 'commander';
import { Option } from 'commander';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { readJsonFile } from './config-file.js';
import { ConfigError, parseSetArg, type SetValue } from '../config/resolve.js';
import { PRESETS } from '../config/presets.js';
import { resolveDistillConfig, runDistill, type DistillResult } from '../tasks/distill/trainer.js';
import { writeDistillOutputs } from '../node/outputs-distill.js';
import { createProgress } from './progress.js';

const collect = (v: string, prev: string[]) => [...prev, v];


function threadsArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new ConfigError(`--threads ${JSON.stringify(v)} is not valid: expected an integer in [1, 64]`);
  return n;
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

const f = (v: number) => String(Number(v.toPrecision(3)));

/** The line printed at the end: teacher, student and linear student, ID and OOD. */
export function distillSummaryLine(r: DistillResult, dir: string): string {
  const s = r.summary;
  const side = (name: string, v: typeof s.student) =>
    `${name} ID ${f(v.idAcc)} OOD ${f(v.oodAcc)} fit ${f(v.fitId)} -> ${f(v.fitOod)} (x${f(v.fitOod / v.fitId)}) bgProj ${f(v.bgProj)}`;
  return (
    `${s.preset} seed ${s.seed}: teacher ID ${f(s.teacher.idAcc)} OOD ${f(s.teacher.oodAcc)} | ${side('student', s.student)} | ` +
    `${side('linear', s.linearStudent)} | ${s.timing.wallSeconds.toFixed(1)} s | hash ${s.hash.slice(0, 16)} | ${dir}`
  );
}

export function registerDistillCommand(program: Command): void {
  const presets = PRESETS.filter((p) => p.config.experiment === 'distill').map((p) => p.name);
  program
    .command('distill')
    .description("fit a student MLP to a robust teacher's representation (MSE, ID inputs only) and probe both ID and OOD; writes config.json, metrics.csv, summary.json, weights, figure, report.html")
    .option('-p, --preset <name>', `distillation preset (${presets.join(', ')})`, 'distill-toy')
    .option('-c, --config <file>', 'JSON config merged over the preset')
    .option('-s, --set <key=value>', 'override one config key, e.g. model.hidden=512 or distill.teacherWidth=128 (repeatable)', collect, [])
    .option('-o, --out <dir>', 'output folder (default: runs/<preset>-<date>-<time>)')
    .addOption(new Option('--build <build>', 'WASM build (identical results)').choices(['simd', 'scalar']))
    .option('-t, --threads <n>', 'kernel threads per student (results are identical for any count; default: all cores, up to 4)', threadsArg)
    .option('--no-figure', 'skip the SVG/PNG figure and report.html')
    .option('-q, --quiet', 'no progress output')
    .action(async (opts: { preset: string; config?: string; set: string[]; out?: string; build?: 'simd' | 'scalar'; threads?: number; figure: boolean; quiet?: boolean }) => {
      // validate everything before any work or any file is written
      const set: Record<string, SetValue> = {};
      for (const a of opts.set) {
        const [k, v] = parseSetArg(a);
        set[k] = v;
      }
      const inputs = { preset: opts.preset, config: opts.config ? await readJsonFile(opts.config, '--config') : undefined, set };
      const config = resolveDistillConfig(inputs);
      const dir = opts.out ?? join('runs', `${config.preset}-${stamp()}`);
      const progress = createProgress(config.preset, process.stderr, opts.quiet);
      let result: DistillResult;
      try {
        result = await runDistill({
          ...inputs,
          build: opts.build,
          threads: opts.threads ?? (opts.build === 'scalar' ? 1 : Math.max(1, Math.min(4, availableParallelism()))),
          // the bar shows updates; the distillation metrics are in metrics.csv and the summary line
          onProgress: (e) => progress.update({ iteration: e.iteration, total: e.total, elapsedSeconds: e.elapsedSeconds }),
        });
      } finally {
        progress.stop();
      }
      await writeDistillOutputs(dir, result, { figure: opts.figure });
      console.log(distillSummaryLine(result, dir));
    });
}
