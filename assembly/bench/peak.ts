// A bench-only module (build/fclab.peak.wasm, asconfig.peak.json), not part of the product module.
// The bench's throughput ceiling for the GEMM kernels: independent multiply-then-add chains
// (c = c * m + a, not fused) in registers, as many as hide the latency, no memory traffic.
// Returns a value that depends on every chain so the work cannot be dropped.

/** iters rounds of 12 f32x4 chains: 48 multiply-adds per round (scalar build: 12 chains of f32). */
export function peakMulAdd(iters: i32, m: f32, a: f32): f32 {
  if (ASC_FEATURE_SIMD) {
    const vm = f32x4.splat(m), va = f32x4.splat(a);
    let c0 = f32x4.splat(0.0), c1 = f32x4.splat(0.1), c2 = f32x4.splat(0.2), c3 = f32x4.splat(0.3);
    let c4 = f32x4.splat(0.4), c5 = f32x4.splat(0.5), c6 = f32x4.splat(0.6), c7 = f32x4.splat(0.7);
    let c8 = f32x4.splat(0.8), c9 = f32x4.splat(0.9), c10 = f32x4.splat(1.0), c11 = f32x4.splat(1.1);
    for (let i = 0; i < iters; i++) {
      c0 = f32x4.add(f32x4.mul(c0, vm), va); c1 = f32x4.add(f32x4.mul(c1, vm), va);
      c2 = f32x4.add(f32x4.mul(c2, vm), va); c3 = f32x4.add(f32x4.mul(c3, vm), va);
      c4 = f32x4.add(f32x4.mul(c4, vm), va); c5 = f32x4.add(f32x4.mul(c5, vm), va);
      c6 = f32x4.add(f32x4.mul(c6, vm), va); c7 = f32x4.add(f32x4.mul(c7, vm), va);
      c8 = f32x4.add(f32x4.mul(c8, vm), va); c9 = f32x4.add(f32x4.mul(c9, vm), va);
      c10 = f32x4.add(f32x4.mul(c10, vm), va); c11 = f32x4.add(f32x4.mul(c11, vm), va);
    }
    const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
    const t = f32x4.add(s, f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11)));
    return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
  }
  let c0: f32 = 0, c1: f32 = 0.1, c2: f32 = 0.2, c3: f32 = 0.3, c4: f32 = 0.4, c5: f32 = 0.5;
  let c6: f32 = 0.6, c7: f32 = 0.7, c8: f32 = 0.8, c9: f32 = 0.9, c10: f32 = 1.0, c11: f32 = 1.1;
  for (let i = 0; i < iters; i++) {
    c0 = c0 * m + a; c1 = c1 * m + a; c2 = c2 * m + a; c3 = c3 * m + a; c4 = c4 * m + a; c5 = c5 * m + a;
    c6 = c6 * m + a; c7 = c7 * m + a; c8 = c8 * m + a; c9 = c9 * m + a; c10 = c10 * m + a; c11 = c11 * m + a;
  }
  return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
}

/** Multiply-adds per round of peakMulAdd in this build. */
export function peakLanes(): i32 {
  return ASC_FEATURE_SIMD ? 48 : 12;
}
