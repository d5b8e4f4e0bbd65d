// Issue 17, "Nothing lost, nothing mixed up": the hostile user's cases, each as a test. Most drive
// the built CLI (`node bin/fclab.js`, after `npm run build`) as a user would; the checkpoint and
// .npy readers are also attacked directly (thousands of mutations).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile, truncate, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fclab, BIN } from './helpers/cli.js';
import { decodeCheckpoint, encodeCheckpoint, importedDigest, type RunCheckpoint } from '../src/run/checkpoint.js';
import { runExperiment } from '../src/run/loop.js';
import { encodeNpy, parseNpy } from '../src/io/npy.js';
import { configKeys, resolveConfig } from '../src/config/resolve.js';
import { TASK_KINDS } from '../src/config/schema.js';
import { PRESETS } from '../src/config/presets.js';
import { Arena } from '../src/engine/arena.js';
import type { Kernels } from '../src/engine/wasm.js';

const FIX = join(import.meta.dirname, 'fixtures');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fclab-hostile-'));
});
afterAll(async () => {
  await chmod(join(tmp, 'ro'), 0o755).catch(() => {});
  await rm(tmp, { recursive: true, force: true });
});

const SMALL = ['--set', 'data.n=100', '--set', 'model.hidden=16', '--set', 'train.iterations=100', '--set', 'train.evalEvery=50', '-q'];
const small = (...more: string[]) => [...SMALL, ...more];
const json = async (p: string) => JSON.parse(await readFile(p, 'utf8'));
let counter = 0;
const fresh = (name: string) => join(tmp, `${name}-${counter++}`);

/** A dead pid: a process that has exited. */
async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => c.on('exit', r));
  return c.pid!;
}

/** Spawns the CLI, resolving with its exit code and stderr; `timeoutMs` guards a hang (a hang is a failure, not a timing). */
function start(args: string[], timeoutMs = 120_000) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal, stderr, stdout })),
  );
  return { child, done };
}

async function until(cond: () => Promise<boolean>, guard: { done: Promise<unknown> }): Promise<boolean> {
  let exited = false;
  void guard.done.then(() => (exited = true));
  while (!exited) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 2));
  }
  return cond();
}

describe('1. existing folders: one rule', () => {
  it('a folder holding another run is refused (nothing touched); --force clears fclab files only; the same run may be rerun', async () => {
    const R = fresh('other');
    // run A: 3 layers (weights/fc2.*), with a checkpoint and figures
    expect((await fclab('run', ...small('--set', 'model.layers=3', '--set', 'train.checkpointEvery=50', '--out', R))).code).toBe(0);
    await writeFile(join(R, 'notes.txt'), 'mine');
    const before = (await readdir(join(R, 'weights'))).sort();
    expect(before).toContain('fc2.weight.npy');
    const r = await fclab('run', ...small('--set', 'seed=7', '--out', R));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out .* is not empty: it holds another run \(config\.json of preset "toy-default", seed 2024, differs from this run's\)/);
    expect(r.stderr).toMatch(/--force/);
    expect((await readdir(join(R, 'weights'))).sort()).toEqual(before);
    expect((await json(join(R, 'config.json'))).seed).toBe(2024);
    // --force: A's files go (fc2, checkpoint, figures), the user's file stays
    const f = await fclab('run', ...small('--set', 'seed=7', '--out', R, '--force', '--no-figure'));
    expect(f.code, f.stderr).toBe(0);
    const files = (await readdir(R)).sort();
    expect(files).toContain('notes.txt');
    expect(files).not.toContain('checkpoint.fclab');
    expect(files).not.toContain('run.svg');
    expect((await readdir(join(R, 'weights'))).sort()).toEqual(['fc0.bias.npy', 'fc0.weight.npy', 'fc1.bias.npy', 'fc1.weight.npy']);
    expect((await json(join(R, 'summary.json'))).seed).toBe(7);
    // the same run again into its own folder: allowed, same hash
    const h = (await json(join(R, 'summary.json'))).hash;
    expect((await fclab('run', ...small('--set', 'seed=7', '--out', R, '--no-figure'))).code).toBe(0);
    expect((await json(join(R, 'summary.json'))).hash).toBe(h);
  });

  it('an unrelated config.json / summary.json is never overwritten, not even with --force', async () => {
    const R = fresh('unrelated');
    await mkdir(R);
    await writeFile(join(R, 'config.json'), '{"name": "my experiment"}');
    await writeFile(join(R, 'summary.json'), '{"total": 3}');
    let r = await fclab('run', ...small('--out', R));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not empty: it holds 2 file\(s\) that are not this run's \(config\.json, summary\.json\)/);
    r = await fclab('run', ...small('--out', R, '--force'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config\.json is not a file fclab wrote, and this run would replace it; --force deletes fclab's files only/);
    expect(await readFile(join(R, 'config.json'), 'utf8')).toBe('{"name": "my experiment"}');
    expect(await readFile(join(R, 'summary.json'), 'utf8')).toBe('{"total": 3}');
  });

  it('a folder with only other files is refused; --force keeps them', async () => {
    const R = fresh('userfiles');
    await mkdir(R);
    await writeFile(join(R, 'data.bin'), 'x');
    expect((await fclab('run', ...small('--out', R))).code).toBe(2);
    const r = await fclab('run', ...small('--out', R, '--force', '--no-figure'));
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(R, 'data.bin'), 'utf8')).toBe('x');
  });

  it("--resume never resumes a checkpoint that is not the folder's run", async () => {
    const A = fresh('resume-a');
    const B = fresh('resume-b');
    const args = ['--set', 'data.n=100', '--set', 'model.hidden=16', '--set', 'train.iterations=400', '--set', 'train.evalEvery=50', '--set', 'train.checkpointEvery=100', '-q', '--no-figure'];
    expect((await fclab('run', ...args, '--out', A)).code).toBe(0);
    expect((await fclab('run', ...args, '--set', 'seed=9', '--out', B)).code).toBe(0);
    // B's folder with A's checkpoint (the old failure: resumed A with exit 0)
    await cp(join(A, 'checkpoint.fclab'), join(B, 'checkpoint.fclab'));
    const r = await fclab('run', '--resume', B, '-q', '--no-figure');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/checkpoint\.fclab is not this folder's run \(its config differs from .*config\.json\)/);
    expect((await json(join(B, 'summary.json'))).seed).toBe(9);
  });
});

/** A small run's checkpoint (toy, 3 evaluations, checkpoint at 4 of 6). */
async function smallCheckpoint(set: Record<string, number | string> = {}): Promise<{ bytes: Uint8Array; cp: RunCheckpoint }> {
  let bytes: Uint8Array | undefined;
  let cp: RunCheckpoint | undefined;
  await runExperiment({
    set: { 'data.n': 20, 'model.hidden': 8, 'train.iterations': 6, 'train.evalEvery': 2, 'train.checkpointEvery': 4, ...set },
    onCheckpoint: (c) => void ((cp = c), (bytes = encodeCheckpoint(c))),
  });
  return { bytes: bytes!, cp: cp! };
}

describe('2. checkpoint integrity', () => {
  it('every single-bit flip anywhere in the file is refused (2400 flips: header, weights, traces, checksum)', async () => {
    const { bytes } = await smallCheckpoint();
    expect(() => decodeCheckpoint(bytes)).not.toThrow();
    const headerEnd = 12 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
    let refused = 0;
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let k = 0; k < 2400; k++) {
      const b = bytes.slice();
      // half the flips in the data section (weights, optimizer state, traces), the rest anywhere
      const at = k % 2 ? headerEnd + Math.floor(rand() * (b.length - headerEnd)) : Math.floor(rand() * b.length);
      b[at] ^= 1 << Math.floor(rand() * 8);
      try {
        decodeCheckpoint(b, 'cp');
      } catch (e) {
        expect((e as Error).message).toMatch(/^cp: not a valid fclab checkpoint \(/);
        refused++;
      }
    }
    expect(refused).toBe(2400);
  });

  it('edited header values (data.n, lr, seed, iteration, ...) are refused: 30 of 30', async () => {
    const { bytes } = await smallCheckpoint();
    const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
    const header = new TextDecoder().decode(bytes.subarray(12, 12 + len));
    const edits: Array<[RegExp, string]> = [];
    for (const [k, v] of [['"n":20', '"n":22'], ['"lr":0.001', '"lr":0.002'], ['"seed":2024', '"seed":2025'], ['"iteration":4', '"iteration":5'], ['"hidden":8', '"hidden":9'], ['"trainMs":', '"trainMs":1']])
      for (const suffix of ['', ' ', '  ', '   ', '    ']) edits.push([new RegExp(k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), v + suffix]);
    let refused = 0;
    for (const [re, to] of edits) {
      const h2 = header.replace(re, to);
      expect(h2).not.toBe(header);
      const hb = new TextEncoder().encode(h2);
      const out = new Uint8Array(bytes.length - len + hb.length);
      out.set(bytes.subarray(0, 12));
      new DataView(out.buffer).setUint32(8, hb.length, true);
      out.set(hb, 12);
      out.set(bytes.subarray(12 + len), 12 + hb.length);
      try {
        decodeCheckpoint(out, 'cp');
      } catch {
        refused++;
      }
    }
    expect(refused).toBe(30);
  });

  it('a forged (checksum-valid) header: iteration 5000 of 600 is refused; format 1 is refused with a reason', async () => {
    const { cp } = await smallCheckpoint();
    const forged = encodeCheckpoint({ ...cp, snapshot: { ...cp.snapshot, iteration: 5000 } });
    expect(() => decodeCheckpoint(forged, 'cp')).toThrow(/iteration 5000 is beyond the run's train\.iterations = 6/);
    const old = encodeCheckpoint(cp);
    old.set(new TextEncoder().encode('FCLABCK1'), 0);
    expect(() => decodeCheckpoint(old, 'cp')).toThrow(/not a valid fclab checkpoint \(format 1, written by an older fclab without a checksum: its integrity cannot be verified/);
  });

  it('CLI: a flipped bit in the weights, a forged config, a size mismatch: exit 2 with a clear message', async () => {
    const R = fresh('cp');
    const args = ['--set', 'data.n=100', '--set', 'model.hidden=16', '--set', 'train.iterations=400', '--set', 'train.evalEvery=50', '--set', 'train.checkpointEvery=100', '--no-figure', '-q'];
    expect((await fclab('run', ...args, '--out', R)).code).toBe(0);
    const good = new Uint8Array(await readFile(join(R, 'checkpoint.fclab')));
    const flipped = good.slice();
    flipped[good.length - 1000] ^= 4;
    await writeFile(join(R, 'checkpoint.fclab'), flipped);
    let r = await fclab('run', '--resume', R, '-q', '--no-figure');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a valid fclab checkpoint \(checksum mismatch: the file is damaged or was edited\)/);
    // a checksum-valid checkpoint of another config (lr) in this folder
    const cp = decodeCheckpoint(good);
    await writeFile(join(R, 'checkpoint.fclab'), encodeCheckpoint({ ...cp, config: { ...cp.config, train: { ...cp.config.train, lr: 0.01 } } as typeof cp.config }));
    r = await fclab('run', '--resume', R, '-q', '--no-figure');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not this folder's run/);
    // a state that does not fit the config (sizes), with config.json agreeing: a message, not a stack trace
    const wide = { ...cp.config, model: { ...cp.config.model, hidden: 32 } };
    await writeFile(join(R, 'config.json'), JSON.stringify(wide, null, 2));
    await writeFile(join(R, 'checkpoint.fclab'), encodeCheckpoint({ ...cp, config: wide as typeof cp.config }));
    r = await fclab('run', '--resume', R, '-q', '--no-figure');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/resume: the checkpoint's trainer state \(\d+ buffers, \d+ bytes\) does not fit its config/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('3. imported data at resume', () => {
  it('--resume with other imported arrays is refused; the same arrays resume to the uninterrupted hash', async () => {
    const other = fresh('other-import');
    await cp(join(FIX, 'toy-theory'), other, { recursive: true });
    const y = parseNpy(new Uint8Array(await readFile(join(other, 'y.npy'))));
    await writeFile(join(other, 'y.npy'), encodeNpy(Float32Array.from(y.data, (v) => -v), y.shape));
    const I = fresh('import');
    const args = ['--preset', 'toy-theory', '--set', 'train.iterations=40', '--set', 'train.evalEvery=10', '--set', 'train.checkpointEvery=20', '--no-figure', '-q'];
    expect((await fclab('run', ...args, '--import-npy', join(FIX, 'toy-theory'), '--out', I)).code).toBe(0);
    const full = (await json(join(I, 'summary.json'))).hash;
    const r = await fclab('run', '--resume', I, '--import-npy', other, '-q', '--no-figure');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/resume: the imported state \(.*\) differs from the one the checkpointed run started from \(SHA-256 [0-9a-f]{12}, the checkpoint records [0-9a-f]{12}\)/);
    const ok = await fclab('run', '--resume', I, '--import-npy', join(FIX, 'toy-theory'), '-q', '--no-figure');
    expect(ok.code, ok.stderr).toBe(0);
    expect((await json(join(I, 'summary.json'))).hash).toBe(full);
    // the digest covers every array
    const base = { trainX: new Float32Array([1, 2]), testX: new Float32Array([3]), y: new Float32Array([1]), transform: new Float32Array([1]), params: { 'fc0.weight': new Float32Array([0.5]) } };
    const d0 = importedDigest(base);
    expect(importedDigest({ ...base, params: { 'fc0.weight': new Float32Array([0.25]) } })).not.toBe(d0);
    expect(importedDigest({ ...base, trainX: new Float32Array([1, 3]) })).not.toBe(d0);
    expect(importedDigest({ ...base })).toBe(d0);
  });
});

describe('4. locking', () => {
  it('a second run into a folder in use is refused; the first completes; a stale lock is taken over', async () => {
    const R = fresh('lock');
    const first = start(['run', '--set', 'data.n=200', '--set', 'model.hidden=64', '--set', 'train.iterations=4000', '--set', 'train.evalEvery=500', '--no-figure', '-q', '--out', R]);
    expect(await until(async () => existsSync(join(R, '.fclab.lock')), first)).toBe(true);
    const second = await fclab('run', ...small('--out', R));
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/is in use by another fclab process \(pid \d+, since /);
    const a = await first.done;
    expect(a.code, a.stderr).toBe(0);
    expect(existsSync(join(R, '.fclab.lock'))).toBe(false);
    expect((await json(join(R, 'summary.json'))).iterations).toBe(4000);
    // a lock left by a killed process
    const S = fresh('stale');
    await mkdir(S);
    await writeFile(join(S, '.fclab.lock'), JSON.stringify({ pid: await deadPid(), started: 'earlier' }));
    const r = await fclab('run', ...small('--out', S, '--no-figure'));
    expect(r.code, r.stderr).toBe(0);
  });

  it('two sweeps in one folder: the second is refused while the first runs', async () => {
    const S = fresh('sweeplock');
    const first = start(['sweep', '--set', 'data.n=200', '--set', 'model.hidden=64', '--set', 'train.iterations=3000', '--set', 'train.evalEvery=500', '--workers', '1', '--no-figure', '--no-report', '-q', '--out', S]);
    expect(await until(async () => existsSync(join(S, '.fclab.lock')), first)).toBe(true);
    const second = await fclab('sweep', '--set', 'data.n=100', '--set', 'train.iterations=10', '--workers', '1', '-q', '--out', S);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/is in use by another fclab process/);
    const a = await first.done;
    expect(a.code, a.stderr).toBe(0);
    const doc = await json(join(S, 'sweep.json'));
    expect(doc.cells[0].runs).toHaveLength(1);
  });
});

describe('5. paths', () => {
  it('a symlink out of the run folder is refused and its target untouched', async () => {
    const R = fresh('links');
    const victim = join(tmp, `victim-${counter++}.txt`);
    await writeFile(victim, 'precious');
    expect((await fclab('run', ...small('--out', R, '--no-figure'))).code).toBe(0);
    await unlink(join(R, 'metrics.csv'));
    await symlink(victim, join(R, 'metrics.csv'));
    let r = await fclab('run', ...small('--out', R, '--no-figure'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/metrics\.csv is a symlink to .*victim.*, outside the folder; fclab never writes through a link out of its output folder/);
    expect(await readFile(victim, 'utf8')).toBe('precious');
    // a symlinked weights/ folder
    const W = fresh('linkw');
    const elsewhere = fresh('elsewhere');
    await mkdir(elsewhere);
    expect((await fclab('run', ...small('--out', W, '--no-figure'))).code).toBe(0);
    await rm(join(W, 'weights'), { recursive: true });
    await symlink(elsewhere, join(W, 'weights'));
    r = await fclab('run', ...small('--out', W, '--no-figure'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/weights is a symlink to .*, outside the folder/);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('preset is a registry name: ../../x and a 300-character preset are refused before training', async () => {
    for (const bad of ['../../x', 'p'.repeat(300), 'toy-default/../../../etc', 'mnist-padded']) {
      const out = fresh('preset');
      const r = await fclab('run', ...small('--set', `preset=${bad}`, '--out', out));
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/preset = ".*" is not valid: expected one of toy-default, toy-theory \(a toy preset\)/);
      expect(existsSync(out)).toBe(false);
    }
    // and in a --config file
    const file = join(tmp, 'preset.json');
    await writeFile(file, JSON.stringify({ preset: '../../../tmp/evil' }));
    const r = await fclab('run', '--config', file, '-q');
    expect(r.code).toBe(2);
  });
});

describe('6. the destination is checked before training', () => {
  it('a file, /dev/null, a read-only folder, /proc/x and empty names: exit 2 with the path and reason, no hang', async () => {
    const file = join(tmp, 'a-file');
    await writeFile(file, 'x');
    let r = await fclab('run', ...small('--out', file));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out .*a-file: is a file, expected a folder/);
    r = await fclab('run', ...small('--out', '/dev/null'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out \/dev\/null: is a device or special file, expected a folder/);
    // read-only: a 0555 folder (root writes anyway, so /sys/kernel, which no one can create files in)
    let ro = join(tmp, 'ro');
    await mkdir(ro);
    await chmod(ro, 0o555);
    if (process.getuid?.() === 0) ro = '/sys/kernel';
    r = await fclab('run', ...small('--out', ro));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out .*: not writable \((EACCES|EPERM|EROFS)\); choose another folder/);
    const p = await start(['run', ...small('--out', '/proc/x')], 60_000).done;
    expect(p.signal).toBeNull(); // not killed by the hang guard
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/--out \/proc\/x: cannot create the folder \(ENOENT\)/);
    for (const args of [['run', '--out', ''], ['run', '--resume', ''], ['run', '--import-npy', ''], ['sweep', '--out', '', '-q']]) {
      r = await fclab(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/--(out|resume|import-npy) "": expected a folder name/);
    }
  });
});

describe('7. memory for every kind, host buffers and readers bounded', () => {
  it('oversized mnist, distillation and trace configs are refused up front with the size named', async () => {
    let r = await fclab('run', '-p', 'mnist-padded', '--set', 'model.hidden=8192', '--set', 'model.layers=16', '-q', '--out', fresh('m'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/this config needs 23\.2 GiB of WebAssembly memory \(fc1 weights and optimizer state \(8192 x 8192\)/);
    r = await fclab('run', '-p', 'distill-toy', '--set', 'data.n=1000000', '--set', 'distill.testN=1000000', '--set', 'data.inputDim=65536', '-q', '--out', fresh('d'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/this config needs 738 GiB of WebAssembly memory \(training inputs \(1000000 x 65536\): 244 GiB/);
    r = await fclab('run', '--set', 'model.hidden=8192', '--set', 'train.evalEvery=1', '-q', '--out', fresh('t'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/this config keeps 3\.66 GiB of neuron traces in memory \(model\.hidden = 8192 neurons x 3 statistics x 20001 evaluations x 8 bytes\), more than the limit of 512 MiB/);
    r = await fclab('run', '-p', 'mnist-padded', '--set', 'model.hidden=4096', '--set', 'train.evalEvery=1', '--set', 'train.iterations=100000', '-q', '--out', fresh('t'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/of neuron traces in memory/);
  });

  it('the pointer overflow: a buffer size beyond u32 never reaches alloc (it would wrap to a small buffer)', () => {
    const sizes: number[] = [];
    const arena = new Arena({ alloc: (n: number) => (sizes.push(n), 64) } as unknown as Kernels);
    for (const n of [2 ** 32 + 16, 2 ** 30, 738 * 2 ** 30, NaN, -1]) expect(() => arena.bytes(n), String(n)).toThrow(/more than the engine's limit of 1 GiB per buffer/);
    expect(sizes).toEqual([]);
    expect(arena.bytes(100)).toBe(64);
  });

  it('a .npy or checkpoint linked to /dev/zero, and a .npy header over 10 KB, are refused', async () => {
    const dir = fresh('zero');
    await cp(join(FIX, 'toy-theory'), dir, { recursive: true });
    await rm(join(dir, 'y.npy'));
    await symlink('/dev/zero', join(dir, 'y.npy'));
    const p = await start(['run', '--preset', 'toy-theory', '--import-npy', dir, '-q', '--out', fresh('z')], 60_000).done;
    expect(p.signal).toBeNull();
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/y\.npy: is not a regular file \(a device, FIFO or socket\); expected a \.npy file/);
    const R = fresh('zero-cp');
    await mkdir(R);
    await symlink('/dev/zero', join(R, 'checkpoint.fclab'));
    const q = await start(['run', '--resume', R, '-q'], 60_000).done;
    expect(q.signal).toBeNull();
    expect(q.code).toBe(2);
    expect(q.stderr).toMatch(/--resume: cannot read .*checkpoint\.fclab \(is not a regular file/);
    // a header of 20000 bytes (NumPy's limit is 10000)
    const big = new Uint8Array(10 + 20000 + 4);
    big.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    new DataView(big.buffer).setUint32(8, 20000, true);
    expect(() => parseNpy(big, 'h.npy')).toThrow(/header is 20000 bytes; NumPy refuses headers over 10000 bytes/);
    const hdr = fresh('hdr');
    await cp(join(FIX, 'toy-theory'), hdr, { recursive: true });
    await writeFile(join(hdr, 'y.npy'), big);
    const h = await fclab('run', '--preset', 'toy-theory', '--import-npy', hdr, '-q', '--out', fresh('z'));
    expect(h.code).toBe(2);
    expect(h.stderr).toMatch(/header is 20000 bytes; NumPy refuses headers over 10000 bytes/);
  });
});

describe('8. signals while writing the outputs', () => {
  it('SIGTERM during figure rendering: the outputs are completed, then exit 143 with a message', async () => {
    const R = fresh('sigout');
    const run = start(['run', '--set', 'data.n=100', '--set', 'model.hidden=16', '--set', 'train.iterations=100', '--set', 'train.evalEvery=1', '-q', '--out', R]);
    // metrics.csv is written just before the figures are rendered
    expect(await until(async () => existsSync(join(R, 'metrics.csv')), run)).toBe(true);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toMatch(/fclab: SIGTERM received while writing the outputs; they were completed first/);
    for (const f of ['summary.json', 'manifest.json', 'report.html', 'run.svg']) expect(existsSync(join(R, f)), f).toBe(true);
  });
});

describe('9. durability', () => {
  it('every rename follows an fsync of its file and is followed by an fsync of the folder (strace)', async () => {
    const R = fresh('fsync');
    const log = join(tmp, `strace-${counter++}.log`);
    const s = spawn('strace', ['-f', '-qq', '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2', '-o', log, process.execPath, BIN, 'run', ...small('--out', R, '--no-figure')], { stdio: 'ignore' });
    const code = await new Promise((res) => s.on('exit', res));
    expect(code).toBe(0);
    const lines = (await readFile(log, 'utf8')).split('\n').filter((l) => /fsync|rename/.test(l) && !/resumed|unfinished/.test(l));
    const renames = lines.filter((l) => /rename/.test(l) && /\.tmp"/.test(l));
    expect(renames.length).toBeGreaterThanOrEqual(12);
    // pattern per write: fsync (file), rename, fsync (folder)
    let ok = 0;
    lines.forEach((l, i) => {
      if (/rename/.test(l) && /\.tmp"/.test(l) && /fsync/.test(lines[i - 1] ?? '') && /fsync/.test(lines[i + 1] ?? '')) ok++;
    });
    expect(ok).toBe(renames.length);
  });

  it("stale temp files of dead processes are removed on the next write; a live process's are kept", async () => {
    const R = fresh('stale-tmp');
    expect((await fclab('run', ...small('--out', R, '--no-figure'))).code).toBe(0);
    const dead = `.metrics.csv.${await deadPid()}.0123456789ab.tmp`;
    const live = `.metrics.csv.${process.pid}.0123456789ab.tmp`;
    await writeFile(join(R, dead), 'half');
    await writeFile(join(R, live), 'in progress');
    expect((await fclab('run', ...small('--out', R, '--no-figure'))).code).toBe(0);
    const files = await readdir(R);
    expect(files).not.toContain(dead);
    expect(files).toContain(live);
  });
});

describe('10. values that cannot be float32 are refused up front', () => {
  it('bgMean, probeLr, lr and a float64 .npy beyond float32', async () => {
    for (const [preset, set] of [['toy-default', 'data.bgMean=1e308'], ['toy-default', 'data.bgMean=-1e300'], ['distill-toy', 'distill.probeLr=1e308'], ['toy-default', 'train.lr=1e39'], ['toy-default', 'train.weightDecay=1e300']] as const) {
      const r = await fclab('run', '-p', preset, '--set', set, '-q', '--out', fresh('f32'));
      expect(r.code, set).toBe(2);
      expect(r.stderr).toMatch(/is not valid: expected a float32 value: at (most|least) -?3\.4028234663852886e\+38/);
    }
    const dir = fresh('f64');
    await cp(join(FIX, 'toy-theory'), dir, { recursive: true });
    const t = parseNpy(new Uint8Array(await readFile(join(dir, 'train_x.npy'))));
    const d = Float64Array.from(t.data);
    d[5] = 1e300;
    await writeFile(join(dir, 'train_x.npy'), encodeNpy(d, t.shape));
    const r = await fclab('run', '--preset', 'toy-theory', '--import-npy', dir, '-q', '--out', fresh('f64o'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/train_x\.npy: value 1e\+300 at flat index 5 does not fit float32/);
  });
});

describe('11. sweeps', () => {
  const sweepArgs = ['--set', 'data.n=60', '--set', 'model.hidden=8', '--set', 'train.iterations=20', '--set', 'train.evalEvery=10', '--grid', 'model.activation=relu,gelu', '--workers', '1', '--no-figure', '--no-report', '-q'];
  const trained = (stdout: string) => Number(/\((\d+) trained, (\d+) reused\)/.exec(stdout)?.[1]);

  it('a run with a deleted weight file or a truncated metrics.csv is re-run; an intact one is reused', async () => {
    const S = fresh('sweep');
    let r = await fclab('sweep', ...sweepArgs, '--out', S);
    expect(r.code, r.stderr).toBe(0);
    const hash = (await json(join(S, 'sweep.json'))).cells[0].runs[0].hash;
    const runs = (await json(join(S, 'sweep.json'))).cells.map((c: { dir: string }) => c.dir);
    r = await fclab('sweep', ...sweepArgs, '--out', S);
    expect(trained(r.stdout)).toBe(0);
    const seed0 = async (i: number) => join(S, runs[i], (await readdir(join(S, runs[i])))[0]);
    await rm(join(await seed0(0), 'weights', 'fc0.weight.npy'));
    await truncate(join(await seed0(1), 'metrics.csv'), 40);
    r = await fclab('sweep', ...sweepArgs, '--out', S);
    expect(r.code, r.stderr).toBe(0);
    expect(trained(r.stdout)).toBe(2);
    expect(existsSync(join(await seed0(0), 'weights', 'fc0.weight.npy'))).toBe(true);
    expect((await json(join(S, 'sweep.json'))).cells[0].runs[0].hash).toBe(hash);
  });

  it('merge: a malformed sweep.json is a clear error; --out inside an input shard is refused', async () => {
    const s0 = fresh('shard0');
    const s1 = fresh('shard1');
    expect((await fclab('sweep', ...sweepArgs, '--shard', '0/2', '--out', s0)).code).toBe(0);
    expect((await fclab('sweep', ...sweepArgs, '--shard', '1/2', '--out', s1)).code).toBe(0);
    let r = await fclab('merge', s0, s1, '--out', join(s0, 'runs'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/merge: --out .*runs is inside the input .*; choose a folder outside every input/);
    const bad = fresh('bad');
    await cp(s1, bad, { recursive: true });
    const doc = await json(join(bad, 'sweep.json'));
    for (const broken of [{ ...doc, cells: 'x' }, { ...doc, cells: [{ ...doc.cells[0], runs: null }] }, { ...doc, shard: 'a' }, { ...doc, fingerprint: 3 }]) {
      await writeFile(join(bad, 'sweep.json'), JSON.stringify(broken));
      r = await fclab('merge', s0, bad, '--out', fresh('merged'));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/sweep\.json: malformed sweep file \(/);
      expect(r.stderr).not.toMatch(/TypeError/);
    }
    r = await fclab('merge', s0, s1, '--no-report', '--out', fresh('merged'));
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('12. messages', () => {
  it('an integer key at 1e308 names its own limit (every integer key of every kind)', () => {
    let keys = 0;
    for (const kind of TASK_KINDS) {
      const preset = PRESETS.find((p) => p.config.task === kind)!.name;
      const c = resolveConfig({ preset });
      for (const k of configKeys(kind)) {
        const v = k.split('.').reduce<unknown>((n, p) => (n as Record<string, unknown>)[p], c);
        if (typeof v !== 'number' || !Number.isInteger(v) || k === 'mnist.intensity' || k === 'mnist.oodIntensity') continue;
        let msg = '';
        try {
          resolveConfig({ preset, set: { [k]: 1e308 } });
        } catch (e) {
          msg = (e as Error).message;
        }
        if (!msg) continue; // a real-valued key that happens to hold an integer (e.g. data.bgMean 0)
        expect(msg, k).not.toMatch(/9007199254740991/);
        expect(msg, k).toMatch(new RegExp(`${k.replace('.', '\\.')} = 1e\\+308 is not valid: expected (<= \\d+|a float32)`));
        keys++;
      }
    }
    expect(keys).toBeGreaterThanOrEqual(16);
  });

  it("--set 'train.lr=\"0.001\"' stays a string and is refused as not a number", async () => {
    const r = await fclab('run', '--set', 'train.lr="0.001"', '-q', '--out', fresh('str'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/train\.lr = "0\.001" is not valid: expected a number/);
    const s = await fclab('sweep', '--set', 'train.lr="0.001"', '-q', '--out', fresh('strs'));
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/train\.lr = "0\.001" is not valid: expected a number/);
    const g = await fclab('sweep', '--grid', 'train.lr="0.001",0.01', '-q', '--out', fresh('strg'));
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/train\.lr = "0\.001" is not valid: expected a number/);
    // a quoted word stays the word
    const w = await fclab('run', '--set', 'model.activation="gelu"', ...small('--out', fresh('gelu'), '--no-figure'));
    expect(w.code, w.stderr).toBe(0);
  });
});


describe('more of the same attacks', () => {
  it('a garbage lock file is stale; a FIFO .npy is refused without blocking; a symlink --out to a file is refused', async () => {
    const S = fresh('garbage-lock');
    await mkdir(S);
    await writeFile(join(S, '.fclab.lock'), 'not json');
    let r = await fclab('run', ...small('--out', S, '--no-figure'));
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(S, '.fclab.lock'))).toBe(false);
    // a live holder (this test process) is respected
    const L = fresh('live-lock');
    await mkdir(L);
    await writeFile(join(L, '.fclab.lock'), JSON.stringify({ pid: process.pid, started: 'now' }));
    r = await fclab('run', ...small('--out', L));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`in use by another fclab process \\(pid ${process.pid}`));
    // a FIFO would block a plain read forever
    const dir = fresh('fifo');
    await cp(join(FIX, 'toy-theory'), dir, { recursive: true });
    await rm(join(dir, 'y.npy'));
    await new Promise((res, rej) => spawn('mkfifo', [join(dir, 'y.npy')]).on('exit', (c) => (c === 0 ? res(c) : rej(new Error(`mkfifo ${c}`)))));
    const p = await start(['run', '--preset', 'toy-theory', '--import-npy', dir, '-q', '--out', fresh('fo')], 60_000).done;
    expect(p.signal).toBeNull();
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/y\.npy: is not a regular file/);
    const file = join(tmp, `target-${counter++}`);
    await writeFile(file, 'x');
    const link = join(tmp, `link-${counter++}`);
    await symlink(file, link);
    r = await fclab('run', ...small('--out', link));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a symlink to something that is not a folder; expected a folder/);
    expect(await readFile(file, 'utf8')).toBe('x');
    // --resume of a folder without a checkpoint
    r = await fclab('run', '--resume', S, '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--resume: cannot read .*checkpoint\.fclab \(ENOENT\)/);
  });
});
