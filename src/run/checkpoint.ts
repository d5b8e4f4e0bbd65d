// Run checkpoints: everything needed to continue a run bit-identically (trainer state, the metrics
// and neuron traces logged so far). Binary container, isomorphic:
//   "FCLABCK2" | u32 LE header length | JSON header | blobs (lengths in the header) | SHA-256 of all before
// The checksum (torch.save checks a CRC-32 per record) makes any flipped bit or edited header value
// an error instead of a silently different run. Format 1 ("FCLABCK1") had no checksum: such a file
// cannot be verified and is refused.
import { z } from 'zod';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ImportedState } from '../tasks/task.js';
import type { TrainerSnapshot } from '../engine/net.js';
import { validateConfig } from '../config/resolve.js';
import type { Config } from '../config/schema.js';
import { taskOf } from '../tasks/registry.js';
import type { MetricRow, NeuronTraces } from '../tasks/task.js';

export interface RunCheckpoint {
  /** the resolved config */
  config: Config;
  /** whether the run started from imported state (which the checkpoint does not carry) */
  imported: boolean;
  snapshot: TrainerSnapshot;
  metrics: MetricRow[];
  neurons: NeuronTraces;
  /** training time spent before the checkpoint, for summary.timing */
  trainMs: number;
  /** SHA-256 of the imported arrays (importedDigest), so that a resume with other data is refused */
  importDigest?: string | null;
}

const MAGIC = 'FCLABCK2';
const OLD_MAGIC = 'FCLABCK1';
const SUM = 32;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function f32Bytes(a: Float32Array): Uint8Array {
  if (littleEndian) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.length * 4);
  const dv = new DataView(out.buffer);
  a.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  return out;
}

/**
 * SHA-256 over the imported state (train_x, test_x, y, transform, then the initial tensors by
 * name), each as its name, its length and its little-endian float32 values.
 */
export function importedDigest(s: ImportedState): string {
  const h = sha256.create();
  const enc = new TextEncoder();
  const part = (name: string, a: Float32Array) => {
    h.update(enc.encode(`${name}:${a.length};`));
    h.update(f32Bytes(a));
  };
  part('train_x', s.trainX);
  part('test_x', s.testX);
  part('y', s.y);
  part('transform', s.transform);
  for (const k of Object.keys(s.params).sort()) part(k, s.params[k]);
  return bytesToHex(h.digest());
}

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** The header as read from a file: checked before use (the config separately, by validateConfig). */
const headerSchema = z.object({
  format: z.literal(2),
  importDigest: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  config: z.unknown(),
  imported: z.boolean(),
  iteration: count,
  optimizerStep: count,
  metricRows: count,
  neuronIterations: z.array(count),
  trainMs: z.number().min(0).finite(),
  state: z.array(count),
  neuronWidth: count,
  // names of NeuronTraces.more, stored after the three fixed traces (absent in older checkpoints)
  neuronMore: z.array(z.string()).default([]),
});

interface Header {
  format: 2;
  importDigest: string | null;
  config: Config;
  imported: boolean;
  iteration: number;
  optimizerStep: number;
  metricRows: number;
  neuronIterations: number[];
  trainMs: number;
  state: number[];
  neuronWidth: number;
  neuronMore: string[];
}

export function encodeCheckpoint(cp: RunCheckpoint): Uint8Array {
  const n = cp.neurons;
  const header: Header = {
    format: 2,
    importDigest: cp.importDigest ?? null,
    config: cp.config,
    imported: cp.imported,
    iteration: cp.snapshot.iteration,
    optimizerStep: cp.snapshot.optimizerStep,
    metricRows: cp.metrics.length,
    neuronIterations: n.iterations,
    trainMs: cp.trainMs,
    state: cp.snapshot.state.map((b) => b.length),
    neuronWidth: n.bgNorm[0]?.length ?? 0,
    neuronMore: Object.keys(n.more ?? {}),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const columns = taskOf(cp.config).columns(cp.config);
  const metricValues = Float64Array.from(cp.metrics.flatMap((r) => columns.map((c) => r[c] ?? NaN)));
  const more = Object.values(n.more ?? {});
  if (more.some((rows) => rows.length !== n.iterations.length)) throw new Error('encodeCheckpoint: a neuron trace has a different number of rows than the evaluations');
  const traces = [metricValues, ...n.coreNorm, ...n.bgNorm, ...n.asymmetry, ...more.flat()];
  const blobBytes = cp.snapshot.state.reduce((s, b) => s + b.length, 0) + traces.reduce((s, t) => s + t.byteLength, 0);
  const out = new Uint8Array(8 + 4 + json.length + blobBytes + SUM);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  let off = 12 + json.length;
  for (const b of cp.snapshot.state) {
    out.set(b, off);
    off += b.length;
  }
  for (const t of traces) {
    const dv = new DataView(out.buffer, off, t.byteLength);
    t.forEach((v, i) => dv.setFloat64(i * 8, v, true));
    off += t.byteLength;
  }
  out.set(sha256(out.subarray(0, off)), off);
  return out;
}

export function decodeCheckpoint(input: Uint8Array, source = 'checkpoint'): RunCheckpoint {
  // a plain view: Node's Buffer.slice shares memory instead of copying
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const bad = (why: string) => new Error(`${source}: not a valid fclab checkpoint (${why})`);
  const magic = bytes.length >= 8 ? new TextDecoder().decode(bytes.subarray(0, 8)) : '';
  if (magic === OLD_MAGIC)
    throw new Error(
      `${source}: not a valid fclab checkpoint (format 1, written by an older fclab without a checksum: its integrity cannot be verified, so it is not resumed; start the run again)`,
    );
  if (bytes.length < 12 + SUM || magic !== MAGIC) throw bad('bad magic');
  // the checksum first: nothing of a damaged file is believed
  const body = bytes.subarray(0, bytes.length - SUM);
  const stored = bytes.subarray(bytes.length - SUM);
  const actual = sha256(body);
  if (actual.some((b, i) => b !== stored[i])) throw bad('checksum mismatch: the file is damaged or was edited');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = dv.getUint32(8, true);
  if (12 + len > body.length) throw bad('truncated header');
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len)));
  } catch {
    throw bad('header is not JSON');
  }
  const format = raw && typeof raw === 'object' ? (raw as { format?: unknown }).format : undefined;
  if (format !== 2) throw bad(`format ${JSON.stringify(format) ?? 'missing'}, expected 2`);
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw bad(`header field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const h = parsed.data as Header;
  if (h.metricRows < 1 || h.neuronIterations.length !== h.metricRows)
    throw bad(`${h.metricRows} metric rows and ${h.neuronIterations.length} neuron trace rows; expected the same number, at least 1`);
  let config: Config;
  try {
    config = validateConfig(h.config, `${source}: config`);
  } catch (e) {
    throw bad((e as Error).message);
  }
  // a checkpoint records the resolved config: resolving it again must change nothing
  let resolved: Config;
  try {
    resolved = taskOf(config).resolve(config, { imported: h.imported });
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (JSON.stringify(resolved) !== JSON.stringify(config)) throw bad('its config is not resolved (an "auto" setting is left)');
  if (h.iteration > config.train.iterations)
    throw bad(`iteration ${h.iteration} is beyond the run's train.iterations = ${config.train.iterations}`);
  if (h.imported !== (h.importDigest !== null)) throw bad('imported and importDigest disagree');
  // sizes first: a corrupt header must not make us allocate absurd buffers
  const columns = taskOf(config).columns(config);
  const cols = columns.length;
  const expected =
    12 + len + h.state.reduce((a, b) => a + b, 0) + 8 * h.metricRows * cols + (3 + h.neuronMore.length) * 8 * h.neuronIterations.length * h.neuronWidth;
  if (expected > body.length) throw bad('truncated data');
  if (expected < body.length) throw bad('trailing bytes');
  let off = 12 + len;
  const take = (n: number) => {
    if (off + n > body.length) throw bad('truncated data');
    const b = bytes.slice(off, off + n);
    off += n;
    return b;
  };
  const state = h.state.map((n) => take(n));
  const f64s = (count: number) => {
    const b = take(count * 8);
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return Float64Array.from({ length: count }, (_, i) => v.getFloat64(i * 8, true));
  };
  const mv = f64s(h.metricRows * cols);
  const metrics = Array.from({ length: h.metricRows }, (_, r) =>
    Object.fromEntries(columns.map((c, i) => [c, mv[r * cols + i]])) as MetricRow,
  );
  const evals = h.neuronIterations.length;
  const readTraces = () => Array.from({ length: evals }, () => f64s(h.neuronWidth));
  const coreNorm = readTraces();
  const bgNorm = readTraces();
  const asymmetry = readTraces();
  const more: Record<string, Float64Array[]> = {};
  for (const name of h.neuronMore) more[name] = readTraces();
  if (off !== body.length) throw bad('trailing bytes');
  const last = metrics[metrics.length - 1]?.iteration;
  if (last !== undefined && last > h.iteration) throw bad(`a metric row at iteration ${last}, after the checkpoint's iteration ${h.iteration}`);
  return {
    importDigest: h.importDigest,
    config,
    imported: h.imported,
    snapshot: { iteration: h.iteration, optimizerStep: h.optimizerStep, state },
    metrics,
    neurons: { iterations: h.neuronIterations, coreNorm, bgNorm, asymmetry, more },
    trainMs: h.trainMs,
  };
}
