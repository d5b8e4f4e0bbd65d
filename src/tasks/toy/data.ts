// The structured feature model of the paper's numerical experiment (toy.py), drawn from fclab's
// PRNG inside the WASM module:
//   y: first n/2 = +1, rest -1
//   core z_c in R^coreDim: sphere (radius 1 for y=+1, 2 for y=-1) or uniform (+U(0,1)^d vs -U(0,1)^d)
//   background z_b in R^bgDim, independent of y: U(bgMean-1/2, bgMean+1/2)^d in training;
//   the OOD set keeps the same core samples and flips the background's sign
//   x = [z_c, z_b] V, V in R^{(coreDim+bgDim) x inputDim} with orthonormal rows.
import type { Arena, F32Buf, Ptr } from '../../engine/arena.js';
import type { ToyConfig } from './config.js';

/** The data model's fields (the ID test set's size, data.testN, is the toy run's own). */
export type DataConfig = Omit<ToyConfig['data'], 'testN'>;

export interface FeatureData {
  n: number;
  coreDim: number;
  bgDim: number;
  featDim: number;
  inputDim: number;
  /** labels, n */
  y: F32Buf;
  /** V, featDim x inputDim */
  V: F32Buf;
  /** feature coordinates [z_core, z_bg], n x featDim (null for imported data, whose Z is unknown) */
  trainZ: F32Buf | null;
  testZ: F32Buf | null;
  /** inputs Z V, n x inputDim */
  trainX: F32Buf;
  testX: F32Buf;
}

/** Labels as in toy.py: n//2 positives first. */
export function fillLabels(arena: Arena, y: F32Buf): void {
  const v = arena.view(y);
  const nPos = Math.floor(v.length / 2);
  v.fill(1, 0, nPos);
  v.fill(-1, nPos);
}

/** Core features for rows of which the first nPos are positive, into a rows x coreDim buffer. */
function drawCore(arena: Arena, cfg: DataConfig, stream: Ptr, core: F32Buf, nPos: number, work: Ptr): void {
  const k = arena.k;
  const d = cfg.coreDim;
  const rows = core.shape[0];
  const posPtr = core.ptr;
  const negPtr = core.ptr + nPos * d * 4;
  if (cfg.core === 'sphere') {
    k.fillSphere(stream, posPtr, nPos, d, 1, work);
    k.fillSphere(stream, negPtr, rows - nPos, d, 2, work);
  } else {
    k.fillUniform(stream, posPtr, nPos * d, 1, 0);
    k.fillUniform(stream, negPtr, (rows - nPos) * d, -1, 0);
  }
}

/** Training background: U(bgMean - 1/2, bgMean + 1/2); OOD background: its negation. */
function drawBackground(arena: Arena, cfg: DataConfig, stream: Ptr, bg: F32Buf, ood: boolean): void {
  const offset = Math.fround(cfg.bgMean - 0.5);
  if (ood) arena.k.fillUniform(stream, bg.ptr, bg.length, -1, -offset);
  else arena.k.fillUniform(stream, bg.ptr, bg.length, 1, offset);
}

/** Z = [core | bg] row by row (a copy, no arithmetic). */
function concatColumns(arena: Arena, core: F32Buf, bg: F32Buf, Z: F32Buf): void {
  const [rows, dc] = core.shape;
  const db = bg.shape[1];
  const c = arena.view(core), b = arena.view(bg), z = arena.view(Z);
  for (let r = 0; r < rows; r++) {
    z.set(c.subarray(r * dc, (r + 1) * dc), r * (dc + db));
    z.set(b.subarray(r * db, (r + 1) * db), r * (dc + db) + dc);
  }
}

/** Orthonormal-row embedding V from the 'transform' stream. */
export function makeTransform(arena: Arena, cfg: DataConfig, seed: number): F32Buf {
  const featDim = cfg.coreDim + cfg.bgDim;
  const V = arena.f32([featDim, cfg.inputDim]);
  const stream = arena.stream(seed, 'transform');
  const work = arena.bytes(arena.k.orthonormalWorkBytes(featDim, cfg.inputDim));
  arena.k.orthonormalRows(stream, V.ptr, featDim, cfg.inputDim, work);
  return V;
}

/**
 * The training set and its OOD twin, from the 'transform' and 'data' streams. Another data stream
 * name draws an independent set with the same V (e.g. held-out ID test points and their OOD twins).
 */
export function generateFeatureData(arena: Arena, cfg: DataConfig, seed: number, dataStream = 'data'): FeatureData {
  const { n, coreDim, bgDim, inputDim } = cfg;
  const featDim = coreDim + bgDim;
  const V = makeTransform(arena, cfg, seed);
  const stream = arena.stream(seed, dataStream);
  const work = arena.bytes(8 * Math.max(coreDim, 2));
  const y = arena.f32([n]);
  fillLabels(arena, y);
  const core = arena.f32([n, coreDim]);
  drawCore(arena, cfg, stream, core, Math.floor(n / 2), work);
  const bgTrain = arena.f32([n, bgDim]);
  const bgTest = arena.f32([n, bgDim]);
  drawBackground(arena, cfg, stream, bgTrain, false);
  drawBackground(arena, cfg, stream, bgTest, true);
  const trainZ = arena.f32([n, featDim]);
  const testZ = arena.f32([n, featDim]);
  concatColumns(arena, core, bgTrain, trainZ);
  concatColumns(arena, core, bgTest, testZ);
  const trainX = arena.f32([n, inputDim]);
  const testX = arena.f32([n, inputDim]);
  arena.matmul(trainZ, V, trainX);
  arena.matmul(testZ, V, testX);
  return { n, coreDim, bgDim, featDim, inputDim, y, V, trainZ, testZ, trainX, testX };
}

/**
 * Positive rows of the online batch of step t (the number of updates before it): the first half,
 * and for an odd batch the extra row alternates, positive at even steps, so that a batch of 1 sees
 * both classes equally often (same rule as assembly/online.ts).
 */
export function onlinePositives(rows: number, t: number): number {
  return Math.floor(rows / 2) + (rows % 2 === 1 && t % 2 === 0 ? 1 : 0);
}

/** Buffers and stream for online training: fresh training-distribution samples every step. */
export class OnlineSampler {
  readonly Z: F32Buf;
  readonly X: F32Buf;
  readonly y: F32Buf;
  readonly core: F32Buf;
  readonly bg: F32Buf;
  readonly work: Ptr;
  readonly stream: Ptr;

  constructor(private arena: Arena, private cfg: DataConfig, seed: number, readonly rows: number, private V: F32Buf) {
    const featDim = cfg.coreDim + cfg.bgDim;
    this.stream = arena.stream(seed, 'online');
    this.core = arena.f32([rows, cfg.coreDim]);
    this.bg = arena.f32([rows, cfg.bgDim]);
    this.Z = arena.f32([rows, featDim]);
    this.X = arena.f32([rows, cfg.inputDim]);
    this.y = arena.f32([rows]);
    this.work = arena.bytes(8 * Math.max(cfg.coreDim, 2));
    fillLabels(arena, this.y);
  }

  /**
   * Draws the fresh batch of step t into Z (and X = Z V when dense inputs are needed), and its
   * labels. The trainer draws with the module's onlineDraw (assembly/online.ts), which does the
   * same in the same order.
   */
  draw(dense: boolean, t: number): void {
    const nPos = onlinePositives(this.rows, t);
    const y = this.arena.view(this.y);
    y.fill(1, 0, nPos);
    y.fill(-1, nPos);
    drawCore(this.arena, this.cfg, this.stream, this.core, nPos, this.work);
    drawBackground(this.arena, this.cfg, this.stream, this.bg, false);
    concatColumns(this.arena, this.core, this.bg, this.Z);
    if (dense) this.arena.matmul(this.Z, this.V, this.X);
  }
}

/** Held-out in-distribution test points: labels, feature coordinates and (dense) inputs. */
export interface IdTestSet {
  rows: number;
  y: F32Buf;
  Z: F32Buf;
  /** Z V, or null when the trainer works on factored inputs */
  X: F32Buf | null;
}

/**
 * `rows` fresh points from the training distribution (core as in training, background
 * U(bgMean − 1/2, bgMean + 1/2)), from their own 'idtest' stream so that adding them reshuffles no
 * other stream; with imported state V is the imported embedding (the same data model).
 */
export function generateIdTest(arena: Arena, cfg: DataConfig, seed: number, V: F32Buf, rows: number, dense: boolean): IdTestSet {
  const { coreDim, bgDim } = cfg;
  const stream = arena.stream(seed, 'idtest');
  const work = arena.bytes(8 * Math.max(coreDim, 2));
  const y = arena.f32([rows]);
  fillLabels(arena, y);
  const core = arena.f32([rows, coreDim]);
  drawCore(arena, cfg, stream, core, Math.floor(rows / 2), work);
  const bg = arena.f32([rows, bgDim]);
  drawBackground(arena, cfg, stream, bg, false);
  const Z = arena.f32([rows, coreDim + bgDim]);
  concatColumns(arena, core, bg, Z);
  let X: F32Buf | null = null;
  if (dense) {
    X = arena.f32([rows, V.shape[1]]);
    arena.matmul(Z, V, X);
  }
  return { rows, y, Z, X };
}
