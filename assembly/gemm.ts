// Matrix products with one fixed summation order, shared by the SIMD and the scalar build.
// The sum over k runs in blocks of KB = 32 terms: each block is summed in order from zero, and
// the block sums are added in order,
//   t_b = (((0 + A[i][k0]*B[k0][j]) + A[i][k0+1]*B[k0+1][j]) + ...),   C = ((t_0 + t_1) + t_2) + ...
// then + bias[j]; every product and sum is rounded to float32, no fused multiply-add. Two-level
// summation keeps the rounding error of long sums (over 1000 samples in a weight gradient) near
// (KB + K/KB) ulps instead of K. SIMD runs across j (lanes are independent columns), never across
// k, so both builds give the same bits as the plain loop in tests/reference.ts, and splitting
// rows of C between threads cannot change a result.
//
// A is addressed with strides, so one kernel serves A·B (aRow = K, aCol = 1) and Aᵀ·B
// (aRow = 1, aCol = M). B and C are row-major (B is K x N, C is M x N); gemmLd takes their row
// lengths.
export const KB = 32;

import { actForwardBias, actBackward } from "./act";
import { threadIndex, SCRATCH_SLOTS } from "./thread";

// @ts-ignore: decorator
@inline function f32at(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

/** C = A·B (+ bias when bias != 0), with A[i][k] at A + 4*(i*aRow + k*aCol). */
export function gemm(A: usize, aRow: i32, aCol: i32, B: usize, C: usize, M: i32, N: i32, K: i32, bias: usize): void {
  gemmLd(A, aRow, aCol, B, N, C, N, M, N, K);
  if (bias) addBias(C, bias, M, N);
}

// Fused epilogues (issue 19): what a layer does to its GEMM's output right after, applied by the
// packed driver to 4 rows x PACK_NC columns of C as soon as their last k-block is stored (they are
// then in L1) instead of in separate passes over the whole matrix (1 MB per 1000x256 layer).
// Each element goes through exactly the operations of the separate passes (bias, actForward,
// actBackward: elementwise, the same bits in any grouping), so the results are unchanged.
//   EPI_FORWARD:  C += bias (if any), then A = act(C) (+ GELU's derivative into cdf) when A != 0;
//   EPI_BACKWARD: C = C * act'(Z) (C holds dLoss/dA and becomes dLoss/dZ; Z, A, cdf as actBackward).
// Z, A and cdf have C's layout (row length ldc); they are addressed by C's element offsets.
export const EPI_NONE = 0, EPI_FORWARD = 1, EPI_BACKWARD = 2;
let epiMode = EPI_NONE, epiAct = 0, epiLd = 0;
let epiC: usize = 0, epiBias: usize = 0, epiZ: usize = 0, epiA: usize = 0, epiCdf: usize = 0;

/** The epilogue on rows [i0, i1), columns [j0, j1) of C. */
function epilogue(i0: i32, i1: i32, j0: i32, j1: i32): void {
  const n = j1 - j0;
  if (n <= 0) return;
  for (let i = i0; i < i1; i++) {
    const o = <usize>(i * epiLd + j0) << 2;
    const c = epiC + o;
    if (epiMode == EPI_FORWARD) {
      const b = epiBias ? epiBias + (<usize>j0 << 2) : 0;
      const d = epiCdf ? epiCdf + o : 0;
      // two calls, so that the one without a bias is compiled without the bias test
      if (epiA) {
        if (b) actForwardBias(epiAct, c, b, epiA + o, n, d);
        else actForwardBias(epiAct, c, 0, epiA + o, n, d);
      } else if (b) addBias(c, b, 1, n);
    } else {
      actBackward(epiAct, epiZ + o, epiA + o, c, c, n, epiCdf ? epiCdf + o : 0);
    }
  }
}

/**
 * gemm with a fused epilogue (mode EPI_*, see above): C = A·B, then the epilogue on every element
 * of C (M x N, row-major). bias is EPI_FORWARD's (0: none); Z is EPI_BACKWARD's pre-activation.
 */
export function gemmFused(A: usize, aRow: i32, aCol: i32, B: usize, C: usize, M: i32, N: i32, K: i32,
                          mode: i32, act: i32, bias: usize, Z: usize, Aout: usize, cdf: usize): void {
  epiMode = mode; epiAct = act; epiLd = N;
  epiC = C; epiBias = bias; epiZ = Z; epiA = Aout; epiCdf = cdf;
  if (mode == EPI_BACKWARD && K == 1) {
    outerBackward(A, aRow, B, C, M, N);
    epiMode = EPI_NONE;
    return;
  }
  if (mode != EPI_NONE && !packs(M, N, K, N)) {
    // unpacked (a narrow product: the output layer's N = 1, the backward pass's K = C): blocks of
    // rows, each finished and through the epilogue while in L1 (rows of C are independent sums)
    const rb = max(4, min(M, (EPI_ROW_BYTES / (N << 2)) & ~3));
    for (let i0 = 0; i0 < M; i0 += rb) {
      const i1 = min(M, i0 + rb);
      gemmLd(A + <usize>i0 * (<usize>aRow << 2), aRow, aCol, B, N, C + (<usize>(i0 * N) << 2), N, i1 - i0, N, K);
      epilogue(i0, i1, 0, N);
    }
    epiMode = EPI_NONE;
    return;
  }
  const tiles = gemmLd(A, aRow, aCol, B, N, C, N, M, N, K);
  // what the tiles did not cover: everything, or the edges (columns N8.. of the first M4 rows, then rows M4..)
  const M4 = tiles ? M & ~3 : 0, N8 = tiles ? N & ~7 : 0;
  if (mode != EPI_NONE) {
    epilogue(0, M4, N8, N);
    epilogue(M4, M, 0, N);
  }
  epiMode = EPI_NONE;
}

/** C = A·B (M x N) where B's rows are ldb floats apart and C's ldc apart: a column range of a wider product. */
export function gemmStrided(A: usize, aRow: i32, aCol: i32, B: usize, ldb: i32, C: usize, ldc: i32, M: i32, N: i32, K: i32): void {
  gemmLd(A, aRow, aCol, B, ldb, C, ldc, M, N, K);
}

/**
 * The backward step into the last hidden layer of a one-output network, row by row: the row of
 * C = (0 + A[i] B[j]) (a product over K = 1, summed from zero as every kernel here sums), then
 * actBackward on it while it is in L1: the same operations as gemmLd's tiles followed by the
 * epilogue, without the 4x8 tiles' set-up for one step of k.
 */
function outerBackward(A: usize, aRow: i32, B: usize, C: usize, M: i32, N: i32): void {
  for (let i = 0; i < M; i++) {
    const d = f32at(A, i * aRow);
    const row = C + (<usize>(i * N) << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const zero = f32x4.splat(0), dv = f32x4.splat(d);
      for (; j + 4 <= N; j += 4) {
        v128.store(row + (<usize>j << 2), f32x4.add(zero, f32x4.mul(dv, v128.load(B + (<usize>j << 2)))));
      }
    }
    for (; j < N; j++) {
      let g: f32 = 0;
      g += d * f32at(B, j);
      store<f32>(row + (<usize>j << 2), g);
    }
    epilogue(i, i + 1, 0, N);
  }
}

// the unpacked fused path's row blocks: about this many bytes of C each (L1-resident)
const EPI_ROW_BYTES = 16384;

/** Whether gemmLd runs the packed driver for this shape. */
// @ts-ignore: decorator
@inline function packs(M: i32, N: i32, K: i32, ldb: i32): bool {
  return ASC_FEATURE_SIMD && threadIndex < SCRATCH_SLOTS && M >= 4 && N >= 8 && K >= 16 && ldb >= 64;
}

/** C = A·B with B's rows ldb floats apart and C's rows ldc floats apart. */
// Returns whether the packed driver ran (it applies the epilogue to its full tiles).
function gemmLd(A: usize, aRow: i32, aCol: i32, B: usize, ldb: i32, C: usize, ldc: i32, M: i32, N: i32, K: i32): bool {
  if (K == 0) {
    for (let i = 0; i < M; i++) memory.fill(C + (<usize>(i * ldc) << 2), 0, <usize>N << 2);
  }
  if (ASC_FEATURE_SIMD) {
    if (packs(M, N, K, ldb)) {
      gemmPacked(A, aRow, aCol, B, ldb, C, ldc, M, N, K);
      return true;
    }
    if (N == 1 && aCol == 1 && M >= 4) {
      gemvRows(A, aRow, B, ldb, C, ldc, M, K);
      return false;
    }
  }
  for (let k0 = 0; k0 < K; k0 += KB) {
    const kn = min(KB, K - k0);
    const Ak = A + (<usize>(k0 * aCol) << 2), Bk = B + (<usize>(k0 * ldb) << 2);
    if (ASC_FEATURE_SIMD) {
      // Aᵀ·B: a 4x8 tile addresses its A values from one pointer (fewer instructions per k)
      if (aRow == 1) gemmBlockAtB(Ak, aCol, Bk, ldb, C, ldc, M, N, kn, k0 == 0);
      else gemmBlockSimd(Ak, aRow, aCol, Bk, ldb, C, ldc, M, N, kn, k0 == 0);
    }
    else gemmBlockScalar(Ak, aRow, aCol, Bk, ldb, C, ldc, M, N, kn, k0 == 0);
  }
  return false;
}

/**
 * C (M x 1) = A·b for A's rows in place (aRow floats apart, aCol = 1), b's K values ldb floats
 * apart: the output layer of a one-output network. Four rows at a time, one per lane: four rows'
 * next four values are loaded and transposed, so that each lane still sums its own row's products
 * in k order, in the blocks of KB of gemmLd (the same bits as the scalar kernel, which this
 * replaces: one multiply-add per instruction pair and four loads per step).
 */
function gemvRows(A: usize, aRow: i32, B: usize, ldb: i32, C: usize, ldc: i32, M: i32, K: i32): void {
  const rs = <usize>aRow << 2, bs = <usize>ldb << 2, cs = <usize>ldc << 2;
  const M4 = M & ~3;
  for (let i = 0; i < M4; i += 4) {
    const a0 = A + <usize>i * rs, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
    let c = f32x4.splat(0);
    for (let k0 = 0; k0 < K; k0 += KB) {
      const kn = min(KB, K - k0), k4 = k0 + (kn & ~3);
      let t = f32x4.splat(0);
      let k = k0;
      for (; k < k4; k += 4) {
        const o = <usize>k << 2;
        const r0 = v128.load(a0 + o), r1 = v128.load(a1 + o), r2 = v128.load(a2 + o), r3 = v128.load(a3 + o);
        const l01 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), l23 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
        const h01 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), h23 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        const bp = B + <usize>k * bs;
        t = f32x4.add(t, f32x4.mul(v128.shuffle<f64>(l01, l23, 0, 2), v128.load32_splat(bp)));
        t = f32x4.add(t, f32x4.mul(v128.shuffle<f64>(l01, l23, 1, 3), v128.load32_splat(bp + bs)));
        t = f32x4.add(t, f32x4.mul(v128.shuffle<f64>(h01, h23, 0, 2), v128.load32_splat(bp + 2 * bs)));
        t = f32x4.add(t, f32x4.mul(v128.shuffle<f64>(h01, h23, 1, 3), v128.load32_splat(bp + 3 * bs)));
      }
      for (; k < k0 + kn; k++) {
        const o = <usize>k << 2;
        let col = v128.load32_splat(a0 + o);
        col = f32x4.replace_lane(col, 1, load<f32>(a1 + o));
        col = f32x4.replace_lane(col, 2, load<f32>(a2 + o));
        col = f32x4.replace_lane(col, 3, load<f32>(a3 + o));
        t = f32x4.add(t, f32x4.mul(col, v128.load32_splat(B + <usize>k * bs)));
      }
      c = k0 == 0 ? t : f32x4.add(c, t);
    }
    const cp = C + <usize>i * cs;
    store<f32>(cp, f32x4.extract_lane(c, 0)); store<f32>(cp + cs, f32x4.extract_lane(c, 1));
    store<f32>(cp + 2 * cs, f32x4.extract_lane(c, 2)); store<f32>(cp + 3 * cs, f32x4.extract_lane(c, 3));
  }
  // the last M % 4 rows, k-block by k-block as gemmLd runs them
  if (M4 < M) {
    for (let k0 = 0; k0 < K; k0 += KB) {
      gemmBlockSimd(A + <usize>M4 * rs + (<usize>k0 << 2), aRow, 1, B + <usize>k0 * bs, ldb, C + <usize>M4 * cs, ldc, M - M4, 1, min(KB, K - k0), k0 == 0);
    }
  }
}

function addBias(C: usize, bias: usize, M: i32, N: i32): void {
  for (let i = 0; i < M; i++) {
    const row = C + (<usize>(i * N) << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= N; j += 4) {
        const p = row + (<usize>j << 2);
        v128.store(p, f32x4.add(v128.load(p), v128.load(bias + (<usize>j << 2))));
      }
    }
    for (; j < N; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, load<f32>(p) + f32at(bias, j));
    }
  }
}

/**
 * f32_gemm_1x1__scalar: the scalar build's kernel (names follow XNNPACK: element type, operation,
 * tile MR x NR, ISA). One element of C from kc steps, A's value at a + k*ak, B's at b + k*bk.
 */
// @ts-ignore: decorator
@inline function f32_gemm_1x1__scalar(a: usize, ak: usize, b: usize, bk: usize, kc: i32, c: usize, first: bool): void {
  let s: f32 = 0;
  for (let k = 0; k < kc; k++) s += load<f32>(a + <usize>k * ak) * load<f32>(b + <usize>k * bk);
  store<f32>(c, first ? s : load<f32>(c) + s);
}

function gemmBlockScalar(A: usize, aRow: i32, aCol: i32, B: usize, ldb: i32, C: usize, ldc: i32, M: i32, N: i32, K: i32, first: bool): void {
  const rs = <usize>aRow << 2, cs = <usize>aCol << 2, bs = <usize>ldb << 2;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      f32_gemm_1x1__scalar(A + <usize>i * rs, cs, B + (<usize>j << 2), bs, K, C + (<usize>(i * ldc + j) << 2), first);
    }
  }
}

// @ts-ignore: decorator
@inline function acc4(cp: usize, off: usize, v: v128, first: bool): void {
  v128.store(cp + off, first ? v : f32x4.add(v128.load(cp + off), v));
}

// @ts-ignore: decorator
@inline function acc1(cp: usize, v: f32, first: bool): void {
  store<f32>(cp, first ? v : load<f32>(cp) + v);
}

// @ts-ignore: decorator
@inline function store8x4(cp: usize, bs: usize, c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128,
                          c30: v128, c31: v128, first: bool): void {
  acc4(cp, 0, c00, first); acc4(cp, 16, c01, first);
  acc4(cp + bs, 0, c10, first); acc4(cp + bs, 16, c11, first);
  acc4(cp + 2 * bs, 0, c20, first); acc4(cp + 2 * bs, 16, c21, first);
  acc4(cp + 3 * bs, 0, c30, first); acc4(cp + 3 * bs, 16, c31, first);
}

// Where the 4x8 kernel finds rows 1-3 of A's 4 values in a step, given row 0's address p and the
// row stride ar: a panel has them adjacent (immediate offsets 4, 8, 12: no address arithmetic in the
// loop; adding a stride of 4 instead measured 6-12% slower), rows in place are ar bytes apart.
@unmanaged class PanelRows {
  // @ts-ignore: decorator
  @inline a1(p: usize, ar: usize): v128 { return v128.load32_splat(p, 4); }
  // @ts-ignore: decorator
  @inline a2(p: usize, ar: usize): v128 { return v128.load32_splat(p, 8); }
  // @ts-ignore: decorator
  @inline a3(p: usize, ar: usize): v128 { return v128.load32_splat(p, 12); }
}
@unmanaged class StridedRows {
  // @ts-ignore: decorator
  @inline a1(p: usize, ar: usize): v128 { return v128.load32_splat(p + ar); }
  // @ts-ignore: decorator
  @inline a2(p: usize, ar: usize): v128 { return v128.load32_splat(p + (ar << 1)); }
  // @ts-ignore: decorator
  @inline a3(p: usize, ar: usize): v128 { return v128.load32_splat(p + ar * 3); }
}

/**
 * f32_gemm_4x8__wasmsimd: the 4x8 micro-kernel of every SIMD driver (named as XNNPACK names its
 * kernels: element type, operation, tile MR x NR, ISA). The tile of C at rows i.., columns j..
 * (rows ldc floats apart) = (first) or += the sum over kc steps, step k reading A's 4 values from a + k*ak (rows
 * as R places them, see PanelRows) and B's 8 at b + k*bk: each lane sums its products in k order
 * from zero. The drivers differ only in where A and B sit: rows of A in place, or a panel with the
 * 4 rows adjacent (Aᵀ·B, or A packed by k), and B in place or packed into 8-column strips (bk = 32).
 */
// @ts-ignore: decorator
// C's address is computed after the loop from the driver's own C, ldc, i, j, as the hand-written
// tiles did: an address passed in ready-made would be one more value live across the loop.
@inline function f32_gemm_4x8__wasmsimd<R>(a: usize, ar: usize, ak: usize, b: usize, bk: usize, kc: i32,
                                             C: usize, ldc: i32, i: i32, j: i32, first: bool): void {
  const rows = changetype<R>(0);
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let ap = a, bp = b;
  const end = b + <usize>kc * bk;
  while (bp < end) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let x = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(x, b0)); c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = rows.a1(ap, ar);
    c10 = f32x4.add(c10, f32x4.mul(x, b0)); c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = rows.a2(ap, ar);
    c20 = f32x4.add(c20, f32x4.mul(x, b0)); c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = rows.a3(ap, ar);
    c30 = f32x4.add(c30, f32x4.mul(x, b0)); c31 = f32x4.add(c31, f32x4.mul(x, b1));
    bp += bk; ap += ak;
  }
  store8x4(C + (<usize>(i * ldc + j) << 2), <usize>ldc << 2, c00, c01, c10, c11, c20, c21, c30, c31, first);
}

/**
 * Aᵀ·B (A stored K x M, A[i][k] at A + 4 (k M + i)): the 4 rows of a tile are adjacent for each
 * k, so one pointer with offsets 0, 4, 8, 12 addresses them. Same operations and order as
 * gemmBlockSimd; edges go to it.
 */
function gemmBlockAtB(A: usize, aCol: i32, B: usize, ldb: i32, C: usize, ldc: i32, M: i32, N: i32, K: i32, first: bool): void {
  const cs = <usize>aCol << 2, bs = <usize>ldb << 2;
  const M4 = M & ~3, N8 = N & ~7;
  for (let i = 0; i < M4; i += 4) {
    for (let j = 0; j < N8; j += 8) {
      f32_gemm_4x8__wasmsimd<PanelRows>(A + (<usize>i << 2), 4, cs, B + (<usize>j << 2), bs, K, C, ldc, i, j, first);
    }
  }
  gemmEdges(A, 1, aCol, B, ldb, C, ldc, M, N, K, first, M4, N8);
}

// B is copied, PACK_KC rows by PACK_NC columns at a time, into 8-column strips (PACK_KC x 8 floats
// each, contiguous: 128 KB, L2-resident), and a tile's 4 rows of A into a panel interleaved by k
// (4 KB, L1): a tile then streams both in order. Each 4x8 tile of C runs all the
// k-blocks of the chunk back to back, so C stays in L1 between blocks instead of being re-read from
// L2/L3 once per 32 k (2048³: 64 passes over 16 MB of C became 8). The arithmetic and the order of
// every element's sums are those of the k-block loop in gemmLd. Rows of B of 64 floats and more
// are packed (1000x64x256, 256x64x1000 Aᵀ·B: 0.47-0.57 -> 0.62-0.63 of the ceiling); at 32³ the
// copies cost more than they save (0.63 -> 0.54), so rows under 64 floats stay unpacked.
// Worker instances share memory but not globals: each thread packs into its own slot (thread.ts).
const PACK_NC = 128, PACK_KC = 256;
const PACK_BYTES = PACK_KC * PACK_NC * 4 + PACK_KC * 16;
// The slots are the heap's first block, taken when the instance starts, not a static buffer: a
// data segment of zeros would ship in the threaded build (270 KB; its imported memory is not known
// to be zero). A worker instance runs the same start-up over the shared memory, so it computes the
// same address (and rewrites the same block header) without taking anything from the engine's heap.
const packBuf: usize = ASC_FEATURE_SIMD ? (heap.alloc(PACK_BYTES * SCRATCH_SLOTS + 63) + 63) & ~<usize>63 : 0;
function gemmPacked(A: usize, aRow: i32, aCol: i32, B: usize, ldb: i32, C: usize, ldc: i32, M: i32, N: i32, K: i32): void {
  const P = packBuf + <usize>threadIndex * PACK_BYTES, Q = P + PACK_BYTES - (PACK_KC << 4);
  const rs = <usize>aRow << 2, cs = <usize>aCol << 2, bs = <usize>ldb << 2;
  const M4 = M & ~3, N8 = N & ~7;
  for (let kc0 = 0; kc0 < K; kc0 += PACK_KC) {
    const kcn = min(PACK_KC, K - kc0);
    const Ak = A + (<usize>kc0 * cs), Bk = B + (<usize>kc0 * bs);
    const strip = <usize>kcn << 5;
    for (let jc = 0; jc < N8; jc += PACK_NC) {
      const nc = min(PACK_NC, N8 - jc);
      for (let s = 0; s < nc; s += 8) {
        let src = Bk + (<usize>(jc + s) << 2), dst = P + <usize>(s >> 3) * strip;
        for (let k = 0; k < kcn; k++) {
          v128.store(dst, v128.load(src)); v128.store(dst, v128.load(src, 16), 16);
          src += bs; dst += 32;
        }
      }
      for (let i = 0; i < M4; i += 4) {
        const a0 = Ak + <usize>i * rs;
        // the tile's 4 rows of A interleaved by k (16 bytes a step). Aᵀ·B has them adjacent in place
        // but M floats apart from one k to the next: 4-8 KB strides fall into few L1 sets and pages,
        // and 2048³ Aᵀ·B ran at half the rate of A·B until they were copied too.
        let q = Q;
        if (aRow != 1) {
          for (let k = 0; k < kcn; k++) {
            const o = <usize>k * cs;
            store<f32>(q, load<f32>(a0 + o)); store<f32>(q, load<f32>(a0 + rs + o), 4);
            store<f32>(q, load<f32>(a0 + 2 * rs + o), 8); store<f32>(q, load<f32>(a0 + 3 * rs + o), 12);
            q += 16;
          }
        } else {
          let src = a0;
          for (let k = 0; k < kcn; k++) {
            v128.store(q, v128.load(src));
            src += cs; q += 16;
          }
        }
        for (let j = jc; j < jc + nc; j += 8) {
          const bp = P + <usize>((j - jc) >> 3) * strip;
          for (let kb = 0; kb < kcn; kb += KB) {
            f32_gemm_4x8__wasmsimd<PanelRows>(Q + (<usize>kb << 4), 4, 16, bp + (<usize>kb << 5), 32, min(KB, kcn - kb), C, ldc, i, j, kc0 + kb == 0);
          }
        }
        // the 4 rows' columns of this panel are final (and in L1: 2 KB): one call per row of 128
        // (per 4x8 tile, the activations' set-up and calls cost more than the pass they save)
        if (epiMode != EPI_NONE && kc0 + kcn == K) epilogue(i, i + 4, jc, jc + nc);
      }
    }
  }
  // the edges, k-block by k-block as gemmLd runs them
  for (let k0 = 0; k0 < K; k0 += KB) {
    const kn = min(KB, K - k0);
    gemmEdges(A + (<usize>(k0 * aCol) << 2), aRow, aCol, B + (<usize>(k0 * ldb) << 2), ldb, C, ldc, M, N, kn, k0 == 0, M4, N8);
  }
}

/** The parts of C outside the M4 x N8 tiles: columns N8.. of the first M4 rows, then rows M4.. */
function gemmEdges(A: usize, aRow: i32, aCol: i32, B: usize, ldb: i32, C: usize, ldc: i32, M: i32, N: i32, K: i32, first: bool, M4: i32, N8: i32): void {
  if (N8 < N && M4 > 0) gemmBlockSimd(A, aRow, aCol, B + (<usize>N8 << 2), ldb, C + (<usize>N8 << 2), ldc, M4, N - N8, K, first);
  if (M4 < M) {
    const rs = <usize>aRow << 2;
    gemmBlockSimd(A + <usize>M4 * rs, aRow, aCol, B, ldb, C + (<usize>(M4 * ldc) << 2), ldc, M - M4, N, K, first);
  }
}

// One k-block with register-blocked micro-kernels: 4 rows of C by 8, 4 or 1 columns.
function gemmBlockSimd(A: usize, aRow: i32, aCol: i32, B: usize, ldb: i32, C: usize, ldc: i32, M: i32, N: i32, K: i32, first: bool): void {
  const rs = <usize>aRow << 2, cs = <usize>aCol << 2, bs = <usize>ldb << 2, ds = <usize>ldc << 2;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = A + <usize>i * rs;
    const a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      f32_gemm_4x8__wasmsimd<StridedRows>(a0, rs, cs, B + (<usize>j << 2), bs, K, C, ldc, i, j, first);
    }
    for (; j + 4 <= N; j += 4) {
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      let bp = B + (<usize>j << 2);
      let ao: usize = 0;
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(bp);
        c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a0 + ao), b0));
        c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(a1 + ao), b0));
        c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(a2 + ao), b0));
        c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(a3 + ao), b0));
        bp += bs; ao += cs;
      }
      const cp = C + (<usize>(i * ldc + j) << 2);
      acc4(cp, 0, c0, first); acc4(cp + ds, 0, c1, first); acc4(cp + 2 * ds, 0, c2, first); acc4(cp + 3 * ds, 0, c3, first);
    }
    for (; j < N; j++) {
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
      let bp = B + (<usize>j << 2);
      let ao: usize = 0;
      for (let k = 0; k < K; k++) {
        const b = load<f32>(bp);
        s0 += load<f32>(a0 + ao) * b; s1 += load<f32>(a1 + ao) * b;
        s2 += load<f32>(a2 + ao) * b; s3 += load<f32>(a3 + ao) * b;
        bp += bs; ao += cs;
      }
      const cp = C + (<usize>(i * ldc + j) << 2);
      acc1(cp, s0, first); acc1(cp + ds, s1, first); acc1(cp + 2 * ds, s2, first); acc1(cp + 3 * ds, s3, first);
    }
  }
  for (; i < M; i++) {
    const a0 = A + <usize>i * rs;
    let j = 0;
    // 16 columns at a time: four independent sums in flight (a weight gradient of one output
    // neuron is one such row; with one sum per step it waited on each add's latency)
    for (; j + 16 <= N; j += 16) {
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      let bp = B + (<usize>j << 2);
      let ao: usize = 0;
      for (let k = 0; k < K; k++) {
        const x = v128.load32_splat(a0 + ao);
        c0 = f32x4.add(c0, f32x4.mul(x, v128.load(bp))); c1 = f32x4.add(c1, f32x4.mul(x, v128.load(bp, 16)));
        c2 = f32x4.add(c2, f32x4.mul(x, v128.load(bp, 32))); c3 = f32x4.add(c3, f32x4.mul(x, v128.load(bp, 48)));
        bp += bs; ao += cs;
      }
      const cp = C + (<usize>(i * ldc + j) << 2);
      acc4(cp, 0, c0, first); acc4(cp, 16, c1, first); acc4(cp, 32, c2, first); acc4(cp, 48, c3, first);
    }
    for (; j + 4 <= N; j += 4) {
      let c0 = f32x4.splat(0);
      let bp = B + (<usize>j << 2);
      let ao: usize = 0;
      for (let k = 0; k < K; k++) {
        c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a0 + ao), v128.load(bp)));
        bp += bs; ao += cs;
      }
      acc4(C + (<usize>(i * ldc + j) << 2), 0, c0, first);
    }
    for (; j < N; j++) {
      let s: f32 = 0;
      let bp = B + (<usize>j << 2);
      let ao: usize = 0;
      for (let k = 0; k < K; k++) {
        s += load<f32>(a0 + ao) * load<f32>(bp);
        bp += bs; ao += cs;
      }
      acc1(C + (<usize>(i * ldc + j) << 2), s, first);
    }
  }
}

/** dst (cols x rows) = srcᵀ, src rows x cols. */
export function transpose(src: usize, dst: usize, rows: i32, cols: i32): void {
  transposeBlock(src, dst, rows, cols, rows);
}

/** dst[c * ld + r] = src[r * cols + c]: rows of src become columns of dst (row length ld). */
export function transposeBlock(src: usize, dst: usize, rows: i32, cols: i32, ld: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      store<f32>(dst + (<usize>(c * ld + r) << 2), f32at(src, r * cols + c));
    }
  }
}

/**
 * out[j] = sum_i A[i][j] (the bias gradient), accumulated in float64 in row order and rounded
 * once, as PyTorch's CPU reductions accumulate float32 in double; both builds add in the same order.
 */
export function colSum(A: usize, out: usize, rows: i32, cols: i32): void {
  colSumStrided(A, out, rows, cols, cols);
}

/** colSum over `cols` columns of a matrix whose rows are ld floats apart. */
export function colSumStrided(A: usize, out: usize, rows: i32, cols: i32, ld: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    // 16 columns (one cache line of a row) per pass down the rows: two columns per pass read every
    // line of A eight times, from L3 once A outgrows L2 (a 1000x256 bias gradient: 0.28 -> 0.05 ms)
    for (; j + 16 <= cols; j += 16) {
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
      let s4 = f64x2.splat(0), s5 = f64x2.splat(0), s6 = f64x2.splat(0), s7 = f64x2.splat(0);
      let p = A + (<usize>j << 2);
      const step = <usize>ld << 2;
      for (let i = 0; i < rows; i++) {
        s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v128.load64_zero(p)));
        s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.load64_zero(p, 8)));
        s2 = f64x2.add(s2, f64x2.promote_low_f32x4(v128.load64_zero(p, 16)));
        s3 = f64x2.add(s3, f64x2.promote_low_f32x4(v128.load64_zero(p, 24)));
        s4 = f64x2.add(s4, f64x2.promote_low_f32x4(v128.load64_zero(p, 32)));
        s5 = f64x2.add(s5, f64x2.promote_low_f32x4(v128.load64_zero(p, 40)));
        s6 = f64x2.add(s6, f64x2.promote_low_f32x4(v128.load64_zero(p, 48)));
        s7 = f64x2.add(s7, f64x2.promote_low_f32x4(v128.load64_zero(p, 56)));
        p += step;
      }
      const o = out + (<usize>j << 2);
      v128.store64_lane(o, f32x4.demote_f64x2_zero(s0), 0); v128.store64_lane(o, f32x4.demote_f64x2_zero(s1), 0, 8);
      v128.store64_lane(o, f32x4.demote_f64x2_zero(s2), 0, 16); v128.store64_lane(o, f32x4.demote_f64x2_zero(s3), 0, 24);
      v128.store64_lane(o, f32x4.demote_f64x2_zero(s4), 0, 32); v128.store64_lane(o, f32x4.demote_f64x2_zero(s5), 0, 40);
      v128.store64_lane(o, f32x4.demote_f64x2_zero(s6), 0, 48); v128.store64_lane(o, f32x4.demote_f64x2_zero(s7), 0, 56);
    }
    for (; j + 2 <= cols; j += 2) {
      let s = f64x2.splat(0);
      for (let i = 0; i < rows; i++) {
        const p = A + (<usize>(i * ld + j) << 2);
        s = f64x2.add(s, f64x2.promote_low_f32x4(v128.load64_zero(p)));
      }
      store<f32>(out + (<usize>j << 2), <f32>f64x2.extract_lane(s, 0));
      store<f32>(out + (<usize>(j + 1) << 2), <f32>f64x2.extract_lane(s, 1));
    }
  }
  for (; j < cols; j++) {
    let s: f64 = 0;
    for (let i = 0; i < rows; i++) s += <f64>f32at(A, i * ld + j);
    store<f32>(out + (<usize>j << 2), <f32>s);
  }
}
