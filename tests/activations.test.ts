// The float32 activations (assembly/act32.ts) over the whole float32 range the trainer meets:
// every 2^10-th float32 in [-20, 20] (by bit pattern: 8,192 per binade, subnormals included, about
// 2.2 million points), a sparser sweep of the tails out to ±FLT_MAX, and the specials (±0, ±inf,
// NaN). For each function: an ulp-error histogram against the float64 reference, a bound on the
// worst error, and the SIMD and scalar builds bit for bit (NaN included: the canonical NaN).
//
// Error unit: |got - ref| / ulp32(ref), ulp32 the float32 spacing at the reference (2^-149 for
// subnormal results, so a subnormal result is judged in absolute terms).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKernels, type Build, type Kernels } from '../src/engine/wasm.js';
import { ACT, normalCdfRef, normalPdfRef } from './reference.js';

const BUILDS: readonly Build[] = ['simd', 'scalar'];
const kernels = {} as Record<Build, Kernels>;

beforeAll(async () => {
  for (const b of BUILDS) kernels[b] = await loadKernels(b);
});

const f32bits = new Uint32Array(1), f32view = new Float32Array(f32bits.buffer);
const fromBits = (u: number): number => { f32bits[0] = u; return f32view[0]; };

/** The grid: every 2^10-th bit pattern up to |z| = 20, then every 2^16-th to FLT_MAX, then specials. */
function grid(): Float32Array {
  const out: number[] = [];
  const b20 = 0x41a00000; // 20
  for (let u = 0; u <= b20; u += 1 << 10) out.push(fromBits(u), fromBits((u | 0x80000000) >>> 0));
  for (let u = b20 + (1 << 16); u < 0x7f800000; u += 1 << 16) out.push(fromBits(u), fromBits((u | 0x80000000) >>> 0));
  out.push(fromBits(0x7f7fffff), -fromBits(0x7f7fffff), Infinity, -Infinity, NaN, fromBits(1), -fromBits(1));
  // the branch points and their neighbours (TANH_SMALL = 0.55, GELU_SMALL = 1), and GELU' = 0
  for (const c of [0.55, 1, 16, 14, 13, 88.7, -0.7517915]) {
    const u = new Uint32Array(new Float32Array([c]).buffer)[0];
    for (let d = -4; d <= 4; d++) out.push(fromBits(u + d), -fromBits(u + d));
  }
  return new Float32Array(out);
}
const Z = grid();
const n = Z.length;

function ulp32(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -126) return 2 ** -149;
  if (!Number.isFinite(a)) return Infinity;
  const e = Math.floor(Math.log2(a));
  const ex = 2 ** e > a ? e - 1 : 2 ** (e + 1) <= a ? e + 1 : e;
  return 2 ** (Math.min(ex, 127) - 23);
}

interface Stats { worst: number; at: number; hist: number[]; exact: number }

/** Ulp errors of got against ref (finite refs; a float32 overflow to ±inf must match exactly). */
function stats(got: Float32Array, ref: Float64Array, skip?: (i: number) => boolean): Stats {
  const hist = [0, 0, 0, 0, 0]; // <= 0.5 (correctly rounded), <= 1, <= 2, <= 3, more
  let worst = 0, at = NaN, exact = 0;
  for (let i = 0; i < got.length; i++) {
    if (skip?.(i)) continue;
    const r = ref[i], g = got[i];
    if (Number.isNaN(r)) { if (!Number.isNaN(g)) { worst = Infinity; at = Z[i]; } continue; }
    const fr = Math.fround(r);
    if (!Number.isFinite(fr)) { if (g !== fr) { worst = Infinity; at = Z[i]; } continue; }
    const e = Math.abs(g - r) / ulp32(r);
    if (Object.is(g, fr)) exact++;
    hist[e <= 0.5 ? 0 : e <= 1 ? 1 : e <= 2 ? 2 : e <= 3 ? 3 : 4]++;
    if (e > worst) { worst = e; at = Z[i]; }
  }
  return { worst, at, hist, exact };
}

function describeStats(name: string, s: Stats): string {
  const total = s.hist.reduce((a, b) => a + b, 0);
  const pct = (k: number) => `${((100 * s.hist[k]) / total).toFixed(3)}%`;
  return `${name}: ${total} points, worst ${s.worst.toFixed(3)} ulp at z = ${s.at}; ` +
    `correctly rounded ${((100 * s.exact) / total).toFixed(2)}%, error <= 0.5 ulp ${pct(0)}, (0.5, 1] ${pct(1)}, (1, 2] ${pct(2)}, (2, 3] ${pct(3)}, > 3 ${pct(4)}`;
}

const bufs = {} as Record<Build, { pZ: number; pA: number; pD: number; pdA: number; pdZ: number }>;
/** Grid-sized buffers in each build's memory, allocated once (the kernels keep no pointers). */
function buffers(b: Build) {
  const k = kernels[b];
  bufs[b] ??= { pZ: k.alloc(4 * n), pA: k.alloc(4 * n), pD: k.alloc(4 * n), pdA: k.alloc(4 * n), pdZ: k.alloc(4 * n) };
  return bufs[b];
}

/** Runs actForward (and for GELU the stored derivative) on the grid in one build. */
function forward(b: Build, kind: number): { A: Float32Array; D: Float32Array } {
  const k = kernels[b], { pZ, pA, pD } = buffers(b);
  new Float32Array(k.memory.buffer, pZ, n).set(Z);
  k.actForward(kind, pZ, pA, n, kind === ACT.gelu ? pD : 0);
  return { A: new Float32Array(k.memory.buffer, pA, n).slice(), D: new Float32Array(k.memory.buffer, pD, n).slice() };
}

/** Runs actBackward with dA = 1 and no stored derivative (GELU computes it on the spot). */
function backwardFresh(b: Build, kind: number, A: Float32Array): Float32Array {
  const k = kernels[b], { pZ, pA, pdA, pdZ } = buffers(b);
  new Float32Array(k.memory.buffer, pZ, n).set(Z);
  new Float32Array(k.memory.buffer, pA, n).set(A);
  new Float32Array(k.memory.buffer, pdA, n).fill(1);
  k.actBackward(kind, pZ, pA, pdA, pdZ, n, 0);
  return new Float32Array(k.memory.buffer, pdZ, n).slice();
}

const sameBits = (a: Float32Array, b: Float32Array): string | null => {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return `z = ${Z[i]}: 0x${ua[i].toString(16)} vs 0x${ub[i].toString(16)}`;
  return null;
};

const sigmoidRef = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const REF: Record<'sigmoid' | 'tanh' | 'gelu', (z: number) => number> = {
  sigmoid: sigmoidRef,
  tanh: Math.tanh,
  gelu: (z) => (z === -Infinity ? -0 : z * normalCdfRef(z)),
};
const dgeluRef = (z: number) => (Number.isFinite(z) ? normalCdfRef(z) + z * normalPdfRef(z) : z > 0 ? 1 : 0);

// the stated accuracy (docs: the worst error seen on the grid, rounded up)
const BOUND = { sigmoid: 2.5, tanh: 2.5, gelu: 3.5 } as const;
// GELU' crosses zero at z0 = -0.75179...; near it the float32 sum Phi + z phi has an absolute
// error of a few 2^-26 however it is evaluated (PyTorch's too), which is many ulps of a tiny
// result: there the bound is on the absolute error, in ulps of 2^-4 (the derivative's scale).
const DGELU_BOUND = 10;

describe('float32 activations on a dense grid of [-20, 20] plus tails and specials', () => {
  it('the grid covers every binade densely (2^13 points each) and the specials', () => {
    expect(n).toBeGreaterThan(2_000_000);
    expect(Z.includes(0) && Z.some((z) => Object.is(z, -0)) && Z.includes(Infinity) && Z.some(Number.isNaN)).toBe(true);
    expect(Z.reduce((m, z) => (Number.isFinite(z) && z > m ? z : m), 0)).toBe(fromBits(0x7f7fffff));
  });

  for (const name of ['sigmoid', 'tanh', 'gelu'] as const) {
    it(`${name}: within ${BOUND[name]} ulp of float64, SIMD and scalar bit for bit`, () => {
      const kind = ACT[name];
      const ref = Float64Array.from(Z, REF[name]);
      const out = { simd: forward('simd', kind), scalar: forward('scalar', kind) };
      expect(sameBits(out.simd.A, out.scalar.A), `${name} simd vs scalar`).toBeNull();
      const s = stats(out.simd.A, ref);
      console.info(describeStats(name, s));
      expect(s.worst, `${name} worst at z = ${s.at}`).toBeLessThanOrEqual(BOUND[name]);
      // specials
      const at = (z: number) => out.simd.A[Z.findIndex((x) => Object.is(x, z))];
      expect(Object.is(at(0), name === 'sigmoid' ? 0.5 : 0)).toBe(true);
      expect(Object.is(at(-0), name === 'sigmoid' ? 0.5 : -0)).toBe(true);
      const nanBits = new Uint32Array(new Float32Array([out.simd.A[Z.findIndex(Number.isNaN)]]).buffer)[0];
      expect(nanBits, 'the canonical quiet NaN').toBe(0x7fc00000);
      expect(at(Infinity)).toBe(name === 'gelu' ? Infinity : 1);
      expect(Object.is(at(-Infinity), name === 'sigmoid' ? 0 : name === 'tanh' ? -1 : -0)).toBe(true);
    });
  }

  it(`GELU': within ${DGELU_BOUND} ulp (absolute near its zero), stored and fresh the same, SIMD and scalar bit for bit`, () => {
    const ref = Float64Array.from(Z, dgeluRef);
    const simd = forward('simd', ACT.gelu), scalar = forward('scalar', ACT.gelu);
    expect(sameBits(simd.D, scalar.D), 'stored derivative simd vs scalar').toBeNull();
    for (const b of BUILDS) {
      const fresh = backwardFresh(b, ACT.gelu, simd.A);
      expect(sameBits(fresh, simd.D), `${b}: backward without the stored derivative`).toBeNull();
    }
    const near = (i: number) => Math.abs(ref[i]) < 2 ** -4;
    const s = stats(simd.D, ref, near);
    console.info(describeStats("GELU' (|GELU'| >= 2^-4)", s));
    expect(s.worst).toBeLessThanOrEqual(DGELU_BOUND);
    let worstAbs = 0, worstAt = NaN;
    for (let i = 0; i < n; i++) {
      if (!near(i)) continue;
      const e = Math.abs(simd.D[i] - ref[i]) / 2 ** -27; // ulps of numbers in [2^-4, 2^-3)
      if (e > worstAbs) { worstAbs = e; worstAt = Z[i]; }
    }
    console.info(`GELU' where |GELU'| < 2^-4: worst absolute error ${worstAbs.toFixed(3)} x 2^-27 at z = ${worstAt}`);
    expect(worstAbs).toBeLessThanOrEqual(DGELU_BOUND);
  });

  it("sigmoid' and tanh' from the float32 output, SIMD and scalar bit for bit", () => {
    for (const name of ['sigmoid', 'tanh'] as const) {
      const A = forward('scalar', ACT[name]).A;
      expect(sameBits(backwardFresh('simd', ACT[name], A), backwardFresh('scalar', ACT[name], A)), name).toBeNull();
    }
  });
});
