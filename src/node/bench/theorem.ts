// The theorems' scaling study's cost (issue 14 item 5): µs per online step of the `theorem` preset
// (batch 32, steps only, no evaluation), the study's run as it is swept (metrics every 5 steps),
// runs per minute on all cores, and the full and quick plans' projected wall time from the kinds'
// relative cost estimates.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../config/resolve.js';
import { taskOf } from '../../tasks/registry.js';
import { planSweep } from '../../sweep/plan.js';
import { estimateRunCost } from '../../sweep/plan.js';
import { THEOREM_PRESET, theoremCells, theoremSettings } from '../../paper/theorem.js';
import { runPlan } from '../sweep.js';

export interface TheoremBench {
  batch: number;
  /** median over repeats of a block of steps, without evaluations */
  usPerStep: number;
  /** one study run at the preset (the study's evalEvery), swept on all cores */
  run: { iterations: number; evalEvery: number; runs: number; workers: number; wallSeconds: number; runsPerMinute: number; usPerStepWithEval: number };
  /** the plans' projected wall time on these workers: Σ relative cost / the preset run's cost × its measured seconds / workers */
  projected: { full: { runs: number; minutes: number }; quick: { runs: number; minutes: number } };
}

export async function theoremThroughput(quick: boolean, cores: number, log: (s: string) => void): Promise<TheoremBench> {
  const config = resolveConfig({ preset: THEOREM_PRESET });
  const task = taskOf(config);
  const t = await task.createTrainer(config, { threads: 1 });
  const block = quick ? 200 : 1000;
  const times: number[] = [];
  try {
    t.step(50); // warm-up
    for (let i = 0; i < (quick ? 3 : 7); i++) {
      const s = performance.now();
      t.step(block);
      times.push((performance.now() - s) / block);
    }
  } finally {
    t.dispose();
  }
  times.sort((a, b) => a - b);
  const usPerStep = 1000 * times[times.length >> 1];
  log(`theorem preset: ${usPerStep.toFixed(1)} µs per online step (batch ${(config as { train: { batchSize: number } }).train.batchSize})`);

  const study = theoremSettings(false, 1);
  const iterations = quick ? 500 : 2000;
  const seeds = 2 * cores;
  const plan = planSweep({ preset: THEOREM_PRESET, set: { 'train.iterations': iterations, 'train.evalEvery': study.evalEvery }, seeds });
  const out = mkdtempSync(join(tmpdir(), 'fclab-bench-theorem-'));
  let wallSeconds: number;
  let runSeconds = 0;
  try {
    const r = await runPlan(plan, { out, workers: cores, figure: false, reuse: false });
    wallSeconds = r.wallSeconds;
    runSeconds = r.runs.reduce((s, x) => s + x.summary.timing.wallSeconds, 0);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const perRun = runSeconds / seeds;
  const usPerStepWithEval = (1e6 * perRun) / iterations;
  log(`theorem study run (${iterations} steps, metrics every ${study.evalEvery}): ${seeds} runs on ${cores} workers in ${wallSeconds.toFixed(1)} s`);
  const project = (q: boolean) => {
    const s = theoremSettings(q, q ? 3 : 5);
    const p = planSweep({ preset: THEOREM_PRESET, cells: theoremCells(s), seeds: s.seeds });
    const unit = estimateRunCost(plan.runs[0].config);
    const rel = p.runs.reduce((a, x) => a + estimateRunCost(x.config), 0) / unit;
    // the measured run has `iterations` steps; relative costs already include each cell's steps
    return { runs: p.runs.length, minutes: (rel * perRun) / cores / 60 };
  };
  return {
    batch: (config as { train: { batchSize: number } }).train.batchSize,
    usPerStep,
    run: { iterations, evalEvery: study.evalEvery, runs: seeds, workers: cores, wallSeconds, runsPerMinute: (60 * seeds) / wallSeconds, usPerStepWithEval },
    projected: { full: project(false), quick: project(true) },
  };
}
