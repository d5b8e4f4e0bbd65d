import { fillNormal64 } from "./rng";

// A seeded matrix with orthonormal rows: Householder QR of a Gaussian matrix in float64,
// with the signs fixed so that diag(R) > 0 (this makes Q unique, hence Haar distributed).
// Only + - * / and sqrt are used, so the result is the same on every platform.

/** Work space in bytes that orthonormalRows needs for a rows x cols result. */
export function orthonormalWorkBytes(rows: i32, cols: i32): usize {
  return <usize>(3 * rows * cols + rows) << 3;
}

/**
 * out (rows x cols, float32, row-major, rows <= cols) <- Q^T where G = QR is the thin QR of a
 * cols x rows standard Gaussian matrix G drawn row by row from the stream.
 */
export function orthonormalRows(state: usize, out: usize, rows: i32, cols: i32, work: usize): void {
  const m = cols, nc = rows;
  const A = work;                                   // m x nc, row-major
  const Vs = A + (<usize>(m * nc) << 3);            // Householder vectors, column j in Vs[:, j]
  const Q = Vs + (<usize>(m * nc) << 3);            // m x nc result
  const diag = Q + (<usize>(m * nc) << 3);          // R's diagonal
  fillNormal64(state, A, m * nc);

  for (let j = 0; j < nc; j++) {
    let norm2: f64 = 0;
    for (let i = j; i < m; i++) {
      let a = load<f64>(A + (<usize>(i * nc + j) << 3));
      norm2 += a * a;
    }
    let x0 = load<f64>(A + (<usize>(j * nc + j) << 3));
    let alpha = x0 >= 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    store<f64>(diag + (<usize>j << 3), alpha);
    // v = x - alpha e1, stored in Vs[:, j] (zero above j)
    let vv: f64 = 0;
    for (let i = 0; i < m; i++) {
      let v: f64 = 0;
      if (i >= j) v = load<f64>(A + (<usize>(i * nc + j) << 3));
      if (i == j) v -= alpha;
      store<f64>(Vs + (<usize>(i * nc + j) << 3), v);
      vv += v * v;
    }
    if (vv == 0) continue;
    let beta = 2.0 / vv;
    for (let c = j; c < nc; c++) {
      let s: f64 = 0;
      for (let i = j; i < m; i++) s += load<f64>(Vs + (<usize>(i * nc + j) << 3)) * load<f64>(A + (<usize>(i * nc + c) << 3));
      s *= beta;
      for (let i = j; i < m; i++) {
        let p = A + (<usize>(i * nc + c) << 3);
        store<f64>(p, load<f64>(p) - s * load<f64>(Vs + (<usize>(i * nc + j) << 3)));
      }
    }
  }

  // Q = H_0 H_1 ... H_{nc-1} [I; 0], applied right to left.
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < nc; c++) store<f64>(Q + (<usize>(i * nc + c) << 3), i == c ? 1.0 : 0.0);
  }
  for (let j = nc - 1; j >= 0; j--) {
    let vv: f64 = 0;
    for (let i = j; i < m; i++) {
      let v = load<f64>(Vs + (<usize>(i * nc + j) << 3));
      vv += v * v;
    }
    if (vv == 0) continue;
    let beta = 2.0 / vv;
    for (let c = 0; c < nc; c++) {
      let s: f64 = 0;
      for (let i = j; i < m; i++) s += load<f64>(Vs + (<usize>(i * nc + j) << 3)) * load<f64>(Q + (<usize>(i * nc + c) << 3));
      s *= beta;
      for (let i = j; i < m; i++) {
        let p = Q + (<usize>(i * nc + c) << 3);
        store<f64>(p, load<f64>(p) - s * load<f64>(Vs + (<usize>(i * nc + j) << 3)));
      }
    }
  }

  // R_jj = alpha_j; flip column j of Q where alpha_j < 0 so that diag(R) > 0. Write Q^T as float32.
  for (let c = 0; c < nc; c++) {
    let sgn: f64 = load<f64>(diag + (<usize>c << 3)) < 0 ? -1.0 : 1.0;
    for (let i = 0; i < m; i++) {
      store<f32>(out + (<usize>(c * m + i) << 2), <f32>(sgn * load<f64>(Q + (<usize>(i * nc + c) << 3))));
    }
  }
}
