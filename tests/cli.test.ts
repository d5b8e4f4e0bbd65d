// The fclab command as a user runs it (the compiled bin, in a child process).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { fclab, BIN } from './helpers/cli.js';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '../src/io/npy-node.js';
import { METRIC_COLUMNS } from '../src/analysis/metrics.js';

const FIX = join(import.meta.dirname, 'fixtures');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fclab-cli-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const quick = ['--set', 'data.n=100', '--set', 'train.iterations=20', '--set', 'train.evalEvery=10'];

describe('fclab presets / keys', () => {
  it('lists each preset on one line', async () => {
    const r = await fclab('presets');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^toy-default\s+\S/);
    expect(lines[1]).toMatch(/^toy-theory\s+\S/);
    expect(lines[2]).toMatch(/^distill-toy\s+\S/);
  });

  it('lists the config keys with their values', async () => {
    const r = await fclab('keys', '--preset', 'toy-theory');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/train\.optimizer\s+"sgd"/);
    expect(r.stdout).toMatch(/model\.freezeOutput\s+true/);
  });
});

describe('fclab run', () => {
  it('writes every output of DESIGN.md §2', async () => {
    const out = join(tmp, 'run1');
    const r = await fclab('run', '--preset', 'toy-theory', ...quick, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    // one summary line on stdout, plain progress lines (not a TTY) on stderr
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/toy-theory \(relu, hinge, sgd\) seed 2024: 20 it/);
    expect(r.stderr).toMatch(/\[100%\] it 20\/20/);

    const files = await readdir(out);
    for (const f of ['config.json', 'metrics.csv', 'summary.json', 'run.svg', 'run.png', 'report.html', 'weights', 'neurons.bgNorm.npy', 'neurons.asymmetry.npy'])
      expect(files).toContain(f);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(config.engine.factorInput).toBe(true); // resolved, no 'auto' left
    expect(config.train.iterations).toBe(20);

    const csv = (await readFile(join(out, 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe(METRIC_COLUMNS.join(','));
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['0', '10', '20']);

    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    for (const k of ['preset', 'config', 'seed', 'iterations', 'initial', 'final', 'hash', 'timing', 'engine']) expect(summary).toHaveProperty(k);
    for (const k of ['trainLoss', 'oodLoss', 'trainAcc', 'oodAcc', 'coreProj', 'bgProj']) {
      expect(typeof summary.initial[k]).toBe('number');
      expect(typeof summary.final[k]).toBe('number');
    }
    expect(summary.final.bgProj).toBe(Number(csv[3].split(',')[METRIC_COLUMNS.indexOf('bgProj')]));
    expect(summary.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.stdout).toContain(summary.hash.slice(0, 12));
    expect(summary.engine.simd).toBe(true);
    expect(summary.engine.threads).toBeGreaterThanOrEqual(1);
    expect(summary.timing.msPerIter).toBeGreaterThan(0);

    const w0 = await readNpy(join(out, 'weights', 'fc0.weight.npy'));
    expect(w0.shape).toEqual([256, 256]);
    expect((await readNpy(join(out, 'weights', 'fc1.weight.npy'))).shape).toEqual([1, 256]);
    expect((await readNpy(join(out, 'neurons.bgNorm.npy'))).shape).toEqual([3, 256]);

    const svg = await readFile(join(out, 'run.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('OOD loss');
    const report = await readFile(join(out, 'report.html'), 'utf8');
    expect(report).toContain(summary.hash);
    expect(report).toContain('<svg');
    expect(report).not.toMatch(/<script|src="https?:/);
    const png = await readFile(join(out, 'run.png'));
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  });

  it('is deterministic from the command line', async () => {
    const a = await fclab('run', ...quick, '--out', join(tmp, 'a'), '--no-figure', '--threads', '2');
    const b = await fclab('run', ...quick, '--out', join(tmp, 'b'), '--no-figure', '--build', 'scalar', '--threads', '1');
    const ha = JSON.parse(await readFile(join(tmp, 'a', 'summary.json'), 'utf8')).hash;
    const hb = JSON.parse(await readFile(join(tmp, 'b', 'summary.json'), 'utf8')).hash;
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(hb).toBe(ha);
    expect(await readFile(join(tmp, 'a', 'metrics.csv'), 'utf8')).toBe(await readFile(join(tmp, 'b', 'metrics.csv'), 'utf8'));
  });

  it('reads a JSON config file', async () => {
    const cfg = join(tmp, 'cfg.json');
    await writeFile(cfg, JSON.stringify({ model: { activation: 'tanh', hidden: 16 }, train: { iterations: 5, evalEvery: 5 }, data: { n: 50 } }));
    const out = join(tmp, 'cfg-run');
    const r = await fclab('run', '--config', cfg, '--set', 'seed=9', '--out', out, '--no-figure', '-q');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const c = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(c).toMatchObject({ seed: 9, model: { activation: 'tanh', hidden: 16 }, train: { iterations: 5 } });
  });

  it('starts from PyTorch state with --import-npy', async () => {
    const out = join(tmp, 'import');
    const r = await fclab('run', '--preset', 'toy-theory', '--import-npy', join(FIX, 'toy-theory'), '--set', 'train.iterations=3', '--set', 'train.evalEvery=1', '--out', out, '--no-figure');
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(FIX, 'toy-theory', 'manifest.json'), 'utf8'));
    const rows = (await readFile(join(out, 'metrics.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    const col = METRIC_COLUMNS.indexOf('trainLoss');
    for (let i = 0; i < 4; i++) expect(rows[i][col]).toBeCloseTo(manifest.trajectory_f64.train_loss[i], 6);
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(config.engine.factorInput).toBe(false);
  });
});

describe('bad input: a clear message, a non-zero exit, nothing lost', () => {
  it('a bad value names the field, the value and what was expected', async () => {
    const r = await fclab('run', '--set', 'model.activation=relux', '--out', join(tmp, 'never'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fclab: error: config: model\.activation = "relux" is not valid: expected one of relu, gelu/);
    await expect(stat(join(tmp, 'never'))).rejects.toThrow();
  });

  it('an existing run folder is left untouched by a failing run', async () => {
    const out = join(tmp, 'keep');
    await mkdir(out);
    await writeFile(join(out, 'summary.json'), '{"keep":true}');
    const r = await fclab('run', '--set', 'train.iterations=-4', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/train\.iterations = -4 is not valid: expected >= 0/);
    expect(await readFile(join(out, 'summary.json'), 'utf8')).toBe('{"keep":true}');
    expect(await readdir(out)).toEqual(['summary.json']);
  });

  it('unknown keys, malformed --set, missing files', async () => {
    let r = await fclab('run', '--set', 'train.iteration=5');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown key "train\.iteration"; did you mean "train\.iterations"\?/);
    r = await fclab('run', '--set', 'train.iterations');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected key=value/);
    r = await fclab('run', '--config', join(tmp, 'missing.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--config .*missing\.json: cannot read \(ENOENT\)/);
    r = await fclab('run', '--import-npy', join(tmp, 'nope'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--import-npy .*nope: not a readable folder/);
    r = await fclab('run', '--preset', 'toy');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/preset = "toy" is not valid: expected one of toy-default, toy-theory/);
  });

  it('imported state that does not fit the config says which file and shape', async () => {
    const r = await fclab('run', '--import-npy', join(FIX, 'toy-default'), '--set', 'model.hidden=64', '--set', 'train.iterations=1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/init\.fc0\.weight\.npy has 65536 values; expected shape \(64, 256\)/);
  });
});

describe('interrupt and resume', () => {
  it('a run killed after a checkpoint and resumed gives the uninterrupted hash', async () => {
    const { spawn } = await import('node:child_process');
    const args = ['--set', 'train.iterations=600', '--set', 'train.evalEvery=100', '--no-figure', '-q'];
    const full = join(tmp, 'uninterrupted');
    expect((await fclab('run', ...args, '--out', full)).code).toBe(0);
    const cut = join(tmp, 'interrupted');
    const child = spawn(process.execPath, [BIN, 'run', ...args, '--out', cut, '--checkpoint-every', '200'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    // kill as soon as the first checkpoint is on disk
    for (let i = 0; i < 600; i++) {
      if ((await readdir(cut).catch((): string[] => [])).includes('checkpoint.fclab')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    expect(await readdir(cut)).toContain('checkpoint.fclab');
    const r = await fclab('run', '--resume', cut, '--no-figure', '-q');
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(await readFile(join(full, 'summary.json'), 'utf8'));
    const b = JSON.parse(await readFile(join(cut, 'summary.json'), 'utf8'));
    expect(b.hash).toBe(a.hash);
    expect(await readFile(join(cut, 'metrics.csv'), 'utf8')).toBe(await readFile(join(full, 'metrics.csv'), 'utf8'));
    const bad = await fclab('run', '--resume', cut, '--set', 'seed=3');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--resume uses the checkpoint's config; remove --set/);
  });
});
