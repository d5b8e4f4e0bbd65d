// Optimizer updates with PyTorch's formulas (torch.optim SGD/Adam/AdamW, single-tensor path),
// each operation rounded to float32 in PyTorch's order, without fused multiply-add (PyTorch's
// CPU kernels use FMA where the hardware has it, so its own last bits vary by machine).
// Scalars derived from the step count are computed in float64, as Python does, then rounded.

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/**
 * SGD with momentum and coupled L2: d = g + wd p; buf = first ? d : mom buf + d; p -= lr buf.
 * With mom = 0 the buffer is unused and p -= lr d.
 */
export function sgdUpdate(P: usize, G: usize, Buf: usize, count: i32, lr: f32, wd: f32, mom: f32, first: bool): void {
  const nlr = -lr;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vwd = f32x4.splat(wd), vmom = f32x4.splat(mom), vnlr = f32x4.splat(nlr);
    for (; i + 4 <= count; i += 4) {
      const p = v128.load(at(P, i));
      let d = f32x4.add(v128.load(at(G, i)), f32x4.mul(vwd, p));
      if (mom != 0) {
        if (!first) d = f32x4.add(f32x4.mul(v128.load(at(Buf, i)), vmom), d);
        v128.store(at(Buf, i), d);
      }
      v128.store(at(P, i), f32x4.add(p, f32x4.mul(vnlr, d)));
    }
  }
  for (; i < count; i++) {
    const p = load<f32>(at(P, i));
    let d = load<f32>(at(G, i)) + wd * p;
    if (mom != 0) {
      if (!first) d = load<f32>(at(Buf, i)) * mom + d;
      store<f32>(at(Buf, i), d);
    }
    store<f32>(at(P, i), p + nlr * d);
  }
}

/**
 * Adam (coupled L2: g += wd p) or AdamW (decoupled: p *= 1 - lr wd), step t >= 1:
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g g;
 *   p += (-lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 */
export function adamUpdate(P: usize, G: usize, Mom: usize, Vel: usize, count: i32, lr: f64, wd: f64,
                           b1: f64, b2: f64, eps: f64, t: i32, decoupled: bool): void {
  const bc1 = 1.0 - Math.pow(b1, <f64>t);
  const bc2 = 1.0 - Math.pow(b2, <f64>t);
  const stepSize = <f32>(-(lr / bc1));
  const bc2sqrt = <f32>Math.sqrt(bc2);
  const decay = <f32>(1.0 - lr * wd);
  const fwd = <f32>wd, fb1 = <f32>b1, fb2 = <f32>b2, c1 = <f32>(1.0 - b1), c2 = <f32>(1.0 - b2), feps = <f32>eps;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vdecay = f32x4.splat(decay), vwd = f32x4.splat(fwd), vb1 = f32x4.splat(fb1), vb2 = f32x4.splat(fb2);
    const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2), veps = f32x4.splat(feps);
    const vbc2 = f32x4.splat(bc2sqrt), vstep = f32x4.splat(stepSize);
    for (; i + 4 <= count; i += 4) {
      let p = v128.load(at(P, i)), g = v128.load(at(G, i));
      if (decoupled) p = f32x4.mul(p, vdecay);
      else g = f32x4.add(g, f32x4.mul(vwd, p));
      const m = f32x4.add(f32x4.mul(v128.load(at(Mom, i)), vb1), f32x4.mul(vc1, g));
      const v = f32x4.add(f32x4.mul(v128.load(at(Vel, i)), vb2), f32x4.mul(f32x4.mul(vc2, g), g));
      const denom = f32x4.add(f32x4.div(f32x4.sqrt(v), vbc2), veps);
      v128.store(at(Mom, i), m);
      v128.store(at(Vel, i), v);
      v128.store(at(P, i), f32x4.add(p, f32x4.div(f32x4.mul(vstep, m), denom)));
    }
  }
  for (; i < count; i++) {
    let p = load<f32>(at(P, i)), g = load<f32>(at(G, i));
    if (decoupled) p = p * decay;
    else g = g + fwd * p;
    const m = load<f32>(at(Mom, i)) * fb1 + c1 * g;
    const v = load<f32>(at(Vel, i)) * fb2 + (c2 * g) * g;
    const denom = Mathf.sqrt(v) / bc2sqrt + feps;
    store<f32>(at(Mom, i), m);
    store<f32>(at(Vel, i), v);
    store<f32>(at(P, i), p + (stepSize * m) / denom);
  }
}
