// The state the engine lays out in linear memory and hands to the module by pointer, as
// @unmanaged classes: fields in declaration order, each at its natural alignment. The engine
// writes them at the same offsets (src/engine/layout.ts; tests/layout.test.ts compiles offsetof
// for every field and compares). Nothing of a network lives in globals, so one instance can hold
// several networks, and worker instances sharing the memory see the same state.

/** One layer: fanIn -> fanOut with W [fanOut x fanIn] (PyTorch layout); a pointer is 0 when absent. */
@unmanaged export class Layer {
  fanIn: i32;
  fanOut: i32;
  W: usize;
  b: usize;
  gW: usize;
  gb: usize;
  Z: usize;
  A: usize;
  D: usize;
  /** Wᵀ [fanIn x fanOut], what the forward pass reads */
  Wt: usize;
  mW: usize;
  vW: usize;
  mb: usize;
  vb: usize;
  /** not trained (0 or 1) */
  frozen: i32;
  /** GELU's Phi(z) per element (float64), kept from forward to backward, or 0 */
  /** GELU'(z) per element (float32, written by a forward pass that a backward pass follows), or 0 */
  cdf: usize;
}

/** A network: its layers (contiguous Layer records), kernel ids, optimizer settings and step. */
@unmanaged export class Net {
  layers: i32;
  /** assembly/ids.ts */
  activation: i32;
  loss: i32;
  optimizer: i32;
  /** updates applied */
  step: i32;
  /** factored first-layer input (0 or 1): inputs are feature coordinates, X = Zf V */
  factored: i32;
  featDim: i32;
  /** the first of `layers` Layer records */
  layer: usize;
  /** V [featDim x inputDim], Vt = Vᵀ, P [out0 x featDim] (scratch) and Pt = Pᵀ */
  V: usize;
  Vt: usize;
  P: usize;
  Pt: usize;
  /** rows float64 of per-sample losses, summed in order after the samples phase */
  lossBuf: usize;
  /** feature-coordinate training of the first layer (a Feat record, feat.ts), or 0 */
  feat: usize;
  lr: f64;
  weightDecay: f64;
  momentum: f64;
  beta1: f64;
  beta2: f64;
  eps: f64;
}

/** Feature-coordinate state of the first layer (feat.ts); all featDim x fanOut unless noted. */
@unmanaged export class Feat {
  /** the parameters, transposed */
  Pt: usize;
  /** momentum buffer */
  PB: usize;
  /** gradient */
  G: usize;
  /** W at the start (fanOut x fanIn) and its Pt: what the residual is measured from */
  W0: usize;
  P0t: usize;
  /** alpha, beta (float64) */
  scal: usize;
}

/** Online batches drawn inside the module (online.ts) for a network. */
@unmanaged export class Online {
  stream: usize;
  /** core rows x coreDim, background rows x bgDim */
  core: usize;
  bg: usize;
  Z: usize;
  X: usize;
  V: usize;
  Y: usize;
  /** float64 work for the sphere sampler */
  work: usize;
  rows: i32;
  coreDim: i32;
  bgDim: i32;
  inputDim: i32;
  sphere: i32;
  /** 1: X = Z V is the input, 0: Z (factored) */
  dense: i32;
  bgOffset: f32;
  /** the Net it trains */
  net: usize;
}

// @ts-ignore: decorator
@inline export function netAt(p: usize): Net {
  return changetype<Net>(p);
}

/** Layer l of a network. */
// @ts-ignore: decorator
@inline export function layerOf(n: Net, l: i32): Layer {
  return changetype<Layer>(n.layer + <usize>l * offsetof<Layer>());
}
