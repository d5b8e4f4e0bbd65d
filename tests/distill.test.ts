// Representation distillation (the paper's Section 3): with the default settings, across seeds, a
// student MLP fitted to a robust teacher's representation matches the teacher in distribution but
// not out of distribution; a linear student keeps its (chance-level) accuracy OOD. Plus the teacher's
// construction, determinism, role streams, the CLI and a sweep over the student's width.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fclab } from './helpers/cli.js';
import { roleSeed, type DistillSummaryFields } from '../src/tasks/distill/trainer.js';
import { runSweep } from '../src/node/sweep.js';
import { planRun, runExperiment, RunInterrupted, type RunOptions, type RunResult, type Summary } from '../src/run/loop.js';
import { decodeCheckpoint, encodeCheckpoint } from '../src/run/checkpoint.js';
import { DISTILL_COLUMNS } from '../src/tasks/distill/metrics.js';
import { ConfigError } from '../src/config/resolve.js';

const SEEDS = [2024, 2025, 2026];
// a small setting for everything that is not the claim: about a second per run
const small = {
  'data.n': 200,
  'model.hidden': 32,
  'train.iterations': 60,
  'train.evalEvery': 30,
  'distill.testN': 200,
  'distill.probeIterations': 200,
};

/** A distillation run's result: the common summary plus the teacher's and the students' numbers. */
type DistillResult = RunResult & { summary: Summary & DistillSummaryFields };
/** Distillation is a run of preset distill-toy through the one run loop. */
const runDistill = async (o: RunOptions = {}): Promise<DistillResult> => (await runExperiment({ preset: 'distill-toy', ...o })) as DistillResult;

let tmp: string;
let runs: DistillResult[];
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fclab-distill-'));
  runs = [];
  for (const seed of SEEDS) runs.push(await runDistill({ set: { seed }, threads: 2 }));
  // a safety net, not a speed check: three default runs took 300 s on this 2-core machine under load 17
}, 900_000);
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('distillation claim (distill-toy defaults, 3 seeds)', () => {
  it("the teacher's OOD accuracy equals its ID accuracy (it never sees the background)", () => {
    for (const r of runs) {
      expect(r.summary.teacher.oodAcc).toBe(r.summary.teacher.idAcc);
      expect(r.summary.teacher.idAcc).toBeGreaterThan(0.9);
    }
  });

  it("the student matches the teacher in distribution but not out of it", () => {
    for (const { summary: s } of runs) {
      const at = `seed ${s.seed}: ${JSON.stringify({ teacher: s.teacher, student: s.student })}`;
      expect(s.student.idAcc, at).toBeGreaterThanOrEqual(s.teacher.idAcc - 0.05);
      expect(s.student.oodAcc, at).toBeLessThan(s.student.idAcc - 0.25);
      expect(s.student.fitOod, at).toBeGreaterThan(5 * s.student.fitId);
      // its first layer learned the background (it starts near 0.20 under PyTorch's init)
      expect(s.student.bgProj, at).toBeGreaterThan(s.initial.bgProj);
    }
  });

  it('the linear student keeps its accuracy OOD and unlearns the background', () => {
    for (const { summary: s } of runs) {
      const l = s.linearStudent;
      const at = `seed ${s.seed}: ${JSON.stringify(l)}`;
      expect(Math.abs(l.oodAcc - l.idAcc), at).toBeLessThan(0.05);
      expect(l.bgProj, at).toBeLessThan(s.initial.linBgProj / 2);
      expect(l.bgProj, at).toBeLessThan(s.student.bgProj / 3);
      // its fit degrades far less OOD than the MLP's
      expect(l.fitOod / l.fitId, at).toBeLessThan((s.student.fitOod / s.student.fitId) / 5);
    }
  });

  it('logs every column at every evaluation', () => {
    const r = runs[0];
    expect(r.metrics.map((m) => m.iteration)).toEqual([0, 100, 200, 300, 400, 500, 600]);
    for (const m of r.metrics) for (const c of DISTILL_COLUMNS) expect(Number.isFinite(m[c]), c).toBe(true);
    expect(r.summary.final).toEqual(r.metrics[r.metrics.length - 1]);
  });
});

describe('determinism and streams', () => {
  it('same config, same hash (1 and 2 threads); another seed, another hash', async () => {
    const a = await runDistill({ set: small, threads: 1 });
    const b = await runDistill({ set: small, threads: 2 });
    expect(b.summary.hash).toBe(a.summary.hash);
    expect(b.metrics).toEqual(a.metrics);
    const c = await runDistill({ set: { ...small, seed: 7 } });
    expect(c.summary.hash).not.toBe(a.summary.hash);
  });

  it('changing the student changes neither the data nor the teacher nor its probe', async () => {
    const a = await runDistill({ set: small });
    const b = await runDistill({ set: { ...small, 'model.hidden': 48, 'model.activation': 'gelu', 'train.lr': 1e-2 } });
    const teacher = (r: DistillResult) => r.parameters.filter((p) => p.name.startsWith('teacher.') || p.name.startsWith('probe.teacher.'));
    expect(teacher(b)).toEqual(teacher(a));
    expect(b.summary.teacher).toEqual(a.summary.teacher);
    // the linear student does not depend on the MLP's settings other than train.*
    expect(b.summary.student).not.toEqual(a.summary.student);
  });

  it('derives a distinct seed per role', () => {
    const roles = ['teacher', 'student', 'linear-student', 'probe'].map((r) => roleSeed(2024, r));
    expect(new Set(roles).size).toBe(4);
    for (const s of roles) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
    expect(roleSeed(2025, 'student')).not.toBe(roleSeed(2024, 'student'));
  });

  it('refuses keys of other kinds, with the key and the preset named', async () => {
    // a distill config has no train.loss (always MSE to the teacher), no model.freezeOutput, no engine section
    await expect(runDistill({ set: { 'train.loss': 'logistic' } })).rejects.toThrow(/key "train\.loss" does not apply to preset "distill-toy" \(a distill run\)/);
    await expect(runDistill({ set: { 'model.freezeOutput': true } })).rejects.toThrow(/key "model\.freezeOutput" does not apply to preset "distill-toy"/);
    await expect(runDistill({ set: { 'engine.factorInput': false } })).rejects.toThrow(/key "engine\.factorInput" does not apply/);
    await expect(runExperiment({ preset: 'toy-default', set: { 'distill.testN': 10 } })).rejects.toThrow(ConfigError);
    await expect(runExperiment({ preset: 'toy-default', set: { 'distill.testN': 10 } })).rejects.toThrow(/does not apply to preset "toy-default" \(a toy run\); it belongs to distill-toy/);
    // distillation draws its own held-out set: no imported state
    expect(() => planRun({ preset: 'distill-toy' }, { imported: true })).toThrow(/--import-npy is not valid with preset "distill-toy" \(a distill run\)/);
  });
});

describe('the one run loop drives distillation', () => {
  it('summary: task distill and the teacher/student/linearStudent fields', async () => {
    const a = await runDistill({ set: small });
    expect(a.summary.task).toBe('distill');
    expect(a.config.task).toBe('distill');
    expect(a.summary.config).toEqual(a.config);
    expect(a.summary.iterations).toBe(60);
    expect(a.metrics.map((m) => m.iteration)).toEqual([0, 30, 60]);
    for (const k of ['trainAcc', 'idAcc', 'oodAcc'] as const) expect(a.summary.teacher[k], k).toBeGreaterThanOrEqual(0);
    for (const side of ['student', 'linearStudent'] as const)
      for (const k of ['idAcc', 'oodAcc', 'fitTrain', 'fitId', 'fitOod', 'coreProj', 'bgProj'] as const) expect(Number.isFinite(a.summary[side][k]), `${side}.${k}`).toBe(true);
    // the students' final numbers are those of the last evaluation
    expect(a.summary.student.fitId).toBe(a.summary.final.fitId);
    expect(a.summary.linearStudent.fitOod).toBe(a.summary.final.linFitOod);
  });

  it('checkpoints and an AbortSignal: a resumed distillation run has the uninterrupted hash', async () => {
    const whole = await runDistill({ set: small });
    const saved: Uint8Array[] = [];
    const withCp = await runDistill({ set: small, checkpointEvery: 20, onCheckpoint: (cp) => void saved.push(encodeCheckpoint(cp)) });
    expect(withCp.summary.hash).toBe(whole.summary.hash);
    expect(saved.map((b) => decodeCheckpoint(b).snapshot.iteration)).toEqual([20, 40]);
    for (const b of saved) {
      const cp = decodeCheckpoint(b);
      expect(cp.config.task).toBe('distill');
      const resumed = (await runExperiment({ resume: cp })) as DistillResult;
      expect(resumed.summary.hash).toBe(whole.summary.hash);
      expect(resumed.metrics).toEqual(whole.metrics);
      expect(resumed.summary.student).toEqual(whole.summary.student);
      expect(resumed.summary.linearStudent).toEqual(whole.summary.linearStudent);
      expect(resumed.summary.teacher).toEqual(whole.summary.teacher);
    }
    // a signal aborted at the first progress event after iteration 0 stops it with a checkpoint
    const ac = new AbortController();
    const stopped = await runDistill({
      set: small,
      signal: ac.signal,
      onProgress: (e) => {
        if (e.iteration > 0) ac.abort(new Error('stop'));
      },
    }).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(RunInterrupted);
    const cp = (stopped as RunInterrupted).checkpoint;
    expect(cp.snapshot.iteration).toBeGreaterThan(0);
    expect(cp.snapshot.iteration).toBeLessThan(60);
    const resumed = await runExperiment({ resume: decodeCheckpoint(encodeCheckpoint(cp)), threads: 2 });
    expect(resumed.summary.hash).toBe(whole.summary.hash);
  });
});

describe('fclab distill and sweeps', () => {
  it('fclab distill writes its outputs; bad input exits 2, a diverged student exits 3, and neither writes anything', async () => {
    const out = join(tmp, 'cli');
    const r = await fclab('distill', '--out', out, '-q', '--threads', '1', ...Object.entries(small).flatMap(([k, v]) => ['--set', `${k}=${v}`]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/teacher ID [\d.]+ OOD [\d.]+ \| student ID/);
    for (const f of ['config.json', 'metrics.csv', 'summary.json', 'distill.svg', 'distill.png', 'report.html', 'weights/student.fc0.weight.npy'])
      expect(existsSync(join(out, f)), f).toBe(true);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    for (const k of ['idAcc', 'oodAcc']) expect(typeof summary.teacher[k]).toBe('number');
    for (const side of ['student', 'linearStudent']) for (const k of ['idAcc', 'oodAcc', 'fitId', 'fitOod', 'bgProj']) expect(typeof summary[side][k]).toBe('number');
    expect(summary.hash).toMatch(/^[0-9a-f]{64}$/);
    const csv = (await readFile(join(out, 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe(DISTILL_COLUMNS.join(','));
    expect(csv).toHaveLength(4);

    const bad = join(tmp, 'bad');
    const e = await fclab('distill', '--out', bad, '--set', 'distill.teacherWidth=0');
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/distill\.teacherWidth = 0 is not valid/);
    expect(existsSync(bad)).toBe(false);

    // a malformed --config names line and column, like fclab run
    const cfg = join(tmp, 'broken.json');
    await writeFile(cfg, '{\n  "train": {"lr": 0.1,}\n}\n');
    const j = await fclab('distill', '--out', bad, '--config', cfg);
    expect(j.code).toBe(2);
    expect(j.stderr).toMatch(/broken\.json: not valid JSON at line 2, column 23/);
    expect(existsSync(bad)).toBe(false);

    // a student that diverges stops the run: exit 3, the message says so, and nothing is written
    // but config.json (recorded at the start, so that the folder says whose run it is)
    const nan = join(tmp, 'nan');
    const d = await fclab('distill', '--out', nan, '-q', ...Object.entries(small).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
      '--set', 'train.optimizer=sgd', '--set', 'train.lr=1000');
    expect(d.code, d.stderr).toBe(3);
    expect(d.stderr).toMatch(/^fclab: error: .* is not finite \(the student diverged\)/);
    expect((await readdir(nan)).filter((f) => !f.startsWith('.'))).toEqual(['config.json']);
  });

  it('a sweep over the student width aggregates distillation runs and reuses them', async () => {
    const out = join(tmp, 'sweep');
    const { 'model.hidden': _, ...rest } = small;
    const spec = { preset: 'distill-toy', set: rest, grid: [['model.hidden', [16, 32]]] as [string, number[]][], seeds: 2 };
    const o = await runSweep(spec, { out, workers: 2, figure: false });
    expect(o.doc.cells.map((c) => c.id)).toEqual(['model.hidden=16', 'model.hidden=32']);
    for (const c of o.doc.cells) {
      expect(c.n).toBe(2);
      for (const m of ['idAcc', 'oodAcc', 'fitId', 'fitOod', 'fitRatio', 'linIdAcc', 'bgGrowth']) expect(c.final[m].n, m).toBe(2);
      expect(c.final.fitRatio.mean).toBeGreaterThan(1);
    }
    const header = (await readFile(join(out, 'sweep.csv'), 'utf8')).split('\n')[0];
    expect(header).toContain('idAcc_mean');
    expect(header).toContain('fitRatio_ci95_lo');
    expect(header).not.toContain('trainLoss');
    expect((await readdir(join(out, 'runs'))).length).toBe(2);
    const again = await runSweep(spec, { out, workers: 1, figure: false });
    expect(again.runs.every((r) => r.reused)).toBe(true);
    expect(again.runs.map((r) => r.summary.hash)).toEqual(o.runs.map((r) => r.summary.hash));
  });
});
