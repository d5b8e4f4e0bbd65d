// What a runtime may lack, and what fclab does then: no PNG binding (SVG figures and a warning),
// no kernel threads (one line, one thread, the same hash, never a hang), and signals that end a
// threaded run cleanly in Node and in Bun (checkpoint written, 143/130).
import { spawn } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BIN } from './helpers/cli.js';

const ROOT = join(import.meta.dirname, '..');
const BUN = join(ROOT, 'node_modules', '.bin', 'bun');
const NO_PNG = join(import.meta.dirname, 'helpers', 'no-png-binding.cjs');
const FAKE_WORKERS = join(import.meta.dirname, 'helpers', 'workers-never-start.cjs');
// ceilings for a shared, loaded machine (nothing here asserts a duration)
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

const SMALL = ['--preset', 'toy-theory', '--set', 'data.n=200', '--set', 'train.iterations=50'];

interface Ran { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const hashOf = async (dir: string): Promise<string> => JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')).hash;
/** stderr lines that are not progress output */
const notes = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('fclab:'));

let tmp: string;
let reference: string; // toy-theory small, Node, 1 thread
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fclab-fallbacks-'));
  const r = await run(process.execPath, [BIN, 'run', ...SMALL, '--threads', '1', '--no-figure', '-q', '--out', join(tmp, 'ref')]);
  expect(r.code, r.stderr).toBe(0);
  reference = await hashOf(join(tmp, 'ref'));
});
const live = new Set<import('node:child_process').ChildProcess>();
afterAll(async () => {
  for (const c of live) c.kill('SIGKILL'); // only after a failure: a test that hung
  await rm(tmp, { recursive: true, force: true });
});

describe('the PNG renderer is loaded only to write a PNG', () => {
  it('without its platform binding a run trains, writes SVG figures and warns in one line', async () => {
    const out = join(tmp, 'no-png');
    const r = await run(process.execPath, ['--require', NO_PNG, BIN, 'run', ...SMALL, '--threads', '1', '-q', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(await hashOf(out)).toBe(reference);
    const files = await readdir(out);
    expect(files).toContain('run.svg');
    expect(files).toContain('report.html');
    expect(files.filter((f) => f.endsWith('.png'))).toEqual([]);
    expect(await readFile(join(out, 'run.svg'), 'utf8')).toMatch(/^<svg/);
    expect(notes(r.stderr)).toEqual([
      expect.stringMatching(/^fclab: warning: no PNG figures: the PNG renderer @resvg\/resvg-js cannot load on linux-x64 \(Cannot find module '@resvg\/resvg-js-linux-x64-gnu'\).*the SVG figures are written$/),
    ]);
  });

  it('--no-figure never touches it (no warning), and with the binding the PNG is written', async () => {
    const r = await run(process.execPath, ['--require', NO_PNG, BIN, 'run', ...SMALL, '--threads', '1', '-q', '--no-figure', '--out', join(tmp, 'no-fig')]);
    expect(r.code, r.stderr).toBe(0);
    expect(notes(r.stderr)).toEqual([]);
    const out = join(tmp, 'with-png');
    const ok = await run(process.execPath, [BIN, 'run', ...SMALL, '--threads', '1', '-q', '--out', out]);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await readFile(join(out, 'run.png'))).subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('kernel threads: used where the runtime has them, else one line and one thread', () => {
  it('Bun runs 2 kernel threads (its worker_threads workers define `self`) with the 1-thread hash', async () => {
    expect(existsSync(BUN), 'bun is a devDependency: run npm ci').toBe(true);
    const out = join(tmp, 'bun-2');
    const r = await run(BUN, [BIN, 'run', ...SMALL, '--threads', '2', '--no-figure', '-q', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(notes(r.stderr)).toEqual([]);
    const s = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(s.engine.threads).toBe(2);
    expect(s.hash).toBe(reference);
  });

  it.each([
    ['no shared memory', ['--no-harmony-sharedarraybuffer'], {}, /shared WebAssembly memory needs Node, Bun or a cross-origin isolated page$/],
    ['workers that exit before starting', ['--require', FAKE_WORKERS], { FCLAB_FAKE_WORKER: 'exit' }, /worker 1 exited \(code 1\) before it started$/],
  ])('%s: one line, one thread, the same hash', async (_, nodeFlags, env, why) => {
    const out = join(tmp, `fallback-${nodeFlags[0].replace(/\W/g, '')}`);
    const r = await run(process.execPath, [...nodeFlags, BIN, 'run', ...SMALL, '--threads', '2', '--no-figure', '-q', '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    const lines = notes(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^fclab: 2 threads requested, running on 1 \(same results\): /);
    expect(lines[0]).toMatch(why);
    const s = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(s.engine.threads).toBe(1);
    expect(s.hash).toBe(reference);
  });

  it('workers that never answer: the start-up handshake gives up (its timeout is no part of any result)', async () => {
    // the same fake, in this process: startWorkers with a short timeout rejects, and loadEngine
    // turns that into the one-thread fallback (covered above through a worker that exits)
    const { syncBuiltinESMExports } = await import('node:module');
    const wt = await import('node:worker_threads');
    const { EventEmitter } = await import('node:events');
    const real = wt.default.Worker;
    let terminated = 0;
    class Silent extends EventEmitter {
      terminate() { terminated++; return Promise.resolve(0); }
      unref() {}
    }
    wt.default.Worker = Silent as unknown as typeof real;
    syncBuiltinESMExports();
    try {
      const { startWorkers, WorkerStartError } = await import('../src/engine/threads.js');
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
      const module = await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
      const p = startWorkers(module, memory, 2, 0, 50);
      await expect(p).rejects.toBeInstanceOf(WorkerStartError);
      await expect(p).rejects.toThrow('2 worker thread(s) did not start within 0.05 s');
      expect(terminated).toBe(2);
    } finally {
      wt.default.Worker = real;
      syncBuiltinESMExports();
    }
  });
});

describe('signals end a threaded run cleanly', () => {
  // long enough that the signal always lands during training; the run is never resumed here
  // (resume hashes are checked in tests/engines.test.ts and tests/cli.test.ts)
  const LONG = ['--preset', 'toy-theory', '--set', 'data.n=200', '--set', 'train.iterations=100000000', '--set', 'train.evalEvery=100000000',
    '--checkpoint-every', '300', '--threads', '2', '--no-figure'];
  it.each([
    ['node', 'SIGTERM', 143],
    ['node', 'SIGINT', 130],
    ['bun', 'SIGTERM', 143],
    ['bun', 'SIGINT', 130],
  ] as const)('%s, %s: checkpoint written, exit %d', async (runtime, sig, exitCode) => {
    const out = join(tmp, `sig-${runtime}-${sig}`);
    await mkdir(out);
    // the first periodic checkpoint on disk means the workers started and training is under way
    const watcher = watch(out);
    const trained = new Promise<void>((res) => watcher.on('change', (_, f) => f === 'checkpoint.fclab' && res()));
    const child = spawn(runtime === 'node' ? process.execPath : BUN, [BIN, 'run', ...LONG, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(child);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((res) => child.on('close', (code) => (live.delete(child), res(code))));
    try {
      await trained;
    } finally {
      watcher.close();
    }
    child.kill(sig);
    expect(await exited, stderr).toBe(exitCode);
    expect(stderr).toMatch(new RegExp(`fclab: interrupted \\(${sig}\\) at iteration [1-9]\\d* of 100000000; checkpoint written to `));
    const { decodeCheckpoint } = await import('../src/index.js');
    const cp = decodeCheckpoint(await readFile(join(out, 'checkpoint.fclab')), 'checkpoint.fclab');
    expect(cp.snapshot.iteration).toBeGreaterThanOrEqual(300);
  });
});
