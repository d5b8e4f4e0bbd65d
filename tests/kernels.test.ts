// Every WASM kernel against the plain TypeScript references of tests/reference.ts, in both builds
// (SIMD and scalar), and the two builds against each other bit for bit.
//
// "Bitwise" below means Object.is on every element against the reference (which tells +0 from -0),
// and equal raw bits between the two builds. Where a kernel rounds (smooth activations in float32,
// losses in float64) the comparison is within a stated number of float32 ulps, or a float64
// relative bound, as documented at each test (tests/activations.test.ts: the activations densely).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKernels, type Build, type Kernels } from '../src/engine/wasm.js';
import {
  ACT, LOSS, actBackwardIsExact, actBackwardRef, actForwardIsExact, actForwardRef, adamUpdateRef,
  colSumRef, countCorrectRef, erfcRef, gemmRef, lossGradRef, lossSumRef, mulberry32, normalCdfRef,
  randomF32, randomLabels, sgdUpdateRef, spanningF32, transposeRef,
} from './reference.js';

const BUILDS: readonly Build[] = ['simd', 'scalar'];
const f = Math.fround;

// ---------------------------------------------------------------------------------------------
// Memory: one fixed region per instance, handed out by a bump pointer and reset per case
// ---------------------------------------------------------------------------------------------

class Mem {
  private readonly base: number;
  private readonly end: number;
  private top: number;

  constructor(readonly k: Kernels, bytes: number) {
    this.base = k.alloc(bytes);
    this.end = this.base + bytes;
    this.top = this.base;
  }

  /** Forget everything allocated so far (the kernels keep no pointers between calls). */
  reset(): this {
    this.top = this.base;
    return this;
  }

  alloc(bytes: number): number {
    const p = this.top;
    this.top += Math.ceil(bytes / 16) * 16;
    if (this.top > this.end) throw new Error('test arena exhausted');
    return p;
  }

  /** A float32 buffer holding `data`, or `data` NaNs (so a kernel that skips an output shows). */
  f32(data: ArrayLike<number> | number): number {
    const n = typeof data === 'number' ? data : data.length;
    const p = this.alloc(4 * n);
    const view = new Float32Array(this.k.memory.buffer, p, n);
    if (typeof data === 'number') view.fill(NaN);
    else view.set(data);
    return p;
  }

  /** A float64 buffer of n NaNs. */
  f64(n: number): number {
    const p = this.alloc(8 * n);
    new Float64Array(this.k.memory.buffer, p, n).fill(NaN);
    return p;
  }

  u32(data: ArrayLike<number>): number {
    const p = this.alloc(4 * data.length);
    new Uint32Array(this.k.memory.buffer, p, data.length).set(data);
    return p;
  }

  /** A PRNG state seeded with (seed, key). */
  rng(seed: bigint, key: bigint): number {
    const p = this.alloc(32);
    this.k.rngSeed(p, seed, key);
    return p;
  }

  readF32(p: number, n: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, p, n).slice();
  }

  readF64(p: number, n: number): Float64Array {
    return new Float64Array(this.k.memory.buffer, p, n).slice();
  }

  readU32(p: number, n: number): Uint32Array {
    return new Uint32Array(this.k.memory.buffer, p, n).slice();
  }

  writeF32(p: number, data: ArrayLike<number>): void {
    new Float32Array(this.k.memory.buffer, p, data.length).set(data);
  }
}

const kernels = {} as Record<Build, Kernels>;
const mems = {} as Record<Build, Mem>;

beforeAll(async () => {
  for (const b of BUILDS) {
    kernels[b] = await loadKernels(b);
    mems[b] = new Mem(kernels[b], 64 << 20);
  }
});

/** Runs fn on a freshly reset arena of each build; returns both results. */
function both<T>(fn: (m: Mem, k: Kernels) => T): Record<Build, T> {
  const out = {} as Record<Build, T>;
  for (const b of BUILDS) out[b] = fn(mems[b].reset(), kernels[b]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Comparisons
// ---------------------------------------------------------------------------------------------

const scratch32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratch32.buffer);

function bits32(x: number): number {
  scratch32[0] = x;
  return scratchU32[0];
}

/** Position of a float32 on the number line in ulps (+0 and -0 are both 0). */
function ordinal32(x: number): number {
  const b = bits32(x);
  return b >= 0x80000000 ? -(b - 0x80000000) : b;
}

/** Distance in float32 ulps between two float32 values. */
function ulpDist32(a: number, b: number): number {
  return Math.abs(ordinal32(a) - ordinal32(b));
}

/** The spacing of float32 numbers at x (x rounded to float32 first). */
function ulp32(x: number): number {
  const e = (bits32(Math.abs(x)) >>> 23) & 0xff;
  return e === 0 ? 2 ** -149 : 2 ** (e - 150);
}

/** The first element where got and want differ (Object.is), described, or null. */
function firstDiff(got: ArrayLike<number>, want: ArrayLike<number>): string | null {
  if (got.length !== want.length) return `length ${got.length} vs ${want.length}`;
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) return `[${i}] got ${got[i]}, want ${want[i]}`;
  }
  return null;
}

/** The first element where the raw bits of two typed arrays differ, described, or null. */
function firstBitDiff(a: Float32Array | Float64Array | Uint32Array, b: Float32Array | Float64Array | Uint32Array): string | null {
  const ua = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const ub = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (ua.length !== ub.length) return `byte length ${ua.length} vs ${ub.length}`;
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) {
      const e = Math.floor(i / a.BYTES_PER_ELEMENT);
      return `[${e}] ${a[e]} vs ${b[e]}`;
    }
  }
  return null;
}

/** Float32 results within `ulps` float32 ulps of float64 references: first violation or null. */
function firstBeyondUlps(got: Float32Array, want: ArrayLike<number>, ulps = 1): string | null {
  if (got.length !== want.length) return `length ${got.length} vs ${want.length}`;
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= ulps * ulp32(want[i]))) return `[${i}] got ${got[i]}, want ${want[i]}`;
  }
  return null;
}

/** Both builds match the reference exactly, and each other bit for bit. */
function expectBitwise(res: Record<Build, Float32Array>, ref: ArrayLike<number>, what: string): void {
  for (const b of BUILDS) expect(firstDiff(res[b], ref), `${what} (${b})`).toBeNull();
  expect(firstBitDiff(res.simd, res.scalar), `${what}: simd vs scalar`).toBeNull();
}

// ---------------------------------------------------------------------------------------------
// Test inputs
// ---------------------------------------------------------------------------------------------

/** Special values: signed zeros, tiny (1e-40 is subnormal in float32), large (±90, ±1e30). */
const SPECIALS = [0, -0, 1e-40, -1e-40, 1e-30, -1e-30, 1e-8, -1e-8, 0.5, -0.5, 1, -1, 90, -90, 1e30, -1e30];

/** n values: the special values first (as many as fit), then uniform in [-range, range). */
function withSpecials(rng: () => number, n: number, range: number): Float32Array {
  const out = randomF32(rng, n, -range, range);
  for (let i = 0; i < Math.min(n, SPECIALS.length); i++) out[i] = SPECIALS[i];
  return out;
}

/** A K x M buffer whose transpose is the M x K matrix `A` (for the strided Aᵀ·B form). */
function transposed(A: Float32Array, M: number, K: number): Float32Array {
  return transposeRef(A, M, K);
}

// ---------------------------------------------------------------------------------------------
// gemm, transpose, colSum
// ---------------------------------------------------------------------------------------------

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 63, 64, 65, 100];

function runGemm(A: Float32Array, aRow: number, aCol: number, B: Float32Array, M: number, N: number, K: number,
  bias?: Float32Array): Record<Build, Float32Array> {
  return both((m, k) => {
    const pA = m.f32(A), pB = m.f32(B), pC = m.f32(M * N), pBias = bias ? m.f32(bias) : 0;
    k.gemm(pA, aRow, aCol, pB, pC, M, N, K, pBias);
    return m.readF32(pC, M * N);
  });
}

/** Runs gemm on one case in both builds; returns a description of the first failure, or null. */
function gemmCase(A: Float32Array, aRow: number, aCol: number, B: Float32Array, M: number, N: number, K: number,
  bias?: Float32Array): string | null {
  const want = gemmRef(A, aRow, aCol, B, M, N, K, bias);
  const got = runGemm(A, aRow, aCol, B, M, N, K, bias);
  const tag = `M=${M} N=${N} K=${K} aRow=${aRow} aCol=${aCol}${bias ? ' +bias' : ''}`;
  for (const b of BUILDS) {
    const d = firstDiff(got[b], want);
    if (d) return `${tag} (${b}): ${d}`;
  }
  const d = firstBitDiff(got.simd, got.scalar);
  return d ? `${tag}: simd vs scalar ${d}` : null;
}

describe('gemm', () => {
  it('reference sanity: a hand-computed product, and the blocked order is not a running sum', () => {
    // [1 2; 3 4]·[5 6; 7 8] + [0.5, -1]
    const C = gemmRef(new Float32Array([1, 2, 3, 4]), 2, 1, new Float32Array([5, 6, 7, 8]), 2, 2, 2,
      new Float32Array([0.5, -1]));
    expect(Array.from(C)).toEqual([19.5, 21, 43.5, 49]);
    // 2^24 followed by 63 ones (K = 64, two blocks). A running float32 sum loses every +1 (2^24 + 1
    // rounds back to 2^24); the blocked sum loses the 31 ones of block 0 but sums block 1's 32 ones
    // on their own, then adds 32 to 2^24 exactly.
    const K = 64;
    const A = new Float32Array(K).fill(1), B = new Float32Array(K).fill(1);
    A[0] = 2 ** 24;
    let running = 0;
    for (let k = 0; k < K; k++) running = f(running + A[k] * B[k]);
    expect(running).toBe(2 ** 24);
    expect(gemmRef(A, K, 1, B, 1, 1, K)[0]).toBe(2 ** 24 + 32);
    expect(runGemm(A, K, 1, B, 1, 1, K).simd[0]).toBe(2 ** 24 + 32);
  });

  it('matches gemmRef bit for bit for every M, N, K in SIZES (row-major A, bias on every other case)', () => {
    const rng = mulberry32(1);
    const failures: string[] = [];
    let n = 0;
    for (const M of SIZES) {
      for (const N of SIZES) {
        for (const K of SIZES) {
          const A = spanningF32(rng, M * K, 6), B = spanningF32(rng, K * N, 6);
          const bias = (M + N + K) % 2 === 0 ? spanningF32(rng, N, 6) : undefined;
          const d = gemmCase(A, K, 1, B, M, N, K, bias);
          if (d) failures.push(d);
          n++;
        }
      }
    }
    expect(n).toBe(SIZES.length ** 3);
    expect(failures.slice(0, 5)).toEqual([]);
  });

  it('matches gemmRef bit for bit with strided A (Aᵀ·B: aRow = 1, aCol = M) for every M, N, K in SIZES', () => {
    const rng = mulberry32(2);
    const failures: string[] = [];
    for (const M of SIZES) {
      for (const N of SIZES) {
        for (const K of SIZES) {
          const At = randomF32(rng, K * M), B = randomF32(rng, K * N); // At is K x M
          const bias = (M * N + K) % 3 === 0 ? randomF32(rng, N) : undefined;
          const d = gemmCase(At, 1, M, B, M, N, K, bias);
          if (d) failures.push(d);
        }
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });

  it('strided A equals the row-major product of the explicit transpose', () => {
    const rng = mulberry32(3);
    const [M, N, K] = [37, 21, 70];
    const A = randomF32(rng, M * K), B = randomF32(rng, K * N);
    const rowMajor = runGemm(A, K, 1, B, M, N, K);
    const strided = runGemm(transposed(A, M, K), 1, M, B, M, N, K);
    for (const b of BUILDS) expect(firstBitDiff(strided[b], rowMajor[b]), b).toBeNull();
  });

  it('handles padded leading dimensions (aRow = K + 5; aCol = M + 3)', () => {
    const rng = mulberry32(4);
    const failures: string[] = [];
    for (const [M, N, K] of [[5, 9, 33], [8, 8, 64], [13, 3, 1], [1, 17, 65]]) {
      const B = randomF32(rng, K * N);
      const padRows = randomF32(rng, M * (K + 5)); // element (i, k) at i*(K+5) + k
      const padCols = randomF32(rng, K * (M + 3)); // element (i, k) at i + k*(M+3)
      failures.push(gemmCase(padRows, K + 5, 1, B, M, N, K, randomF32(rng, N)) ?? '');
      failures.push(gemmCase(padCols, 1, M + 3, B, M, N, K) ?? '');
    }
    expect(failures.filter((s) => s)).toEqual([]);
  });

  it('K = 0 overwrites C with +0, or with the bias', () => {
    const rng = mulberry32(5);
    for (const [M, N] of [[1, 1], [3, 5], [4, 8], [9, 33], [64, 7]]) {
      const empty = new Float32Array(0);
      const zeros = runGemm(empty, 0, 1, empty, M, N, 0); // C starts as NaN in the arena
      const bias = spanningF32(rng, N, 4);
      bias[0] = -0; // 0 + (-0) = +0
      const withBias = runGemm(empty, 0, 1, empty, M, N, 0, bias);
      const expectBias = new Float32Array(M * N);
      for (let i = 0; i < M * N; i++) expectBias[i] = f(0 + bias[i % N]);
      expectBitwise(zeros, new Float32Array(M * N), `K=0 M=${M} N=${N}`);
      expectBitwise(withBias, expectBias, `K=0 +bias M=${M} N=${N}`);
      expect(firstDiff(expectBias, gemmRef(empty, 0, 1, empty, M, N, 0, bias))).toBeNull();
      expect(Object.is(withBias.simd[0], 0)).toBe(true);
    }
  });

  it('1x1x1 products are single float32 operations, signed zeros included', () => {
    const cases: [number, number, number | undefined, number][] = [
      [3, 5, undefined, 15], [-0, 5, undefined, 0], [0.1, 0.1, undefined, f(f(0.1) * f(0.1))],
      [2, 3, 0.5, 6.5], [-2, 3, 6, 0], [-0, 1, -0, 0],
    ];
    for (const [a, b, bias, want] of cases) {
      const got = runGemm(new Float32Array([a]), 1, 1, new Float32Array([b]), 1, 1, 1,
        bias === undefined ? undefined : new Float32Array([bias]));
      expectBitwise(got, [want], `${a}*${b}+${bias}`);
    }
  });

  it('matches gemmRef bit for bit on values spanning 1e-40 .. 1e30 with ±0 (no overflow, no NaN)', () => {
    const rng = mulberry32(6);
    const pick = (vals: number[], n: number): Float32Array =>
      new Float32Array(n).map(() => vals[Math.floor(rng() * vals.length)] * (1 + rng()));
    // huge: products up to 2e34, sums of up to 100 of them stay finite
    const hugeA = [0, -0, 1e30, -1e30, 1e-30, -1e-30, 1e-40, -1e-40, 3.25, -7.5e5, 1e-20];
    const hugeB = [0, -0, 1e-30, -1e-30, 1e4, -1e4, 1e-40, 0.75, -1.5e-3];
    // tiny: every product is subnormal or barely normal (gradual underflow must be exact)
    const tinyA = [0, -0, 1e-40, -1e-40, 3e-39, -3e-39, 1e-44];
    const tinyB = [0, -0, 0.75, -0.5, 2, -3];
    const isSubnormal = (x: number): boolean => x !== 0 && Math.abs(x) < 2 ** -126;
    for (const [M, N, K] of [[33, 37, 65], [4, 8, 32], [7, 5, 100]]) {
      for (const [va, vb, huge] of [[hugeA, hugeB, true], [tinyA, tinyB, false]] as const) {
        const A = pick([...va], M * K), B = pick([...vb], K * N);
        const bias = huge ? new Float32Array(N).map((_, j) => [0, -0, 1e-30, 1e30, -2][j % 5]) : undefined;
        const want = gemmRef(A, K, 1, B, M, N, K, bias);
        expect(want.every((x) => Number.isFinite(x))).toBe(true);
        if (huge) expect(want.some((x) => Math.abs(x) > 1e30)).toBe(true);
        else expect(want.some(isSubnormal)).toBe(true);
        const tag = `${huge ? 'huge' : 'tiny'} ${M}x${N}x${K}`;
        expectBitwise(runGemm(A, K, 1, B, M, N, K, bias), want, tag);
        expectBitwise(runGemm(transposed(A, M, K), 1, M, B, M, N, K, bias), want, `${tag} strided`);
      }
    }
  });

  it('matches gemmRef bit for bit on the training shapes 1000x256x64 (+bias) and 256x64x1000 (strided A)', () => {
    const rng = mulberry32(7);
    {
      const [M, N, K] = [1000, 256, 64];
      const A = randomF32(rng, M * K), B = randomF32(rng, K * N, -0.2, 0.2), bias = randomF32(rng, N);
      expect(gemmCase(A, K, 1, B, M, N, K, bias)).toBeNull();
    }
    {
      const [M, N, K] = [256, 64, 1000];
      const At = randomF32(rng, K * M), B = randomF32(rng, K * N, -1e-3, 1e-3); // At: 1000 x 256
      expect(gemmCase(At, 1, M, B, M, N, K)).toBeNull();
    }
  });
});

describe('gemm: packed B panels', () => {
  it('matches gemmRef bit for bit when N spans several pack panels and K several packed chunks (256 rows), both layouts', () => {
    const rng = mulberry32(8);
    const failures: string[] = [];
    for (const [M, N, K] of [[9, 300, 70], [4, 263, 33], [13, 129, 1], [6, 1000, 40], [7, 140, 600], [5, 136, 257]]) {
      const A = randomF32(rng, M * K), B = randomF32(rng, K * N), bias = randomF32(rng, N);
      failures.push(gemmCase(A, K, 1, B, M, N, K, bias) ?? '');
      failures.push(gemmCase(transposed(A, M, K), 1, M, B, M, N, K) ?? '');
    }
    expect(failures.filter((s) => s)).toEqual([]);
  });
});

describe('transpose and colSum', () => {
  const ROWS = [0, 1, 31, 32, 33, 1000];
  // 16 columns per SIMD pass, then pairs, then one: 17 and 35 take all three
  const COLS = [1, 3, 4, 5, 17, 35, 256];

  it('transpose matches transposeRef bit for bit', () => {
    const rng = mulberry32(10);
    for (const rows of ROWS) {
      for (const cols of COLS) {
        const src = spanningF32(rng, rows * cols);
        const got = both((m, k) => {
          const pS = m.f32(src), pD = m.f32(rows * cols);
          k.transpose(pS, pD, rows, cols);
          return m.readF32(pD, rows * cols);
        });
        expectBitwise(got, transposeRef(src, rows, cols), `transpose ${rows}x${cols}`);
      }
    }
  });

  it('colSum matches colSumRef bit for bit (rows = 0 gives +0)', () => {
    const rng = mulberry32(11);
    for (const rows of ROWS) {
      for (const cols of COLS) {
        const A = spanningF32(rng, rows * cols, 8);
        const got = both((m, k) => {
          const pA = m.f32(A), pO = m.f32(cols);
          k.colSum(pA, pO, rows, cols);
          return m.readF32(pO, cols);
        });
        const want = colSumRef(A, rows, cols);
        expectBitwise(got, want, `colSum ${rows}x${cols}`);
        if (rows === 0) expect(firstDiff(want, new Float32Array(cols))).toBeNull();
      }
    }
  });

  it('colSumStrided (rows ld floats apart) matches colSumRef of the sub-matrix bit for bit', () => {
    const rng = mulberry32(12);
    for (const [rows, cols, ld] of [[33, 35, 40], [1000, 17, 256], [5, 16, 19]]) {
      const A = spanningF32(rng, rows * ld, 8);
      const sub = new Float32Array(rows * cols);
      for (let i = 0; i < rows; i++) sub.set(A.subarray(i * ld, i * ld + cols), i * cols);
      const got = both((m, k) => {
        const pA = m.f32(A), pO = m.f32(cols);
        k.colSumStrided(pA, pO, rows, cols, ld);
        return m.readF32(pO, cols);
      });
      expectBitwise(got, colSumRef(sub, rows, cols), `colSumStrided ${rows}x${cols} ld ${ld}`);
    }
  });

  it('colSum accumulates in float64 and rounds once (where a float32 running sum would lose the small terms)', () => {
    // column 0: 2^24 then 1000 ones: float32 would stay at 2^24, float64 gives 2^24 + 1000 exactly
    // column 1: 0.1 (float32) 1001 times, rounded once at the end
    const rows = 1001, cols = 2;
    const A = new Float32Array(rows * cols).fill(1);
    A[0] = 2 ** 24;
    for (let i = 0; i < rows; i++) A[i * cols + 1] = 0.1;
    const got = both((m, k) => {
      const pA = m.f32(A), pO = m.f32(cols);
      k.colSum(pA, pO, rows, cols);
      return m.readF32(pO, cols);
    });
    expectBitwise(got, [2 ** 24 + 1000, f(1001 * f(0.1))], 'colSum float64');
    expect(colSumRef(A, rows, cols)[0]).toBe(2 ** 24 + 1000);
  });
});

// ---------------------------------------------------------------------------------------------
// Activations
// ---------------------------------------------------------------------------------------------

const ACT_NAMES = Object.keys(ACT) as (keyof typeof ACT)[];
// float32 evaluation bounds, in ulps of the float64 value (tests/activations.test.ts measures the
// worst error on a dense grid of every float32 binade: sigmoid 2.13, tanh 1.39, GELU 3.44)
const ACT_ULPS: Record<string, number> = { sigmoid: 2.5, tanh: 2.5, gelu: 3.5 };

/**
 * dA * GELU'(z): GELU' is within 10 ulps where |GELU'| >= 2^-4 and within 10 x 2^-27 absolute
 * nearer its zero (tests/activations.test.ts), and the product rounds once more.
 */
function firstBeyondGeluGrad(got: Float32Array, want: ArrayLike<number>, dA: Float32Array): string | null {
  for (let i = 0; i < got.length; i++) {
    const tol = 10.5 * ulp32(want[i]) + 10 * 2 ** -27 * Math.abs(dA[i]);
    if (!(Math.abs(got[i] - want[i]) <= tol)) return `[${i}] got ${got[i]}, want ${want[i]}`;
  }
  return null;
}
const LENGTHS = [1, 3, 5, 7, 37, 1001];

function runForward(kind: number, Z: Float32Array, inPlace = false): Record<Build, Float32Array> {
  return both((m, k) => {
    const pZ = m.f32(Z), pA = inPlace ? pZ : m.f32(Z.length);
    k.actForward(kind, pZ, pA, Z.length);
    return m.readF32(pA, Z.length);
  });
}

function runBackward(kind: number, Z: Float32Array, A: Float32Array, dA: Float32Array, inPlace = false):
  Record<Build, Float32Array> {
  return both((m, k) => {
    const pZ = m.f32(Z), pA = m.f32(A), pdA = m.f32(dA), pdZ = inPlace ? pdA : m.f32(Z.length);
    k.actBackward(kind, pZ, pA, pdA, pdZ, Z.length);
    return m.readF32(pdZ, Z.length);
  });
}

describe('activations', () => {
  it("GELU: GELU'(z) kept by the forward pass (float32) gives the backward pass the same bits as computing it there", () => {
    const rng = mulberry32(77);
    for (const n of LENGTHS) {
      const Z = withSpecials(rng, n, 12);
      const dA = Float32Array.from({ length: n }, () => rng() * 2 - 1);
      const got = both((m, k) => {
        const pZ = m.f32(Z), pA = m.f32(n), deriv = m.f32(n), pdA = m.f32(dA), d1 = m.f32(n), d2 = m.f32(n), pA2 = m.f32(n);
        k.actForward(ACT.gelu, pZ, pA, n, deriv);
        k.actForward(ACT.gelu, pZ, pA2, n); // without the derivative: the same values
        k.actBackward(ACT.gelu, pZ, pA, pdA, d1, n, deriv);
        k.actBackward(ACT.gelu, pZ, pA, pdA, d2, n);
        return { A: m.readF32(pA, n), A2: m.readF32(pA2, n), cached: m.readF32(d1, n), fresh: m.readF32(d2, n) };
      });
      for (const b of BUILDS) {
        expect(firstBitDiff(got[b].A2, got[b].A), `n=${n} (${b}) forward with and without the derivative`).toBeNull();
        expect(firstBitDiff(got[b].cached, got[b].fresh), `n=${n} (${b})`).toBeNull();
      }
      expect(firstBitDiff(got.simd.A, got.scalar.A), `n=${n} forward simd vs scalar`).toBeNull();
      expect(firstBitDiff(got.simd.cached, got.scalar.cached), `n=${n} backward simd vs scalar`).toBeNull();
    }
  });

  for (const name of ACT_NAMES) {
    const kind = ACT[name];
    const exactFwd = actForwardIsExact(kind), exactBwd = actBackwardIsExact(kind);

    it(`${name} forward ${exactFwd ? 'matches bit for bit' : `is within ${ACT_ULPS[name]} float32 ulps of the float64 reference`}`, () => {
      const rng = mulberry32(100 + kind);
      for (const n of LENGTHS) {
        const Z = withSpecials(rng, n, kind === ACT.gelu ? 12 : 8);
        const got = runForward(kind, Z);
        const want = actForwardRef(kind, Z);
        for (const b of BUILDS) {
          expect(exactFwd ? firstDiff(got[b], want) : firstBeyondUlps(got[b], want, ACT_ULPS[name]), `${name} n=${n} (${b})`).toBeNull();
        }
        expect(firstBitDiff(got.simd, got.scalar), `${name} n=${n} simd vs scalar`).toBeNull();
      }
    });

    it(`${name} backward ${exactBwd ? 'matches bit for bit' : "is within GELU's bound of the float64 reference"}`, () => {
      const rng = mulberry32(200 + kind);
      for (const n of LENGTHS) {
        const Z = withSpecials(rng, n, kind === ACT.gelu ? 12 : 8);
        const dA = spanningF32(rng, n, 10);
        // A as the forward pass leaves it (sigmoid and tanh differentiate through A)
        const A = runForward(kind, Z).scalar;
        const got = runBackward(kind, Z, A, dA);
        const want = actBackwardRef(kind, Z, A, dA);
        for (const b of BUILDS) {
          expect(exactBwd ? firstDiff(got[b], want) : firstBeyondGeluGrad(got[b], want, dA), `${name} n=${n} (${b})`).toBeNull();
        }
        expect(firstBitDiff(got.simd, got.scalar), `${name} n=${n} simd vs scalar`).toBeNull();
      }
    });

    it(`${name} works in place (A = Z forward, dZ = dA backward) with the same bits`, () => {
      const rng = mulberry32(300 + kind);
      const Z = withSpecials(rng, 37, 6), dA = randomF32(rng, 37, -3, 3);
      const A = randomF32(rng, 37, 0, 1); // any A: the backward formulas only read it
      const fwd = runForward(kind, Z), fwdIn = runForward(kind, Z, true);
      const bwd = runBackward(kind, Z, A, dA), bwdIn = runBackward(kind, Z, A, dA, true);
      for (const b of BUILDS) {
        expect(firstBitDiff(fwdIn[b], fwd[b]), `forward ${b}`).toBeNull();
        expect(firstBitDiff(bwdIn[b], bwd[b]), `backward ${b}`).toBeNull();
      }
      if (exactBwd) expect(firstDiff(bwd.simd, actBackwardRef(kind, Z, A, dA))).toBeNull();
    });
  }

  it('piecewise-linear activations on ±0 and ±1e30: ReLU(-0) = +0, leaky keeps the sign', () => {
    const Z = new Float32Array([-0, 0, 1e30, -1e30, -1e-40, 2.5, -2.5]);
    expectBitwise(runForward(ACT.relu, Z), [0, 0, f(1e30), 0, 0, 2.5, 0], 'relu');
    expectBitwise(runForward(ACT.leakyrelu, Z),
      [f(-0 * f(0.1)), 0, f(1e30), f(f(-1e30) * f(0.1)), f(f(-1e-40) * f(0.1)), 2.5, f(-2.5 * f(0.1))], 'leaky');
    expect(Object.is(runForward(ACT.leakyrelu, Z).simd[0], -0)).toBe(true);
    // the backward pass selects on z > 0: at z = ±0 ReLU passes no gradient
    const dA = new Float32Array(7).fill(3);
    expectBitwise(runBackward(ACT.relu, Z, Z, dA), [0, 0, 3, 0, 0, 3, 0], 'relu backward');
  });

  it("GELU's two-pass SIMD loop (polynomials, then the listed tail lanes) gives the scalar build's bits: blocks with no tail lane, only tail lanes, mixed, across its 256-value blocks, in place, with and without GELU'", () => {
    const rng = mulberry32(401);
    const kinds: ((i: number) => number)[] = [
      () => rng() * 1.8 - 0.9, // every lane polynomial
      () => (rng() < 0.5 ? -1 : 1) * (1 + rng() * 15), // every lane tail
      () => (rng() - 0.5) * 5, // mixed, as training has them
    ];
    for (const n of [4, 255, 256, 257, 515, 1024, 4099]) {
      // blocks of each kind in turn (256 values each), then a run of specials
      const Z = Float32Array.from({ length: n }, (_, i) => kinds[Math.floor(i / 256) % 3](i));
      for (let i = 0; i < SPECIALS.length && 600 + i < n; i++) Z[600 + i] = SPECIALS[i];
      Z[n - 1] = NaN;
      const got = both((m, k) => {
        const pZ = m.f32(Z), pA = m.f32(n), pD = m.f32(n), pIn = m.f32(Z);
        k.actForward(ACT.gelu, pZ, pA, n, pD);
        k.actForward(ACT.gelu, pIn, pIn, n);
        // a thread beyond the scratch slots (the plain builds have one) runs the per-group loop
        k.setThreadIndex(1);
        const pA1 = m.f32(n), pD1 = m.f32(n);
        k.actForward(ACT.gelu, pZ, pA1, n, pD1);
        k.setThreadIndex(0);
        return { A: m.readF32(pA, n), D: m.readF32(pD, n), inPlace: m.readF32(pIn, n), A1: m.readF32(pA1, n), D1: m.readF32(pD1, n) };
      });
      expect(firstBitDiff(got.simd.A, got.scalar.A), `n=${n} forward`).toBeNull();
      expect(firstBitDiff(got.simd.D, got.scalar.D), `n=${n} derivative`).toBeNull();
      for (const b of BUILDS) {
        expect(firstBitDiff(got[b].inPlace, got[b].A), `n=${n} (${b}) in place, no derivative`).toBeNull();
        expect(firstBitDiff(got[b].A1, got[b].A), `n=${n} (${b}) thread without scratch`).toBeNull();
        expect(firstBitDiff(got[b].D1, got[b].D), `n=${n} (${b}) thread without scratch, derivative`).toBeNull();
      }
      expect(Number.isNaN(got.simd.A[n - 1])).toBe(true);
    }
  });

  it('smooth activations saturate cleanly at ±90 and ±1e30', () => {
    const Z = new Float32Array([90, -90, 1e30, -1e30]);
    expectBitwise(runForward(ACT.tanh, Z), [1, -1, 1, -1], 'tanh');
    const sig = runForward(ACT.sigmoid, Z);
    expectBitwise(sig, [1, f(Math.exp(-90)), 1, 0], 'sigmoid'); // sigmoid(-90) ≈ 8.2e-40 is subnormal
    expect(sig.simd[1]).toBeGreaterThan(0);
    expectBitwise(runForward(ACT.gelu, Z), [90, -0, f(1e30), -0], 'gelu');
  });
});

// ---------------------------------------------------------------------------------------------
// GELU and the normal CDF against mpmath
// ---------------------------------------------------------------------------------------------

interface GeluPoint {
  z: string; gelu: string; dgelu: string; cdf: string; erf: string; gelu_f32: string; dgelu_f32: string;
}
const GELU_TABLE = JSON.parse(
  readFileSync(new URL('./fixtures/gelu/gelu_table.json', import.meta.url), 'utf8'),
) as { points: GeluPoint[] };
const TABLE_Z = new Float32Array(GELU_TABLE.points.map((p) => Number(p.z)));

/** Per build: how many results equal the correctly rounded float32, and the worst ulp distance. */
function roundingStats(got: Float32Array, want: number[]): { exact: number; worst: number } {
  let exact = 0, worst = 0;
  for (let i = 0; i < want.length; i++) {
    const d = ulpDist32(got[i], want[i]);
    if (d === 0 && Object.is(got[i], want[i])) exact++;
    worst = Math.max(worst, d);
  }
  return { exact, worst };
}

describe('GELU against mpmath (tests/fixtures/gelu)', () => {
  it('the table holds 400+ float32 points on [-12, 12] including the edge values', () => {
    expect(TABLE_Z.length).toBeGreaterThanOrEqual(400);
    for (let i = 0; i < TABLE_Z.length; i++) expect(TABLE_Z[i]).toBe(Number(GELU_TABLE.points[i].z)); // float32-exact
    for (const z of [0, 1e-8, -1e-8, 0.5, -0.5, 5.5, -5.5, 10, -10, 12, -12]) {
      expect(TABLE_Z.includes(f(z)), `z=${z}`).toBe(true);
    }
  });

  it('GELU forward (float32, act32.ts) is within 4 float32 steps of the correctly rounded z Phi(z), mostly equal to it', () => {
    const want = GELU_TABLE.points.map((p) => Number(p.gelu_f32));
    const got = runForward(ACT.gelu, TABLE_Z);
    for (const b of BUILDS) {
      const { exact, worst } = roundingStats(got[b], want);
      expect(worst, b).toBeLessThanOrEqual(4);
      expect(exact / want.length, b).toBeGreaterThan(0.65); // 0.71: the tail form rounds more often than the polynomial
      if (b === 'simd') console.info(`GELU forward: ${exact}/${want.length} correctly rounded, worst ${worst} float32 steps away`);
    }
    expect(firstBitDiff(got.simd, got.scalar)).toBeNull();
  });

  it("GELU backward (dA = 1) is within 10 float32 steps of the correctly rounded Phi(z) + z phi(z) (absolutely near its zero)", () => {
    const want = GELU_TABLE.points.map((p) => Number(p.dgelu_f32));
    const n = TABLE_Z.length;
    const got = runBackward(ACT.gelu, TABLE_Z, new Float32Array(n), new Float32Array(n).fill(1));
    const far = want.map((w) => Math.abs(w) >= 2 ** -4);
    for (const b of BUILDS) {
      const { exact, worst } = roundingStats(got[b].filter((_, i) => far[i]), want.filter((_, i) => far[i]));
      expect(worst, b).toBeLessThanOrEqual(10);
      for (let i = 0; i < n; i++) if (!far[i]) expect(Math.abs(got[b][i] - want[i]), `z=${TABLE_Z[i]}`).toBeLessThanOrEqual(10 * 2 ** -27);
      if (b === 'simd') console.info(`GELU backward: ${exact}/${far.filter(Boolean).length} correctly rounded where |GELU'| >= 2^-4, worst ${worst} float32 steps away`);
    }
    expect(firstBitDiff(got.simd, got.scalar)).toBeNull();
  });

  it('erf(x) and normalCdf(x) (float64) have relative error < 1e-13, lower tail included', () => {
    for (const b of BUILDS) {
      const k = kernels[b];
      for (const p of GELU_TABLE.points) {
        const z = Number(p.z), erf = Number(p.erf), cdf = Number(p.cdf);
        expect(Math.abs(k.erf(z) - erf), `${b} erf(${z})`).toBeLessThanOrEqual(1e-13 * Math.abs(erf));
        expect(Math.abs(k.normalCdf(z) - cdf), `${b} Phi(${z})`).toBeLessThanOrEqual(1e-13 * cdf);
      }
      // named spot checks (mpmath): Phi(-10) and Phi(-12) keep their relative accuracy
      expect(Math.abs(k.normalCdf(-10) / 7.619853024160526e-24 - 1)).toBeLessThan(1e-13);
      expect(Math.abs(k.normalCdf(-12) / 1.776482112077679e-33 - 1)).toBeLessThan(1e-13);
      expect(k.erf(0)).toBe(0);
      expect(k.normalCdf(0)).toBe(0.5);
    }
  });

  it('the TypeScript reference normalCdfRef agrees with mpmath to 1e-12 relative (so it may judge 1-ulp results)', () => {
    let worst = 0;
    for (const p of GELU_TABLE.points) {
      const z = Number(p.z), cdf = Number(p.cdf);
      worst = Math.max(worst, Math.abs(normalCdfRef(z) - cdf) / cdf);
    }
    expect(worst).toBeLessThan(1e-12);
    expect(erfcRef(0)).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Losses
// ---------------------------------------------------------------------------------------------

const LOSS_NAMES = Object.keys(LOSS) as (keyof typeof LOSS)[];

/** Outputs with special values, and some exactly at the hinge kink (f = y, so 1 - y f = 0). */
function lossInputs(seed: number, n: number): { F: Float32Array; Y: Float32Array } {
  const rng = mulberry32(seed);
  const F = withSpecials(rng, n, 4), Y = randomLabels(rng, n);
  for (let i = 16; i < n; i += 5) F[i] = Y[i];
  return { F, Y };
}

describe('losses', () => {
  for (const name of LOSS_NAMES) {
    const kind = LOSS[name];
    // Logistic uses exp/log1p: WASM's are musl ports, the reference's are V8's, so the float64
    // sum may differ in the last bits; hinge and MSE use + - * only and must match exactly.
    const sumTol = kind === LOSS.logistic ? 2e-15 : 0;

    it(`${name}: lossSum in float64 index order ${sumTol ? 'within 2e-15 relative' : 'exactly'}`, () => {
      for (const n of [0, 1, 7, 37, 1001]) {
        const { F, Y } = lossInputs(400 + n, n);
        const want = lossSumRef(kind, F, Y);
        const got = both((m, k) => k.lossSum(kind, m.f32(F), m.f32(Y), n));
        for (const b of BUILDS) {
          expect(Math.abs(got[b] - want), `${name} n=${n} (${b})`).toBeLessThanOrEqual(sumTol * Math.abs(want));
        }
        expect(Object.is(got.simd, got.scalar)).toBe(true);
      }
    });

    it(`${name}: lossGrad rounds once to float32 (${kind === LOSS.logistic ? '1 ulp' : 'exact'}) and returns lossSum's value`, () => {
      for (const n of [1, 7, 37, 1001]) {
        const { F, Y } = lossInputs(500 + n, n);
        const want = lossGradRef(kind, F, Y);
        const got = both((m, k) => {
          const pF = m.f32(F), pY = m.f32(Y), pG = m.f32(n);
          const s = k.lossGrad(kind, pF, pY, pG, n);
          return { s, sum: k.lossSum(kind, pF, pY, n), G: m.readF32(pG, n) };
        });
        for (const b of BUILDS) {
          const G = got[b].G;
          if (kind === LOSS.logistic) {
            let worst = 0;
            for (let i = 0; i < n; i++) worst = Math.max(worst, ulpDist32(G[i], want[i]));
            expect(worst, `${name} n=${n} (${b})`).toBeLessThanOrEqual(1);
          } else {
            expect(firstDiff(G, want), `${name} n=${n} (${b})`).toBeNull();
          }
          expect(Object.is(got[b].s, got[b].sum), `${name} n=${n} (${b}) returned sum`).toBe(true);
        }
        expect(firstBitDiff(got.simd.G, got.scalar.G)).toBeNull();
      }
    });
  }

  it('hinge passes the gradient -y/n at the kink 1 - y f = 0, and none beyond it', () => {
    const F = new Float32Array([1, -1, 2, -0.5, 0]);
    const Y = new Float32Array([1, -1, 1, 1, -1]);
    const got = both((m, k) => {
      const pG = m.f32(5);
      k.lossGrad(LOSS.hinge, m.f32(F), m.f32(Y), pG, 5);
      return m.readF32(pG, 5);
    });
    expectBitwise(got, [f(-1 / 5), f(1 / 5), 0, f(-1 / 5), f(1 / 5)], 'hinge kink');
    expect(lossGradRef(LOSS.hinge, F, Y)[0]).toBe(f(-0.2));
  });

  it('logistic is stable for margins ±1e30 and ±90', () => {
    const F = new Float32Array([1e30, -1e30, 90, -90]), Y = new Float32Array([1, 1, -1, -1]);
    const got = both((m, k) => k.lossSum(LOSS.logistic, m.f32(F), m.f32(Y), 4));
    // log1p(exp(-1e30)) = 0, 1e30 + 0, 90 + log1p(e^-90), log1p(e^-90)
    const want = 0 + f(1e30) + (90 + Math.exp(-90)) + Math.exp(-90);
    expect(got.simd).toBe(want);
    expect(got.scalar).toBe(want);
  });

  it('countCorrect counts y f > 0 in float32 (f = ±0 is wrong)', () => {
    for (const n of [0, 1, 7, 1001]) {
      const { F, Y } = lossInputs(600 + n, n);
      const want = countCorrectRef(F, Y);
      const got = both((m, k) => k.countCorrect(m.f32(F), m.f32(Y), n));
      expect(got.simd, `n=${n}`).toBe(want);
      expect(got.scalar, `n=${n}`).toBe(want);
    }
    const got = both((m, k) => k.countCorrect(m.f32([0, -0, 1e-40, -2, 3]), m.f32([1, -1, 1, -1, -1]), 5));
    expect(got.simd).toBe(2);
    expect(got.scalar).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Optimizers
// ---------------------------------------------------------------------------------------------

const COUNTS = [1, 37, 4096 + 3];

describe('optimizers: bit for bit with the references over steps t = 1..5', () => {
  const sgdConfigs = [
    { lr: 0.1, wd: 5e-4, mom: 0.9 },
    { lr: 0.05, wd: 0, mom: 0.5 },
    { lr: 0.3, wd: 1e-3, mom: 0 },
  ];
  for (const cfg of sgdConfigs) {
    it(`SGD lr=${cfg.lr} wd=${cfg.wd} momentum=${cfg.mom}`, () => {
      for (const count of COUNTS) {
        const rng = mulberry32(700 + count);
        const P = spanningF32(rng, count, 4);
        const Buf = randomF32(rng, count); // contents must be ignored at the first step
        const ref = { P: P.slice(), Buf: Buf.slice() };
        const st = both((m) => ({ m, P: m.f32(P), G: m.f32(count), Buf: m.f32(Buf) }));
        for (let t = 1; t <= 5; t++) {
          const G = spanningF32(rng, count, 6);
          sgdUpdateRef(ref.P, G, ref.Buf, cfg.lr, cfg.wd, cfg.mom, t === 1);
          const got = {} as Record<Build, { P: Float32Array; Buf: Float32Array }>;
          for (const b of BUILDS) {
            const s = st[b];
            s.m.writeF32(s.G, G);
            s.m.k.sgdUpdate(s.P, s.G, s.Buf, count, cfg.lr, cfg.wd, cfg.mom, t === 1 ? 1 : 0);
            got[b] = { P: s.m.readF32(s.P, count), Buf: s.m.readF32(s.Buf, count) };
            expect(firstDiff(got[b].P, ref.P), `P count=${count} t=${t} (${b})`).toBeNull();
            expect(firstDiff(got[b].Buf, ref.Buf), `Buf count=${count} t=${t} (${b})`).toBeNull();
          }
          expect(firstBitDiff(got.simd.P, got.scalar.P)).toBeNull();
        }
        if (cfg.mom === 0) expect(firstDiff(ref.Buf, Buf), 'momentum 0 leaves the buffer alone').toBeNull();
      }
    });
  }

  const adamConfigs = [
    { name: 'Adam', lr: 1e-3, wd: 0, b1: 0.9, b2: 0.999, eps: 1e-8, decoupled: false },
    { name: 'Adam (L2)', lr: 3e-3, wd: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-8, decoupled: false },
    { name: 'AdamW', lr: 1e-3, wd: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-8, decoupled: true },
    { name: 'AdamW (b1=0.8, b2=0.99, eps=1e-6)', lr: 0.01, wd: 0.1, b1: 0.8, b2: 0.99, eps: 1e-6, decoupled: true },
  ];
  for (const cfg of adamConfigs) {
    it(`${cfg.name} lr=${cfg.lr} wd=${cfg.wd}`, () => {
      for (const count of COUNTS) {
        const rng = mulberry32(800 + count);
        const P = spanningF32(rng, count, 4);
        const ref = { P: P.slice(), M: new Float32Array(count), V: new Float32Array(count) };
        const st = both((m) => ({
          m, P: m.f32(P), G: m.f32(count), M: m.f32(new Float32Array(count)), V: m.f32(new Float32Array(count)),
        }));
        for (let t = 1; t <= 5; t++) {
          const G = spanningF32(rng, count, 6);
          adamUpdateRef(ref.P, G, ref.M, ref.V, cfg.lr, cfg.wd, cfg.b1, cfg.b2, cfg.eps, t, cfg.decoupled);
          const got = {} as Record<Build, Float32Array>;
          for (const b of BUILDS) {
            const s = st[b];
            s.m.writeF32(s.G, G);
            s.m.k.adamUpdate(s.P, s.G, s.M, s.V, count, cfg.lr, cfg.wd, cfg.b1, cfg.b2, cfg.eps, t, cfg.decoupled ? 1 : 0);
            got[b] = s.m.readF32(s.P, count);
            expect(firstDiff(got[b], ref.P), `P count=${count} t=${t} (${b})`).toBeNull();
            expect(firstDiff(s.m.readF32(s.M, count), ref.M), `m count=${count} t=${t} (${b})`).toBeNull();
            expect(firstDiff(s.m.readF32(s.V, count), ref.V), `v count=${count} t=${t} (${b})`).toBeNull();
          }
          expect(firstBitDiff(got.simd, got.scalar)).toBeNull();
        }
      }
    });
  }

  it('Adam and AdamW differ when wd > 0 and coincide when wd = 0', () => {
    const rng = mulberry32(900);
    const P = randomF32(rng, 37), G = randomF32(rng, 37);
    const step = (wd: number, decoupled: boolean): Float32Array => {
      const p = P.slice();
      adamUpdateRef(p, G, new Float32Array(37), new Float32Array(37), 1e-2, wd, 0.9, 0.999, 1e-8, 1, decoupled);
      return p;
    };
    expect(firstDiff(step(0, false), step(0, true))).toBeNull();
    expect(firstDiff(step(0.1, false), step(0.1, true))).not.toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// PRNG: an independent BigInt SplitMix64 + xoshiro256** (Blackman & Vigna's published definitions)
// ---------------------------------------------------------------------------------------------

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

/** SplitMix64's output function applied to an (already advanced) state x. */
function splitmix64(x: bigint): bigint {
  let z = x;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

function rotl64(x: bigint, k: bigint): bigint {
  return ((x << k) | (x >> (64n - k))) & MASK64;
}

class XoshiroRef {
  constructor(readonly s: bigint[]) {}

  /** As assembly/rng.ts seeds: x = seed * golden xor key; four times x += golden, s[i] = splitmix(x). */
  static seeded(seed: bigint, key: bigint): XoshiroRef {
    let x = ((seed * GOLDEN) & MASK64) ^ key;
    const s: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      x = (x + GOLDEN) & MASK64;
      s.push(splitmix64(x));
    }
    return new XoshiroRef(s);
  }

  next(): bigint {
    const s = this.s;
    const result = (rotl64((s[1] * 5n) & MASK64, 7n) * 9n) & MASK64;
    const t = (s[1] << 17n) & MASK64;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45n);
    return result;
  }

  /** Lemire's multiply-and-reject on the top 32 bits, as in rngBelow. */
  below(bound: number): number {
    const b = BigInt(bound);
    let m = (this.next() >> 32n) * b;
    let low = m & 0xffffffffn;
    if (low < b) {
      const threshold = ((1n << 32n) - b) % b;
      while (low < threshold) {
        m = (this.next() >> 32n) * b;
        low = m & 0xffffffffn;
      }
    }
    return Number(m >> 32n);
  }

  /** The top 24 bits as a float in [0, 1). */
  uniform24(): number {
    return Number(this.next() >> 40n) * 2 ** -24;
  }
}

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);

describe('PRNG', () => {
  it('the BigInt reference reproduces the published SplitMix64 and xoshiro256** outputs', () => {
    // SplitMix64 from state 0 (Vigna's splitmix64.c)
    let x = 0n;
    const sm: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      x = (x + GOLDEN) & MASK64;
      sm.push(splitmix64(x));
    }
    expect(sm).toEqual([0xe220a8397b1dcdafn, 0x6e789e6aa1b965f4n, 0x06c45d188009454fn]);
    // xoshiro256** from state {1, 2, 3, 4}
    const r = new XoshiroRef([1n, 2n, 3n, 4n]);
    expect([r.next(), r.next(), r.next(), r.next()]).toEqual([11520n, 0n, 1509978240n, 1215971899390074240n]);
  });

  it('rngNext for seed 2024 / key 0 starts with the pinned values, in both builds', () => {
    const pinned = [0x89737290201be7d8n, 0xced86edd503b918bn, 0x44557946e178adc2n,
      0xe3e33f62171a61ccn, 0x83b5a2a0a6c66483n, 0x4c727ba92f920e99n];
    const ref = XoshiroRef.seeded(2024n, 0n);
    expect(pinned.map(() => ref.next())).toEqual(pinned);
    const got = both((m, k) => {
      const st = m.rng(2024n, 0n);
      return pinned.map(() => u64(k.rngNext(st)));
    });
    expect(got.simd).toEqual(pinned);
    expect(got.scalar).toEqual(pinned);
  });

  it('follows the BigInt reference for 1000 draws on several (seed, key) pairs, including 64-bit extremes', () => {
    for (const [seed, key] of [[0n, 0n], [1n, 2n], [7n, 0x5eedn], [MASK64, MASK64], [2024n, 1n << 63n]]) {
      const ref = XoshiroRef.seeded(seed, key);
      const want = Array.from({ length: 1000 }, () => ref.next());
      const got = both((m, k) => {
        const st = m.rng(seed, key);
        return want.map(() => u64(k.rngNext(st)));
      });
      expect(got.simd, `seed ${seed} key ${key}`).toEqual(want);
      expect(got.scalar, `seed ${seed} key ${key}`).toEqual(want);
    }
  });

  it('is deterministic: the same seed and key repeat the sequence, another key or seed changes it', () => {
    const draw = (seed: bigint, key: bigint): bigint[] => both((m, k) => {
      const st = m.rng(seed, key);
      return Array.from({ length: 16 }, () => u64(k.rngNext(st)));
    }).simd;
    const a = draw(2024n, 0n);
    expect(draw(2024n, 0n)).toEqual(a);
    const others = [draw(2024n, 1n), draw(2025n, 0n), draw(2024n, 0x1234567890abcdefn)];
    for (const o of others) {
      expect(o).not.toEqual(a);
      expect(o.filter((v, i) => v === a[i])).toEqual([]);
    }
    expect(new Set(a).size).toBe(16);
  });

  it('rngBelow is always below the bound, follows Lemire (BigInt reference) and is roughly uniform', () => {
    for (const bound of [1, 2, 3, 7, 10, 1000, 2 ** 31 + 1, 3e9]) {
      const ref = XoshiroRef.seeded(99n, BigInt(bound));
      const want = Array.from({ length: 500 }, () => ref.below(bound));
      const got = both((m, k) => {
        const st = m.rng(99n, BigInt(bound));
        return want.map(() => k.rngBelow(st, bound) >>> 0); // the u32 result arrives as an i32
      });
      expect(got.simd, `bound ${bound}`).toEqual(want);
      expect(got.scalar, `bound ${bound}`).toEqual(want);
      expect(got.simd.every((v) => v >= 0 && v < bound && Number.isInteger(v))).toBe(true);
    }
    // chi-square over 10 cells, 100k draws: 9 degrees of freedom (mean 9, sd 4.2); bound 40
    const counts = both((m, k) => {
      const st = m.rng(12345n, 0n);
      const c = new Array<number>(10).fill(0);
      for (let i = 0; i < 100_000; i++) c[k.rngBelow(st, 10)]++;
      return c;
    });
    expect(counts.scalar).toEqual(counts.simd);
    const chi2 = counts.simd.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(40);
  });

  it('fillUniform gives offset + scale * u, u a multiple of 2^-24 in [0, 1)', () => {
    const n = 10_001;
    for (const [scale, offset] of [[1, 0], [2, -1], [-1, 0], [0.1, 5]]) {
      const ref = XoshiroRef.seeded(5n, 6n);
      const want = Array.from({ length: n }, () => f(f(offset) + f(f(scale) * ref.uniform24())));
      const got = both((m, k) => {
        const st = m.rng(5n, 6n), p = m.f32(n);
        k.fillUniform(st, p, n, scale, offset);
        return m.readF32(p, n);
      });
      expectBitwise(got, want, `scale ${scale} offset ${offset}`);
      // [offset, offset + scale) holds exactly where scale * u + offset is exact (here: scale = ±1, 2)
      const lo = f(Math.min(offset, offset + scale)), hi = f(Math.max(offset, offset + scale));
      const exact = Number.isInteger(Math.log2(Math.abs(scale)));
      for (const v of got.simd) {
        expect(v >= lo && v <= hi).toBe(true);
        if (exact) expect(scale > 0 ? v >= f(offset) && v < hi : v <= f(offset) && v > lo).toBe(true);
      }
      if (scale === 1 && offset === 0) {
        expect(got.simd.every((v) => Number.isInteger(v * 2 ** 24) && v >= 0 && v < 1)).toBe(true);
        const mean = got.simd.reduce((s, v) => s + v, 0) / n;
        expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
      }
    }
  });

  it('fillNormal64: mean and variance within 5 sigma over 200k draws; fillNormal is its float32 rounding', () => {
    const n = 200_000;
    const got = both((m, k) => {
      const st = m.rng(2024n, 77n), p = m.f64(n);
      k.fillNormal64(st, p, n);
      return m.readF64(p, n);
    });
    expect(firstBitDiff(got.simd, got.scalar)).toBeNull();
    const x = got.simd;
    const mean = x.reduce((s, v) => s + v, 0) / n;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(x.every((v) => Number.isFinite(v))).toBe(true);

    for (const count of [1, 7, 1000]) {
      const pair = both((m, k) => {
        const st1 = m.rng(3n, 4n), st2 = m.rng(3n, 4n);
        const p64 = m.f64(count), p32 = m.f32(count), work = m.f64(count);
        k.fillNormal64(st1, p64, count);
        k.fillNormal(st2, p32, count, work);
        return { d: m.readF64(p64, count), s: m.readF32(p32, count) };
      });
      for (const b of BUILDS) {
        expect(firstDiff(pair[b].s, Float32Array.from(pair[b].d)), `count ${count} (${b})`).toBeNull();
      }
      expect(firstBitDiff(pair.simd.s, pair.scalar.s)).toBeNull();
    }
  });

  it('fillNormal64 with an odd count gives the prefix of the even count (pairs, the last sine dropped)', () => {
    const got = both((m, k) => {
      const a = m.f64(7), b = m.f64(8);
      k.fillNormal64(m.rng(8n, 8n), a, 7);
      k.fillNormal64(m.rng(8n, 8n), b, 8);
      return { a: m.readF64(a, 7), b: m.readF64(b, 8).subarray(0, 7) };
    });
    for (const b of BUILDS) expect(firstDiff(got[b].a, got[b].b), b).toBeNull();
  });

  it('fillSphere rows have norm = radius within 1e-6 and are the normalised Gaussian draws', () => {
    for (const [rows, dim, radius] of [[50, 3, 1], [20, 256, 5], [10, 1, 2.5], [3, 64, 1e-3]]) {
      const got = both((m, k) => {
        const out = m.f32(rows * dim), work = m.f64(dim);
        k.fillSphere(m.rng(11n, 12n), out, rows, dim, radius, work);
        // the same stream, drawn directly: one fillNormal64 of dim values per row
        const st = m.rng(11n, 12n), g = m.f64(dim);
        const gauss: Float64Array[] = [];
        for (let r = 0; r < rows; r++) {
          k.fillNormal64(st, g, dim);
          gauss.push(m.readF64(g, dim));
        }
        return { out: m.readF32(out, rows * dim), gauss };
      });
      expect(firstBitDiff(got.simd.out, got.scalar.out)).toBeNull();
      for (const b of BUILDS) {
        const { out, gauss } = got[b];
        for (let r = 0; r < rows; r++) {
          const row = out.subarray(r * dim, (r + 1) * dim);
          const norm = Math.sqrt(row.reduce((s, v) => s + v * v, 0));
          expect(Math.abs(norm - radius), `${b} row ${r}`).toBeLessThanOrEqual(1e-6 * radius);
          // bitwise: float64 sum of squares in order, radius / sqrt, each component scaled and rounded
          let ss = 0;
          for (const v of gauss[r]) ss += v * v;
          const s = radius / Math.sqrt(ss);
          expect(firstDiff(row, gauss[r].map((v) => f(v * s))), `${b} row ${r}`).toBeNull();
        }
      }
    }
  });

  it('shuffleU32 yields a permutation, the Fisher–Yates of the BigInt reference', () => {
    for (const count of [0, 1, 2, 5, 1000]) {
      const ref = XoshiroRef.seeded(31n, 41n);
      const want = Array.from({ length: count }, (_, i) => i);
      for (let i = count - 1; i > 0; i--) {
        const j = ref.below(i + 1);
        [want[i], want[j]] = [want[j], want[i]];
      }
      const got = both((m, k) => {
        const p = m.u32(Array.from({ length: count }, (_, i) => i));
        k.shuffleU32(m.rng(31n, 41n), p, count);
        return Array.from(m.readU32(p, count));
      });
      expect(got.simd, `count ${count}`).toEqual(want);
      expect(got.scalar, `count ${count}`).toEqual(want);
      expect([...got.simd].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
      if (count === 1000) expect(got.simd.filter((v, i) => v === i).length).toBeLessThan(20);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// orthonormalRows
// ---------------------------------------------------------------------------------------------

function runOrthonormal(rows: number, cols: number, seed: bigint): Record<Build, Float32Array> {
  return both((m, k) => {
    const out = m.f32(rows * cols), work = m.alloc(k.orthonormalWorkBytes(rows, cols));
    k.orthonormalRows(m.rng(seed, 0x0a7en), out, rows, cols, work);
    return m.readF32(out, rows * cols);
  });
}

describe('orthonormalRows', () => {
  for (const [rows, cols] of [[64, 256], [1, 1], [3, 5], [5, 5]]) {
    it(`(${rows}, ${cols}): V Vᵀ = I within 2e-6, deterministic, identical in both builds`, () => {
      expect(kernels.simd.orthonormalWorkBytes(rows, cols)).toBe(8 * (3 * rows * cols + rows));
      const V = runOrthonormal(rows, cols, 17n);
      expect(firstBitDiff(V.simd, V.scalar)).toBeNull();
      let worst = 0;
      for (let a = 0; a < rows; a++) {
        for (let b = 0; b < rows; b++) {
          let s = 0;
          for (let j = 0; j < cols; j++) s += V.simd[a * cols + j] * V.simd[b * cols + j];
          worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
        }
      }
      expect(worst).toBeLessThanOrEqual(2e-6);
      expect(firstBitDiff(runOrthonormal(rows, cols, 17n).simd, V.simd), 'same seed, same bits').toBeNull();
      const other = runOrthonormal(rows, cols, 18n).simd;
      if (rows * cols > 1) expect(firstBitDiff(other, V.simd), 'another seed differs').not.toBeNull();
      else expect(Math.abs(other[0])).toBe(1); // 1x1: V = ±1
    });
  }
});

// ---------------------------------------------------------------------------------------------
// One random workload through every kernel in both builds: identical bits
// ---------------------------------------------------------------------------------------------

describe('SIMD and scalar builds agree bit for bit', () => {
  it('the builds report their feature set', () => {
    expect(kernels.simd.simdEnabled()).toBeTruthy();
    expect(kernels.scalar.simdEnabled()).toBeFalsy();
  });

  it('every kernel gives identical bits on the same random inputs', () => {
    const rng = mulberry32(4242);
    const n = 1003, M = 45, N = 67, K = 101;
    const A = spanningF32(rng, M * K, 8), At = spanningF32(rng, K * M, 8), B = spanningF32(rng, K * N, 8);
    const bias = spanningF32(rng, N, 8), Z = withSpecials(rng, n, 10), dA = spanningF32(rng, n, 8);
    const F = withSpecials(rng, n, 4), Y = randomLabels(rng, n), G = spanningF32(rng, n, 6), P0 = spanningF32(rng, n, 3);
    const outputs = both((m, k) => {
      const o: Record<string, Float32Array | Float64Array | Uint32Array> = {};
      const pA = m.f32(A), pAt = m.f32(At), pB = m.f32(B), pBias = m.f32(bias), pC = m.f32(M * N);
      k.gemm(pA, K, 1, pB, pC, M, N, K, pBias);
      o.gemm = m.readF32(pC, M * N);
      k.gemm(pAt, 1, M, pB, pC, M, N, K, 0);
      o.gemmStrided = m.readF32(pC, M * N);
      const pT = m.f32(K * N);
      k.transpose(pB, pT, K, N);
      o.transpose = m.readF32(pT, K * N);
      const pS = m.f32(N);
      k.colSum(pB, pS, K, N);
      o.colSum = m.readF32(pS, N);
      const pZ = m.f32(Z), pdA = m.f32(dA), pAct = m.f32(n), pdZ = m.f32(n);
      for (let kind = 0; kind <= 5; kind++) {
        k.actForward(kind, pZ, pAct, n);
        o[`act${kind}`] = m.readF32(pAct, n);
        k.actBackward(kind, pZ, pAct, pdA, pdZ, n);
        o[`dact${kind}`] = m.readF32(pdZ, n);
      }
      const pF = m.f32(F), pY = m.f32(Y), pG = m.f32(n);
      for (let kind = 0; kind <= 2; kind++) {
        o[`lossSum${kind}`] = Float64Array.of(k.lossSum(kind, pF, pY, n), k.lossGrad(kind, pF, pY, pG, n));
        o[`lossGrad${kind}`] = m.readF32(pG, n);
      }
      o.countCorrect = Uint32Array.of(k.countCorrect(pF, pY, n));
      const pGrad = m.f32(G), pP = m.f32(P0), pBuf = m.f32(n), pM = m.f32(new Float32Array(n)), pV = m.f32(new Float32Array(n));
      for (let t = 1; t <= 3; t++) k.sgdUpdate(pP, pGrad, pBuf, n, 0.1, 1e-3, 0.9, t === 1 ? 1 : 0);
      o.sgd = m.readF32(pP, n);
      for (let t = 1; t <= 3; t++) k.adamUpdate(pP, pGrad, pM, pV, n, 1e-3, 1e-2, 0.9, 0.999, 1e-8, t, t % 2);
      o.adam = m.readF32(pP, n);
      const st = m.rng(2024n, 3n), pU = m.f32(n), pN64 = m.f64(n), pN = m.f32(n), work = m.f64(256);
      k.fillUniform(st, pU, n, 2, -1);
      o.uniform = m.readF32(pU, n);
      k.fillNormal64(st, pN64, n);
      o.normal64 = m.readF64(pN64, n);
      k.fillNormal(st, pN, n, m.f64(n));
      o.normal = m.readF32(pN, n);
      const pSph = m.f32(10 * 256);
      k.fillSphere(st, pSph, 10, 256, 3, work);
      o.sphere = m.readF32(pSph, 10 * 256);
      const pPerm = m.u32(Array.from({ length: n }, (_, i) => i));
      k.shuffleU32(st, pPerm, n);
      o.shuffle = m.readU32(pPerm, n);
      o.below = Uint32Array.from({ length: 100 }, () => k.rngBelow(st, 1 + 2 ** 31));
      o.next = new Uint32Array(BigUint64Array.from([k.rngNext(st), k.rngNext(st)], u64).buffer);
      const pQ = m.f32(8 * 40);
      k.orthonormalRows(st, pQ, 8, 40, m.alloc(k.orthonormalWorkBytes(8, 40)));
      o.orthonormal = m.readF32(pQ, 8 * 40);
      o.erf = Float64Array.from(Z, (z) => k.erf(z * 0.37));
      o.normalCdf = Float64Array.from(Z, (z) => k.normalCdf(z * 0.37));
      return o;
    });
    const names = Object.keys(outputs.simd);
    expect(names.length).toBe(35);
    expect(Object.keys(outputs.scalar)).toEqual(names);
    for (const name of names) expect(firstBitDiff(outputs.simd[name], outputs.scalar[name]), name).toBeNull();
  });
});
