// Matrix products with one fixed summation order, shared by the SIMD and the scalar build:
//   C[i][j] = (((0 + A[i][0]*B[0][j]) + A[i][1]*B[1][j]) + ...) + A[i][K-1]*B[K-1][j]  (+ bias[j])
// each product and each sum rounded to float32, no fused multiply-add. SIMD runs across j
// (lanes are independent columns), never across k, so both builds give the same bits as a
// plain triple loop, and splitting rows between threads cannot change a result.
//
// A is addressed with strides, so one kernel serves A·B (aRow = K, aCol = 1) and Aᵀ·B
// (aRow = 1, aCol = M). B and C are row-major (B is K x N, C is M x N).

// @ts-ignore: decorator
@inline function f32at(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

/** C = A·B (+ bias when bias != 0), with A[i][k] at A + 4*(i*aRow + k*aCol). */
export function gemm(A: usize, aRow: i32, aCol: i32, B: usize, C: usize, M: i32, N: i32, K: i32, bias: usize): void {
  if (ASC_FEATURE_SIMD) gemmSimd(A, aRow, aCol, B, C, M, N, K, bias);
  else gemmScalar(A, aRow, aCol, B, C, M, N, K, bias);
}

function gemmScalar(A: usize, aRow: i32, aCol: i32, B: usize, C: usize, M: i32, N: i32, K: i32, bias: usize): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s: f32 = 0;
      for (let k = 0; k < K; k++) s += f32at(A, i * aRow + k * aCol) * f32at(B, k * N + j);
      if (bias) s += f32at(bias, j);
      store<f32>(C + (<usize>(i * N + j) << 2), s);
    }
  }
}

// Register-blocked micro-kernels: 4 rows of C by 8, 4 or 1 columns, accumulators in registers.
function gemmSimd(A: usize, aRow: i32, aCol: i32, B: usize, C: usize, M: i32, N: i32, K: i32, bias: usize): void {
  const rs = <usize>aRow << 2, cs = <usize>aCol << 2, bs = <usize>N << 2;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = A + <usize>i * rs;
    const a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let bp = B + (<usize>j << 2);
      let ao: usize = 0;
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(bp), b1 = v128.load(bp, 16);
        let a = v128.load32_splat(a0 + ao);
        c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
        a = v128.load32_splat(a1 + ao);
        c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
        a = v128.load32_splat(a2 + ao);
        c20 = f32x4.add(c20, f32x4.mul(a, b0)); c21 = f32x4.add(c21, f32x4.mul(a, b1));
        a = v128.load32_splat(a3 + ao);
        c30 = f32x4.add(c30, f32x4.mul(a, b0)); c31 = f32x4.add(c31, f32x4.mul(a, b1));
        bp += bs; ao += cs;
      }
      if (bias) {
        const bb0 = v128.load(bias + (<usize>j << 2)), bb1 = v128.load(bias + (<usize>j << 2), 16);
        c00 = f32x4.add(c00, bb0); c01 = f32x4.add(c01, bb1); c10 = f32x4.add(c10, bb0); c11 = f32x4.add(c11, bb1);
        c20 = f32x4.add(c20, bb0); c21 = f32x4.add(c21, bb1); c30 = f32x4.add(c30, bb0); c31 = f32x4.add(c31, bb1);
      }
      const cp = C + (<usize>(i * N + j) << 2);
      v128.store(cp, c00); v128.store(cp, c01, 16);
      v128.store(cp + bs, c10); v128.store(cp + bs, c11, 16);
      v128.store(cp + 2 * bs, c20); v128.store(cp + 2 * bs, c21, 16);
      v128.store(cp + 3 * bs, c30); v128.store(cp + 3 * bs, c31, 16);
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
      if (bias) {
        const bb = v128.load(bias + (<usize>j << 2));
        c0 = f32x4.add(c0, bb); c1 = f32x4.add(c1, bb); c2 = f32x4.add(c2, bb); c3 = f32x4.add(c3, bb);
      }
      const cp = C + (<usize>(i * N + j) << 2);
      v128.store(cp, c0); v128.store(cp + bs, c1); v128.store(cp + 2 * bs, c2); v128.store(cp + 3 * bs, c3);
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
      if (bias) {
        const bb = f32at(bias, j);
        s0 += bb; s1 += bb; s2 += bb; s3 += bb;
      }
      const cp = C + (<usize>(i * N + j) << 2);
      store<f32>(cp, s0); store<f32>(cp + bs, s1); store<f32>(cp + 2 * bs, s2); store<f32>(cp + 3 * bs, s3);
    }
  }
  for (; i < M; i++) {
    const a0 = A + <usize>i * rs;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      let c0 = f32x4.splat(0);
      let bp = B + (<usize>j << 2);
      let ao: usize = 0;
      for (let k = 0; k < K; k++) {
        c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a0 + ao), v128.load(bp)));
        bp += bs; ao += cs;
      }
      if (bias) c0 = f32x4.add(c0, v128.load(bias + (<usize>j << 2)));
      v128.store(C + (<usize>(i * N + j) << 2), c0);
    }
    for (; j < N; j++) {
      let s: f32 = 0;
      let bp = B + (<usize>j << 2);
      let ao: usize = 0;
      for (let k = 0; k < K; k++) {
        s += load<f32>(a0 + ao) * load<f32>(bp);
        bp += bs; ao += cs;
      }
      if (bias) s += f32at(bias, j);
      store<f32>(C + (<usize>(i * N + j) << 2), s);
    }
  }
}

/** dst (cols x rows) = srcᵀ, src rows x cols. */
export function transpose(src: usize, dst: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      store<f32>(dst + (<usize>(c * rows + r) << 2), f32at(src, r * cols + c));
    }
  }
}

/** out[j] = sum_i A[i][j], summed in row order (the bias gradient). */
export function colSum(A: usize, out: usize, rows: i32, cols: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= cols; j += 4) {
      let s = f32x4.splat(0);
      for (let i = 0; i < rows; i++) s = f32x4.add(s, v128.load(A + (<usize>(i * cols + j) << 2)));
      v128.store(out + (<usize>j << 2), s);
    }
  }
  for (; j < cols; j++) {
    let s: f32 = 0;
    for (let i = 0; i < rows; i++) s += f32at(A, i * cols + j);
    store<f32>(out + (<usize>j << 2), s);
  }
}
