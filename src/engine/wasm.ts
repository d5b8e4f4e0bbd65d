// Loads the fclab WebAssembly module with @assemblyscript/loader. The bytes are embedded
// (src/engine/generated/wasm.ts), so the same code path serves Node and browsers.
import { instantiate } from '@assemblyscript/loader';
import { SIMD_WASM_BASE64, SCALAR_WASM_BASE64 } from './generated/wasm.js';

type Ptr = number;

/** The module's exports, as declared in assembly/index.ts. */
export interface Kernels {
  memory: WebAssembly.Memory;
  alloc(bytes: number): Ptr;
  simdEnabled(): number;
  rngSeed(state: Ptr, seed: bigint, streamKey: bigint): void;
  rngNext(state: Ptr): bigint;
  /** u32 result through a signed export: use `>>> 0` for bounds above 2^31 */
  rngBelow(state: Ptr, bound: number): number;
  fillUniform(state: Ptr, out: Ptr, count: number, scale: number, offset: number): void;
  fillNormal(state: Ptr, out: Ptr, count: number, work: Ptr): void;
  fillNormal64(state: Ptr, out: Ptr, count: number): void;
  fillSphere(state: Ptr, out: Ptr, rows: number, dim: number, radius: number, work: Ptr): void;
  shuffleU32(state: Ptr, ptr: Ptr, count: number): void;
  orthonormalRows(state: Ptr, out: Ptr, rows: number, cols: number, work: Ptr): void;
  orthonormalWorkBytes(rows: number, cols: number): number;
  gemm(A: Ptr, aRow: number, aCol: number, B: Ptr, C: Ptr, M: number, N: number, K: number, bias: Ptr): void;
  transpose(src: Ptr, dst: Ptr, rows: number, cols: number): void;
  colSum(A: Ptr, out: Ptr, rows: number, cols: number): void;
  actForward(kind: number, Z: Ptr, A: Ptr, count: number): void;
  actBackward(kind: number, Z: Ptr, A: Ptr, dA: Ptr, dZ: Ptr, count: number): void;
  erf(x: number): number;
  normalCdf(x: number): number;
  lossSum(kind: number, F: Ptr, Y: Ptr, n: number): number;
  lossGrad(kind: number, F: Ptr, Y: Ptr, G: Ptr, n: number): number;
  countCorrect(F: Ptr, Y: Ptr, n: number): number;
  sgdUpdate(P: Ptr, G: Ptr, Buf: Ptr, count: number, lr: number, wd: number, mom: number, first: number): void;
  adamUpdate(P: Ptr, G: Ptr, M: Ptr, V: Ptr, count: number, lr: number, wd: number, b1: number, b2: number,
    eps: number, t: number, decoupled: number): void;
  netConfigure(layers: number, activation: number, loss: number, optimizer: number): void;
  netSetHyper(lr: number, wd: number, momentum: number, beta1: number, beta2: number, eps: number): void;
  netSetFactored(on: number, featDim: number, V: Ptr, Vt: Ptr, P: Ptr, Pt: Ptr): void;
  netSetLayer(l: number, fanIn: number, fanOut: number, W: Ptr, b: Ptr, gW: Ptr, gb: Ptr, Z: Ptr, A: Ptr, D: Ptr,
    Wt: Ptr, mW: Ptr, vW: Ptr, mb: Ptr, vb: Ptr, frozen: number): void;
  netGetStep(): number;
  netSetStep(t: number): void;
  netForward(X: Ptr, rows: number): void;
  netLossGrad(Y: Ptr, rows: number): number;
  netBackward(X: Ptr, rows: number): void;
  netUpdate(): void;
  netGradient(X: Ptr, Y: Ptr, rows: number): number;
  netTrain(X: Ptr, Y: Ptr, rows: number, k: number): number;
  netTrainBatches(X: Ptr, Y: Ptr, n: number, width: number, batch: number, rng: Ptr, perm: Ptr, cursor: Ptr,
    Xb: Ptr, Yb: Ptr, k: number): number;
}

export type Build = 'simd' | 'scalar';

function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const bytesOf: Record<Build, () => Uint8Array> = {
  simd: () => decodeBase64(SIMD_WASM_BASE64),
  scalar: () => decodeBase64(SCALAR_WASM_BASE64),
};
const compiled = new Map<Build, Promise<WebAssembly.Module>>();

let simdSupport: boolean | undefined;
/** Whether this runtime validates WebAssembly SIMD (fixed-width, non-relaxed). */
export function simdSupported(): boolean {
  if (simdSupport === undefined) {
    try {
      simdSupport = WebAssembly.validate(bytesOf.simd() as BufferSource);
    } catch {
      simdSupport = false;
    }
  }
  return simdSupport;
}

/** The build to use: SIMD where the runtime has it. Both give identical bits (see assembly/gemm.ts). */
export function defaultBuild(): Build {
  return simdSupported() ? 'simd' : 'scalar';
}

function compile(build: Build): Promise<WebAssembly.Module> {
  let m = compiled.get(build);
  if (!m) {
    m = WebAssembly.compile(bytesOf[build]() as BufferSource);
    compiled.set(build, m);
  }
  return m;
}

/** A fresh instance (its own memory) of the chosen build. */
export async function loadKernels(build: Build = defaultBuild()): Promise<Kernels> {
  const module = await compile(build);
  const { exports } = await instantiate<Record<string, unknown>>(module, {});
  return exports as unknown as Kernels;
}
