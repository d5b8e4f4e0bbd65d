// The fclab command as a user runs it (the compiled bin, in a child process).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { fclab, BIN } from './helpers/cli.js';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '../src/node/npy.js';
import { METRIC_COLUMNS } from '../src/tasks/toy/metrics.js';

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
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^toy-default\s+\S/);
    expect(lines[1]).toMatch(/^toy-theory\s+\S/);
    expect(lines[2]).toMatch(/^mnist-padded\s+\S/);
    expect(lines[3]).toMatch(/^distill-toy\s+\S/);
    expect(lines[4]).toMatch(/^distill-linear\s+\S/);
    expect(lines[5]).toMatch(/^theorem\s+\S/);
  });

  it('lists the config keys with their values', async () => {
    const r = await fclab('keys', '--preset', 'toy-theory');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/train\.optimizer\s+"sgd"/);
    expect(r.stdout).toMatch(/model\.freezeOutput\s+true/);
    expect(r.stdout).toMatch(/engine\.factorInput\s+"auto"/);
    expect(r.stdout).not.toMatch(/^(mnist|distill)\./m);
  });

  it("lists only the preset's kind's keys, and refuses another kind's", async () => {
    const keysOf = (stdout: string) => stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]);
    const m = await fclab('keys', '--preset', 'mnist-padded');
    expect(m.code).toBe(0);
    const mk = keysOf(m.stdout);
    expect(mk).toEqual(expect.arrayContaining(['seed', 'data.n', 'mnist.task', 'mnist.borderWidth', 'model.hidden', 'train.loss']));
    for (const k of ['data.core', 'data.coreDim', 'data.bgDim', 'data.inputDim', 'data.bgMean', 'train.online', 'engine.factorInput', 'engine.featureCoords', 'distill.testN'])
      expect(mk, k).not.toContain(k);
    expect(m.stdout).toMatch(/train\.loss\s+"softmax"/);
    const d = await fclab('keys', '--preset', 'distill-toy');
    expect(d.code).toBe(0);
    const dk = keysOf(d.stdout);
    expect(dk).toEqual(expect.arrayContaining(['data.core', 'distill.teacherWidth', 'train.lr']));
    for (const k of ['train.loss', 'train.online', 'model.freezeOutput', 'engine.factorInput', 'mnist.task']) expect(dk, k).not.toContain(k);

    const out = join(tmp, 'wrong-kind');
    const r = await fclab('run', '--preset', 'mnist-padded', '--set', 'data.core=uniform', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--set data\.core: key "data\.core" does not apply to preset "mnist-padded" \(a mnist run\); it belongs to toy-default, toy-theory, distill-toy/);
    await expect(stat(out)).rejects.toThrow();
  });
});

describe('fclab run', () => {
  it('writes every output of a run folder (docs/guide.md)', async () => {
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

  it("a run's config.json reproduces it with --config alone (its preset, not the default one)", async () => {
    const first = join(tmp, 'theory-a');
    let r = await fclab('run', '--preset', 'toy-theory', '--set', 'train.iterations=20', '--set', 'train.evalEvery=10', '--set', 'data.n=40', '--out', first, '--no-figure', '-q');
    expect(r.code, r.stderr).toBe(0);
    const again = join(tmp, 'theory-b');
    r = await fclab('run', '--config', join(first, 'config.json'), '--out', again, '--no-figure', '-q');
    expect(r.code, r.stderr).toBe(0);
    const hash = async (d: string) => (JSON.parse(await readFile(join(d, 'summary.json'), 'utf8')) as { hash: string }).hash;
    expect(await hash(again)).toBe(await hash(first));
    expect(await readFile(join(again, 'config.json'), 'utf8')).toBe(await readFile(join(first, 'config.json'), 'utf8'));
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

/** Every file of a run folder parses completely (JSON, CSV rows, .npy, PNG, SVG, HTML, checkpoint). */
async function checkComplete(dir: string): Promise<string[]> {
  const { decodeCheckpoint } = await import('../src/run/checkpoint.js');
  const { parseNpy } = await import('../src/io/npy.js');
  const seen: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        await walk(p);
        continue;
      }
      if (e.name.endsWith('.tmp')) continue; // a temp name is never an output (renamed when complete)
      if (e.name === '.fclab.lock') continue; // a killed process's lock: stale, taken over by the next run
      seen.push(e.name);
      const bytes = new Uint8Array(await readFile(p));
      const text = () => new TextDecoder().decode(bytes);
      if (e.name.endsWith('.json')) JSON.parse(text());
      else if (e.name.endsWith('.npy')) parseNpy(bytes, p);
      else if (e.name === 'checkpoint.fclab') decodeCheckpoint(bytes, p);
      else if (e.name.endsWith('.csv')) {
        const lines = text().split('\n');
        expect(lines.pop(), p).toBe(''); // ends with a newline
        for (const l of lines) expect(l.split(',').length, p).toBe(METRIC_COLUMNS.length);
      } else if (e.name.endsWith('.svg')) expect(text().trimEnd(), p).toMatch(/<\/svg>$/);
      else if (e.name.endsWith('.html')) expect(text().trimEnd(), p).toMatch(/<\/html>$/);
      else if (e.name.endsWith('.png')) expect(new TextDecoder('latin1').decode(bytes.subarray(-8, -4)), p).toBe('IEND');
      else throw new Error(`unexpected file ${p}`);
    }
  };
  await walk(dir);
  return seen;
}

describe('when things go wrong', () => {
  it('a diverged run: exit 3, the message names iteration and tensors, outputs kept and complete', async () => {
    const out = join(tmp, 'diverged');
    const r = await fclab('run', '--preset', 'toy-theory', '--set', 'data.n=50', '--set', 'model.hidden=16', '--set', 'train.iterations=200',
      '--set', 'train.evalEvery=10', '--set', 'train.loss=mse', '--set', 'train.lr=1000', '--out', out, '-q');
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^fclab: training diverged at iteration 40: fc0\.weight \(4096 of 4096 values, first NaN\), fc0\.bias/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
    expect(r.stdout).toMatch(/DIVERGED at iteration 40/);
    await checkComplete(out);
    const s = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(s.diverged.iteration).toBe(40);
    expect(s.iterations).toBe(40);
    expect(s.final.bgProj).toBeNull(); // NaN in JSON
    expect(s.hash).toMatch(/^[0-9a-f]{64}$/);
    const csv = (await readFile(join(out, 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['0', '10', '20', '30', '40']);
    expect(csv[5]).toMatch(/NaN/);
  });

  it('usage errors exit 2: unknown option, malformed JSON with line and column, a transposed .npy', async () => {
    let r = await fclab('run', '--bogus');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
    const cfg = join(tmp, 'broken.json');
    await writeFile(cfg, '{\n  "train": {\n    "iterations": 20,\n  }\n}\n');
    r = await fclab('run', '--config', cfg, '--out', join(tmp, 'never2'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.json: not valid JSON at line 4, column 3: expected a property name in double quotes\n {4}\}\n {4}\^/);
    await expect(stat(join(tmp, 'never2'))).rejects.toThrow();
    // a reference folder whose transform is stored transposed (the right count, the wrong shape)
    const { encodeNpy } = await import('../src/io/npy.js');
    const dir = join(tmp, 'transposed');
    await mkdir(dir);
    for (const f of await readdir(join(FIX, 'toy-theory'))) if (f.endsWith('.npy')) await writeFile(join(dir, f), await readFile(join(FIX, 'toy-theory', f)));
    await writeFile(join(dir, 'transform.npy'), encodeNpy(new Float32Array(64 * 256), [256, 64]));
    r = await fclab('run', '--preset', 'toy-theory', '--import-npy', dir, '--set', 'train.iterations=1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/transposed\/transform\.npy has shape \(256, 64\); expected \(64, 256\) \(data\.n = 1000, data\.coreDim \+ data\.bgDim = 64, data\.inputDim = 256\)/);
    await writeFile(join(dir, 'transform.npy'), 'not numpy');
    r = await fclab('run', '--preset', 'toy-theory', '--import-npy', dir, '--set', 'train.iterations=1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/transposed\/transform\.npy: not a \.npy file: expected magic/);
    r = await fclab('run', '--set', 'data.n=1000000', '--set', 'data.inputDim=4096');
    expect(r.code).toBe(2);
    // data, activations and the ID test set (data.testN = data.n)
    expect(r.stderr).toMatch(/this config needs 34\.7 GiB of WebAssembly memory/);
  });

  it('SIGTERM writes a checkpoint and exits 143; --resume ends with the uninterrupted hash', async () => {
    const { spawn } = await import('node:child_process');
    const args = ['--set', 'data.n=200', '--set', 'model.hidden=64', '--set', 'train.iterations=3000', '--set', 'train.evalEvery=500', '--no-figure'];
    const full = join(tmp, 'term-full');
    expect((await fclab('run', ...args, '-q', '--out', full)).code).toBe(0);
    const cut = join(tmp, 'term-cut');
    const child = spawn(process.execPath, [BIN, 'run', ...args, '--out', cut], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    // the first progress line after the start means training is under way
    await new Promise<void>((res) => child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/it [1-9]\d*\/3000/.test(stderr)) res();
    }));
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stderr).toMatch(/fclab: interrupted \(SIGTERM\) at iteration \d+ of 3000; checkpoint written to .*checkpoint\.fclab; continue with: fclab run --resume /);
    // config.json is recorded before training: the folder says whose run it is
    expect((await readdir(cut)).sort()).toEqual(['checkpoint.fclab', 'config.json']);
    const r = await fclab('run', '--resume', cut, '--no-figure', '-q');
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(await readFile(join(full, 'summary.json'), 'utf8'));
    const b = JSON.parse(await readFile(join(cut, 'summary.json'), 'utf8'));
    expect(b.hash).toBe(a.hash);
  });

  it('kill -9 at any moment leaves no truncated file (during training and at 6 points of the writing)', async () => {
    const { spawn } = await import('node:child_process');
    const args = ['--set', 'data.n=200', '--set', 'model.hidden=64', '--set', 'train.iterations=400', '--set', 'train.evalEvery=20', '--set', 'train.checkpointEvery=40', '--threads', '1'];
    const ref = join(tmp, 'kill-ref');
    expect((await fclab('run', ...args, '-q', '--out', ref)).code).toBe(0);
    const refHash = JSON.parse(await readFile(join(ref, 'summary.json'), 'utf8')).hash;
    const outputs = async (dir: string) => (await readdir(dir).catch((): string[] => [])).filter((f) => !f.endsWith('.tmp') && !f.startsWith('.'));
    const seen = new Set<string>();
    const landed: number[] = [];
    // kill as soon as the folder holds at least this many entries: 2 = config.json (recorded at the
    // start) and a checkpoint during training; then metrics.csv, weights/, neuron traces, figure,
    // report, summary, manifest
    for (const [i, atLeast] of [2, 3, 5, 7, 9, 11, 12].entries()) {
      const dir = join(tmp, `kill-${i}`);
      const child = spawn(process.execPath, [BIN, 'run', ...args, '-q', '--out', dir], { stdio: 'ignore' });
      let exited = false;
      const done = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, signal) => ((exited = true), res(signal))));
      while (!exited && (await outputs(dir)).length < atLeast) await new Promise((r) => setTimeout(r, 1));
      child.kill('SIGKILL');
      const signal = await done;
      const files = await checkComplete(dir);
      // a kill that came too late (the run had finished) tests nothing: it must have left a complete run
      if (signal === 'SIGKILL') landed.push(atLeast);
      else expect(files, `kill at ${atLeast} entries came after the run ended`).toContain('summary.json');
      files.forEach((x) => seen.add(x));
      // whatever was left continues to the uninterrupted hash
      if (!files.includes('summary.json')) {
        expect(files).toContain('checkpoint.fclab');
        const r = await fclab('run', '--resume', dir, '-q', '--no-figure');
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')).hash).toBe(refHash);
      }
    }
    // the kills landed both in training and in the writing of the outputs (the ones during
    // training always do: the run waits for its 400 updates)
    expect(landed).toContain(2);
    expect(landed).toContain(3);
    expect(landed.length, `kills that landed: ${landed.join(', ')}`).toBeGreaterThanOrEqual(4);
    for (const f of ['checkpoint.fclab', 'config.json', 'metrics.csv', 'fc0.weight.npy']) expect(seen).toContain(f);
  });
});
