// What the demo page draws for a feature-model run, computed from the run's data and parameters
// only (display code: float64 here is for pictures, never for a run's metrics or hash).
//
// The slice: the 2-D plane of feature space spanned by the class (core) direction ĉ and the shift
// direction û (the unit vector of E_ood[z_bg] − E_train[z_bg]), embedded in input space by V:
// x = (a·ĉ + s·û) V. A point z is drawn at (ĉ·z_core, û·z_bg); its OOD twin has the same core, so it
// sits straight above or below it, moved along û. For the sphere core (the classes differ by radius,
// there is no class direction) the plane goes through one core axis and a point is drawn at its core
// radius. Since V has orthonormal rows, the first layer on a feature vector z is P z + b with
// P = W1 Vᵀ, so the network's output f on the plane, and per neuron its weight along û, come from
// P's components P·ĉ and P·û.
import type { NamedTensor } from '../../engine/net.js';

export interface PlaneData {
  n: number;
  coreDim: number;
  bgDim: number;
  /** 'sphere' | 'uniform' */
  core: string;
  /** mean of a training background coordinate (the OOD set's is its negation) */
  bgMean: number;
  /** labels (±1), n */
  y: Float32Array;
  /** feature coordinates of the training and OOD sets (n x featDim), from X Vᵀ */
  trainZ: Float64Array;
  testZ: Float64Array;
  /** V (featDim x inputDim) */
  V: Float32Array;
  inputDim: number;
}

export interface PlaneFrame {
  iteration: number;
  /** f on the grid, row-major, row 0 at the top (largest s) */
  grid: Float64Array;
  gridSize: number;
  /** per neuron: activation asymmetry on the training set, weight along û, along ĉ (or the core axis), output weight */
  asymmetry: Float64Array;
  along: Float64Array;
  alongCore: Float64Array;
  outWeight: Float64Array;
  /** sign(f) equals the label, per training and OOD point (the network's own prediction at the full point) */
  trainCorrect: Uint8Array;
  oodCorrect: Uint8Array;
  /** mean over neurons of |P[k,bg]·û| (the CLI's bgShiftProj) */
  bgShiftProj: number;
}

/** The view's axes: a point's coordinates and the plane's extent. */
export interface PlaneAxes {
  /** per training point: horizontal coordinate, and vertical for train and OOD */
  a: Float64Array;
  sTrain: Float64Array;
  sTest: Float64Array;
  aRange: [number, number];
  sRange: [number, number];
  aLabel: string;
  sLabel: string;
}

/** Activations as functions (display only; the run's own math is in the WASM module). */
export function activationFn(name: string): (v: number) => number {
  switch (name) {
    case 'relu':
      return (v) => (v > 0 ? v : 0);
    case 'leakyrelu':
      return (v) => (v > 0 ? v : 0.1 * v);
    case 'identity':
      return (v) => v;
    case 'sigmoid':
      return (v) => 1 / (1 + Math.exp(-v));
    case 'tanh':
      return (v) => Math.tanh(v);
    case 'gelu':
      return (v) => 0.5 * v * (1 + Math.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
    default:
      throw new Error(`no display form for activation ${JSON.stringify(name)}`);
  }
}

/** Z = X Vᵀ (V has orthonormal rows, so this recovers the feature coordinates of generated data). */
export function featureCoords(X: Float32Array, V: Float32Array, n: number, featDim: number, inputDim: number): Float64Array {
  const Z = new Float64Array(n * featDim);
  for (let r = 0; r < n; r++) {
    const xo = r * inputDim;
    for (let j = 0; j < featDim; j++) {
      const vo = j * inputDim;
      let s = 0;
      for (let i = 0; i < inputDim; i++) s += X[xo + i] * V[vo + i];
      Z[r * featDim + j] = s;
    }
  }
  return Z;
}

/** The unit directions of the plane in feature coordinates (featDim each). */
export function planeDirections(d: Pick<PlaneData, 'coreDim' | 'bgDim' | 'core' | 'bgMean'>): { c: Float64Array; u: Float64Array } {
  const featDim = d.coreDim + d.bgDim;
  const c = new Float64Array(featDim);
  if (d.core === 'sphere') c[0] = 1;
  else c.fill(1 / Math.sqrt(d.coreDim), 0, d.coreDim);
  const u = new Float64Array(featDim);
  // E_ood − E_train = −2·bgMean per coordinate: û points from the training background to the OOD one
  const sign = d.bgMean > 0 ? -1 : 1;
  u.fill(sign / Math.sqrt(d.bgDim), d.coreDim, featDim);
  return { c, u };
}

export function planeAxes(d: PlaneData): PlaneAxes {
  const featDim = d.coreDim + d.bgDim;
  const { c, u } = planeDirections(d);
  const a = new Float64Array(d.n);
  const sTrain = new Float64Array(d.n);
  const sTest = new Float64Array(d.n);
  for (let r = 0; r < d.n; r++) {
    const o = r * featDim;
    let ac = 0;
    let rad = 0;
    let st = 0;
    let so = 0;
    for (let j = 0; j < d.coreDim; j++) {
      ac += c[j] * d.trainZ[o + j];
      rad += d.trainZ[o + j] * d.trainZ[o + j];
    }
    for (let j = d.coreDim; j < featDim; j++) {
      st += u[j] * d.trainZ[o + j];
      so += u[j] * d.testZ[o + j];
    }
    a[r] = d.core === 'sphere' ? Math.sqrt(rad) : ac;
    sTrain[r] = st;
    sTest[r] = so;
  }
  const ext = (xs: Float64Array[], pad: number): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of xs) for (const v of x) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const m = Math.max(Math.abs(lo), Math.abs(hi)) + pad;
    return [-m, m];
  };
  const sRange = ext([sTrain, sTest], 0.8);
  const aRange: [number, number] = d.core === 'sphere' ? [0, Math.max(...a) + 0.8] : ext([a], 0.8);
  return {
    a,
    sTrain,
    sTest,
    aRange,
    sRange,
    aLabel: d.core === 'sphere' ? 'core radius ‖z_core‖ (plane through core axis 1)' : 'core class direction ĉ·z',
    sLabel: 'background along û (the OOD shift) →',
  };
}

interface Layer {
  W: Float32Array;
  b: Float32Array | null;
  out: number;
  inp: number;
}

function layersOf(parameters: NamedTensor[]): Layer[] {
  const layers: Layer[] = [];
  for (let l = 0; ; l++) {
    const W = parameters.find((t) => t.name === `fc${l}.weight`);
    if (!W) break;
    const b = parameters.find((t) => t.name === `fc${l}.bias`);
    layers.push({ W: W.data, b: b?.data ?? null, out: W.shape[0], inp: W.shape[1] });
  }
  if (layers.length < 2) throw new Error('plane view: expected parameters fc0.weight, fc1.weight, ...');
  return layers;
}

/** The rest of the network after the first layer's pre-activations h (hidden). */
function tail(layers: Layer[], act: (v: number) => number, h: Float64Array): number {
  let cur = h;
  for (let l = 1; l < layers.length; l++) {
    const L = layers[l];
    const next = new Float64Array(L.out);
    for (let o = 0; o < L.out; o++) {
      let s = L.b ? L.b[o] : 0;
      const wo = o * L.inp;
      for (let i = 0; i < L.inp; i++) s += L.W[wo + i] * act(cur[i]);
      next[o] = s;
    }
    cur = next;
  }
  return cur[0];
}

/** The plane view of one run: fixed data and axes, a frame per set of parameters. */
export class FeaturePlane {
  readonly axes: PlaneAxes;
  private readonly dirs: { c: Float64Array; u: Float64Array };
  /** ĉᵀV and ûᵀV (inputDim): a neuron's weight along a direction is W1_k · (dirᵀV) */
  private readonly cV: Float64Array;
  private readonly uV: Float64Array;

  constructor(
    readonly data: PlaneData,
    readonly activation: string,
    readonly gridSize = 48,
  ) {
    this.axes = planeAxes(data);
    this.dirs = planeDirections(data);
    const { inputDim, V } = data;
    const featDim = data.coreDim + data.bgDim;
    const proj = (dir: Float64Array) => {
      const out = new Float64Array(inputDim);
      for (let j = 0; j < featDim; j++) {
        if (dir[j] === 0) continue;
        for (let i = 0; i < inputDim; i++) out[i] += dir[j] * V[j * inputDim + i];
      }
      return out;
    };
    this.cV = proj(this.dirs.c);
    this.uV = proj(this.dirs.u);
  }

  frame(iteration: number, parameters: NamedTensor[]): PlaneFrame {
    const d = this.data;
    const act = activationFn(this.activation);
    const layers = layersOf(parameters);
    const L0 = layers[0];
    const hidden = L0.out;
    const inputDim = L0.inp;
    const featDim = d.coreDim + d.bgDim;
    if (inputDim !== d.inputDim) throw new Error(`plane view: fc0.weight has ${inputDim} inputs, the data ${d.inputDim}`);
    // P = W1 Vᵀ (hidden x featDim)
    const P = new Float64Array(hidden * featDim);
    for (let k = 0; k < hidden; k++)
      for (let j = 0; j < featDim; j++) {
        let s = 0;
        const wo = k * inputDim;
        const vo = j * inputDim;
        for (let i = 0; i < inputDim; i++) s += L0.W[wo + i] * d.V[vo + i];
        P[k * featDim + j] = s;
      }
    const alongCore = new Float64Array(hidden);
    const along = new Float64Array(hidden);
    for (let k = 0; k < hidden; k++) {
      let sc = 0;
      let su = 0;
      for (let i = 0; i < inputDim; i++) {
        sc += L0.W[k * inputDim + i] * this.cV[i];
        su += L0.W[k * inputDim + i] * this.uV[i];
      }
      alongCore[k] = sc;
      along[k] = su;
    }
    let shift = 0;
    for (let k = 0; k < hidden; k++) shift += Math.abs(along[k]);
    const b0 = L0.b;

    // f on the grid: h = a·(P·ĉ) + s·(P·û) + b
    const G = this.gridSize;
    const grid = new Float64Array(G * G);
    const [a0, a1] = this.axes.aRange;
    const [s0, s1] = this.axes.sRange;
    const h = new Float64Array(hidden);
    for (let gy = 0; gy < G; gy++) {
      const s = s1 - ((gy + 0.5) / G) * (s1 - s0);
      for (let gx = 0; gx < G; gx++) {
        const a = a0 + ((gx + 0.5) / G) * (a1 - a0);
        for (let k = 0; k < hidden; k++) h[k] = a * alongCore[k] + s * along[k] + (b0 ? b0[k] : 0);
        grid[gy * G + gx] = tail(layers, act, h);
      }
    }

    // the points: pre-activations P z + b, asymmetry on the training set, correctness of sign(f)
    const pos = new Float64Array(hidden);
    const neg = new Float64Array(hidden);
    let nPos = 0;
    let nNeg = 0;
    const trainCorrect = new Uint8Array(d.n);
    const oodCorrect = new Uint8Array(d.n);
    for (const [Z, correct, count] of [
      [d.trainZ, trainCorrect, true],
      [d.testZ, oodCorrect, false],
    ] as const) {
      for (let r = 0; r < d.n; r++) {
        const zo = r * featDim;
        for (let k = 0; k < hidden; k++) {
          let s = b0 ? b0[k] : 0;
          const po = k * featDim;
          for (let j = 0; j < featDim; j++) s += P[po + j] * Z[zo + j];
          h[k] = s;
        }
        const y = d.y[r];
        if (count) {
          const c = y > 0 ? pos : neg;
          if (y > 0) nPos++;
          else nNeg++;
          for (let k = 0; k < hidden; k++) if (h[k] > 0) c[k]++;
        }
        const f = tail(layers, act, h);
        correct[r] = (f > 0 ? 1 : -1) === (y > 0 ? 1 : -1) ? 1 : 0;
      }
    }
    const asymmetry = new Float64Array(hidden);
    for (let k = 0; k < hidden; k++) asymmetry[k] = (nPos ? pos[k] / nPos : 0) - (nNeg ? neg[k] / nNeg : 0);
    const L1 = layers[1];
    const outWeight = new Float64Array(hidden);
    // the output weight of each first-layer neuron (2-layer nets; deeper: the first unit of layer 2)
    for (let k = 0; k < hidden; k++) outWeight[k] = L1.W[k];
    return { iteration, grid, gridSize: G, asymmetry, along, alongCore, outWeight, trainCorrect, oodCorrect, bgShiftProj: shift / hidden };
  }
}
