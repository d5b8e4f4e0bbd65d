// The PyTorch peer (bench/peer_pytorch.py), run by /usr/bin/python3 when it has torch (Debian's
// python3-torch), under OpenBLAS when installed. It starts from fclab's dumped state, so its first
// losses can be compared with fclab's.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpy } from '../../io/npy.js';
import { median, type BenchCase } from '../../bench/core.js';
import type { PeerStart, PeerTiming } from './peer-tfjs.js';

const PYTHON = '/usr/bin/python3';
// bench/ at the repository root, seen from src/node/bench (sources) or dist/src/node/bench (compiled)
const SCRIPT = [new URL('../../../bench/peer_pytorch.py', import.meta.url), new URL('../../../../bench/peer_pytorch.py', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((f) => existsSync(f)) ?? '';
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread';

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, args, { env, timeout: timeoutMs, maxBuffer: 1 << 22 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

/** The peer's availability: torch importable by /usr/bin/python3, and the script present. */
export async function pytorchAvailable(): Promise<string | null> {
  if (!existsSync(PYTHON) || !SCRIPT) return null;
  try {
    return (await run(['-c', 'import torch; print(torch.__version__)'], process.env, 60_000)).trim();
  } catch {
    return null;
  }
}

/** Writes the start state as .npy files into a temp folder; returns it and a cleanup. */
export function dumpStart(start: PeerStart): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'fclab-bench-'));
  const put = (name: string, data: Float32Array, shape: number[]) => writeFileSync(join(dir, `${name}.npy`), encodeNpy(data, shape));
  for (const p of start.params) put(p.name, p.data, p.shape);
  put('train_x', start.trainX, [start.n, start.inputDim]);
  put('y', start.y, [start.n]);
  put('transform', start.transform, [start.featDim, start.inputDim]);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** budgetMs: the length of one timed repeat (or `steps` steps per repeat when given). */
export async function timePytorch(c: BenchCase, start: PeerStart, dir: string, threads: number, budgetMs: number, repeats: number, steps?: number): Promise<PeerTiming> {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  const blas = existsSync(join(OPENBLAS, 'libblas.so.3'));
  if (blas) env.LD_LIBRARY_PATH = OPENBLAS;
  const spec = JSON.stringify({ config: start.config, batch: c.batch, online: c.online });
  const args = [SCRIPT, dir, spec, String(budgetMs), String(repeats), String(threads), ...(steps ? [String(steps)] : [])];
  const out = JSON.parse(await run(args, env, 600_000)) as {
    msPerIter: number[]; torch: string; threads: number; firstLosses: number[] | null;
  };
  return {
    ms: median(out.msPerIter),
    samples: out.msPerIter,
    backend: `${out.threads} thread${out.threads > 1 ? 's' : ''}`,
    info: `torch ${out.torch}, ${blas ? 'OpenBLAS' : 'system BLAS'}, ${out.threads} thread(s)`,
    firstLosses: out.firstLosses ?? undefined,
  };
}
