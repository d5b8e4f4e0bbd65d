// The one PRNG of fclab: xoshiro256** (Blackman & Vigna), seeded by SplitMix64.
// A stream's 32-byte state lives in linear memory owned by the engine, so it can be
// snapshotted and restored like any other buffer. Sub-streams are keyed by a 64-bit
// hash of their name (computed by the engine), so e.g. the init stream never depends on
// how many numbers the data stream has drawn.

// @ts-ignore: decorator
@inline function rotl(x: u64, k: u64): u64 {
  return (x << k) | (x >> (64 - k));
}

// @ts-ignore: decorator
@inline function splitmix(x: u64): u64 {
  let z = x;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** state <- SplitMix64 expansion of (seed * golden) xor streamKey. */
export function rngSeed(state: usize, seed: u64, streamKey: u64): void {
  let x = (seed * 0x9e3779b97f4a7c15) ^ streamKey;
  for (let i = 0; i < 4; i++) {
    x += 0x9e3779b97f4a7c15;
    store<u64>(state + (<usize>i << 3), splitmix(x));
  }
}

export function rngNext(state: usize): u64 {
  let s0 = load<u64>(state), s1 = load<u64>(state, 8);
  let s2 = load<u64>(state, 16), s3 = load<u64>(state, 24);
  let result = rotl(s1 * 5, 7) * 9;
  let t = s1 << 17;
  s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45);
  store<u64>(state, s0); store<u64>(state, s1, 8);
  store<u64>(state, s2, 16); store<u64>(state, s3, 24);
  return result;
}

/** Uniform double in [0, 1) with 53 random bits. */
// @ts-ignore: decorator
@inline export function uniform53(state: usize): f64 {
  return <f64>(rngNext(state) >> 11) * 1.1102230246251565e-16; // 2^-53
}

/** Uniform float in [0, 1) with 24 random bits: every value is an exact float32. */
// @ts-ignore: decorator
@inline function uniform24(state: usize): f32 {
  return <f32>(<u32>(rngNext(state) >> 40)) * 5.9604644775390625e-8; // 2^-24
}

/** Unbiased integer in [0, bound) (Lemire's multiply-and-reject). */
export function rngBelow(state: usize, bound: u32): u32 {
  let m = (rngNext(state) >> 32) * <u64>bound;
  let low = <u32>m;
  if (low < bound) {
    let threshold: u32 = (<u32>0 - bound) % bound;
    while (low < threshold) {
      m = (rngNext(state) >> 32) * <u64>bound;
      low = <u32>m;
    }
  }
  return <u32>(m >> 32);
}

/** out[i] = sign * U[0,1) as float32; sign = -1 gives the paper's -U(0,1). */
export function fillUniform(state: usize, out: usize, count: i32, scale: f32, offset: f32): void {
  for (let i = 0; i < count; i++) {
    store<f32>(out + (<usize>i << 2), offset + scale * uniform24(state));
  }
}

/** Standard normals as float64 by the Box–Muller transform (both outputs used). */
export function fillNormal64(state: usize, out: usize, count: i32): void {
  let i = 0;
  while (i < count) {
    let u1 = 1.0 - uniform53(state); // (0, 1]: log is finite
    let u2 = uniform53(state);
    let r = Math.sqrt(-2.0 * Math.log(u1));
    let a = 6.283185307179586 * u2;
    store<f64>(out + (<usize>i << 3), r * Math.cos(a));
    if (i + 1 < count) store<f64>(out + (<usize>(i + 1) << 3), r * Math.sin(a));
    i += 2;
  }
}

/** Standard normals rounded to float32. `work` holds count float64s. */
export function fillNormal(state: usize, out: usize, count: i32, work: usize): void {
  fillNormal64(state, work, count);
  for (let i = 0; i < count; i++) {
    store<f32>(out + (<usize>i << 2), <f32>load<f64>(work + (<usize>i << 3)));
  }
}

/** rows points uniform on the sphere of the given radius in R^dim (Gaussian / norm), float32. */
export function fillSphere(state: usize, out: usize, rows: i32, dim: i32, radius: f64, work: usize): void {
  for (let r = 0; r < rows; r++) {
    fillNormal64(state, work, dim);
    let ss: f64 = 0;
    for (let j = 0; j < dim; j++) {
      let g = load<f64>(work + (<usize>j << 3));
      ss += g * g;
    }
    let s = radius / Math.sqrt(ss);
    let row = out + (<usize>(r * dim) << 2);
    for (let j = 0; j < dim; j++) {
      store<f32>(row + (<usize>j << 2), <f32>(load<f64>(work + (<usize>j << 3)) * s));
    }
  }
}

/** In-place Fisher–Yates shuffle of count u32 indices. */
export function shuffleU32(state: usize, ptr: usize, count: i32): void {
  for (let i = count - 1; i > 0; i--) {
    let j = rngBelow(state, <u32>(i + 1));
    let a = ptr + (<usize>i << 2), b = ptr + (<usize>j << 2);
    let t = load<u32>(a);
    store<u32>(a, load<u32>(b));
    store<u32>(b, t);
  }
}
