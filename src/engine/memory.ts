// The engine's memory limits and the shape of a memory plan: each experiment kind computes its plan
// (what it will allocate) before anything runs, and memoryProblem says whether it fits.

/**
 * The engine's limit: pointers cross into JavaScript as signed 32-bit integers, so everything must
 * sit below 2 GiB (the shared memory of the threaded build is also declared with that maximum).
 */
export const MEMORY_LIMIT_BYTES = 2 ** 31;
/** The largest single block the module's allocator hands out (AssemblyScript's BLOCK_MAXSIZE). */
export const BLOCK_LIMIT_BYTES = 2 ** 30 - 16;
/**
 * Static data and what the module takes at start-up, before the engine's first buffer: 14 KiB in the
 * scalar build, 148 KiB in the SIMD build and 2.1 MiB in the threaded one (its 16 threads' GEMM
 * packing and GELU list slots), with room; tests/reliability.test.ts checks every build against it.
 */
export const STATIC_BYTES = 3 << 20;
/** Per allocation: the allocator's header and 16-byte alignment. */
export const PER_BLOCK = 32;

export interface MemoryPlan {
  /** total bytes of linear memory the trainer needs */
  bytes: number;
  /** the largest single buffer */
  largest: { name: string; bytes: number };
  /** bytes by part, for messages */
  parts: Array<{ name: string; bytes: number }>;
}

/** "1.5 GiB", "640 MiB", "12 KiB" */
export function formatBytes(b: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  if (i === 0) return `${b} bytes`;
  // three significant digits, without trailing zeros: 2 GiB, 1.5 GiB, 34.3 GiB
  return `${Number(b.toPrecision(3))} ${units[i]}`;
}

/** Why this plan does not fit the engine, or null if it does. */
export function memoryProblem(plan: MemoryPlan): string | null {
  const top = plan.parts
    .slice(0, 3)
    .map((p) => `${p.name}: ${formatBytes(p.bytes)}`)
    .join('; ');
  if (plan.bytes > MEMORY_LIMIT_BYTES)
    return `this config needs ${formatBytes(plan.bytes)} of WebAssembly memory (${top}), more than the engine's limit of ${formatBytes(MEMORY_LIMIT_BYTES)}; reduce data.n, data.inputDim, model.hidden or train.batchSize`;
  if (plan.largest.bytes > BLOCK_LIMIT_BYTES)
    return `this config needs a single buffer of ${formatBytes(plan.largest.bytes)} (${plan.largest.name}), more than the engine's limit of 1 GiB per buffer; reduce data.n, data.inputDim or model.hidden`;
  return null;
}

/**
 * The memory a NetTrainer needs (an upper estimate): each layer's weights, gradient, two optimizer
 * moments and transposed weights, biases, three activation buffers per row, the inputs and targets
 * of every dataset, and the losses. Kinds built on NetTrainer refuse oversized configs with it.
 */
export function netMemoryPlan(spec: { sizes: readonly number[]; datasets: ReadonlyArray<{ name: string; rows: number }>; batchSize?: number }): MemoryPlan {
  const parts: Array<{ name: string; bytes: number }> = [];
  let largest = { name: '', bytes: 0 };
  const add = (name: string, bytes: number, count = 1) => {
    if (bytes > largest.bytes) largest = { name, bytes };
    parts.push({ name, bytes: count * (Math.max(16, bytes) + PER_BLOCK) });
  };
  const { sizes } = spec;
  const maxRows = Math.max(spec.batchSize ?? 0, ...spec.datasets.map((d) => d.rows));
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [fanIn, fanOut] = [sizes[l], sizes[l + 1]];
    add(`fc${l} weights and optimizer state (${fanOut} x ${fanIn})`, 4 * fanOut * fanIn, 5);
    add(`fc${l} bias`, 4 * fanOut, 4);
    add(`fc${l} activations (${maxRows} rows)`, 8 * maxRows * fanOut, 3);
  }
  const out = sizes[sizes.length - 1];
  for (const d of spec.datasets) add(`${d.name} (${d.rows} x ${sizes[0]})`, 4 * d.rows * (sizes[0] + out));
  if (spec.batchSize) add('batch', 4 * spec.batchSize * (sizes[0] + out) + 4 * maxRows);
  add('losses', 8 * maxRows);
  const list = parts.sort((a, b) => b.bytes - a.bytes);
  return { bytes: STATIC_BYTES + list.reduce((s, p) => s + p.bytes, 0), largest, parts: list };
}

/** Host memory (outside WebAssembly) the per-neuron traces of a run may take: they are kept for the whole run, then copied into checkpoints and .npy files. */
export const TRACE_LIMIT_BYTES = 2 ** 29;

/** Evaluations of a run: at 0, every evalEvery updates, and at the end. */
export function evaluationCount(iterations: number, evalEvery: number): number {
  return Math.floor(iterations / evalEvery) + 1 + (iterations % evalEvery ? 1 : 0);
}

/**
 * Why the per-neuron traces (3 float64 statistics per neuron of the first hidden layer at every
 * evaluation) would not fit the host-side limit, or null. Kinds that record traces check it with
 * their memory plan, so a run at evalEvery = 1 and a wide layer is refused up front instead of growing without bound.
 */
export function traceProblem(c: { iterations: number; evalEvery: number; neurons: number }): string | null {
  const evals = evaluationCount(c.iterations, c.evalEvery);
  const bytes = 3 * 8 * c.neurons * evals;
  if (bytes <= TRACE_LIMIT_BYTES) return null;
  return (
    `this config keeps ${formatBytes(bytes)} of neuron traces in memory (model.hidden = ${c.neurons} neurons x 3 statistics x ${evals} evaluations x 8 bytes), ` +
    `more than the limit of ${formatBytes(TRACE_LIMIT_BYTES)} for them; raise train.evalEvery or lower model.hidden or train.iterations`
  );
}
