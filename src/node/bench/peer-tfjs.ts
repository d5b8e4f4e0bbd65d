// The TensorFlow.js peer: the bench's cases written with @tensorflow/tfjs ops (wasm and cpu
// backends), the same network, PyTorch's init values (copied from fclab's trainer), loss and
// optimizer formulas (PyTorch's SGD with momentum and coupled weight decay, AdamW), and for the
// online cases fresh samples drawn with tfjs's own generators every step.
// tfjs is a devDependency: without it the peer reports itself unavailable.
import type { BenchCase, Timing } from '../../bench/core.js';
import { median } from '../../bench/core.js';
import type { ToyConfig as Config } from '../../config/schema.js';
import { onlinePositives } from '../../tasks/toy/data.js';

type Tf = typeof import('@tensorflow/tfjs');
type Tensor = import('@tensorflow/tfjs').Tensor;
type Variable = import('@tensorflow/tfjs').Variable;

export interface PeerStart {
  config: Config;
  /** fc0.weight, fc0.bias, fc1.weight, fc1.bias in PyTorch layout */
  params: Array<{ name: string; shape: number[]; data: Float32Array }>;
  trainX: Float32Array;
  y: Float32Array;
  /** V, featDim x inputDim */
  transform: Float32Array;
  n: number;
  inputDim: number;
  featDim: number;
}

export interface PeerTiming extends Timing {
  backend: string;
  info: string;
  firstLosses?: number[];
}

let tfPromise: Promise<Tf> | null = null;
/** Loads tfjs and registers the wasm backend; `wasmDir` is where its .wasm files are served from. */
export function loadTf(wasmDir?: string): Promise<Tf> {
  tfPromise ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (wasmDir) wasm.setWasmPaths(wasmDir);
    return tf;
  })();
  return tfPromise;
}

/** budgetMs: the length of one timed repeat; the step count follows from a timed first step. */
export async function timeTfjs(tf: Tf, backend: 'wasm' | 'cpu', c: BenchCase, start: PeerStart, budgetMs: number, repeats: number): Promise<PeerTiming> {
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not initialise`);
  await tf.ready();
  const { config } = start;
  const tr = config.train;
  const vars: Variable[] = start.params.map((p) => {
    // tfjs's dense layers compute x·W with W [in, out]; keep PyTorch's [out, in] and use transposeB
    return tf.variable(tf.tensor(p.data, p.shape), true, p.name);
  });
  const trainable = config.model.freezeOutput ? vars.slice(0, 2) : vars;
  const [W0, b0, W1, b1] = vars;
  const V = tf.tensor2d(start.transform, [start.featDim, start.inputDim]);
  const fullX = tf.tensor2d(start.trainX, [start.n, start.inputDim]);
  const fullY = tf.tensor1d(start.y);
  const act = config.model.activation;
  if (act !== 'relu') throw new Error('the tfjs peer implements the bench cases (ReLU) only');

  const forward = (X: Tensor) => {
    const h = tf.relu(tf.add(tf.matMul(X, W0, false, true), b0));
    return tf.reshape(tf.add(tf.matMul(h, W1, false, true), b1), [-1]);
  };
  const lossOf = (f: Tensor, y: Tensor) => {
    const m = tf.mul(y, f);
    if (tr.loss === 'logistic') return tf.mean(tf.softplus(tf.neg(m)));
    if (tr.loss === 'hinge') return tf.mean(tf.relu(tf.sub(1, m)));
    return tf.mean(tf.square(tf.sub(f, y)));
  };
  const state = trainable.map((v) => ({ m: tf.variable(tf.zerosLike(v)), v: tf.variable(tf.zerosLike(v)) }));
  let t = 0;
  const { lr, weightDecay: wd, momentum: mom, beta1: b1c, beta2: b2c, eps } = tr;

  // one batch: fixed (full batch) or fresh (online: sphere or uniform core, uniform background)
  // labels as fclab's online batches: half positive, an odd batch's extra row alternating with the step
  const rows = c.batch;
  const labelsAt = (parity: number) => {
    const nPos = onlinePositives(rows, parity);
    return {
      y: tf.tensor1d(Array.from({ length: rows }, (_, i) => (i < nPos ? 1 : -1))),
      radius: tf.tensor2d(Array.from({ length: rows }, (_, i) => (i < nPos ? 1 : 2)), [rows, 1]),
    };
  };
  const labels = [labelsAt(0), labelsAt(1)];
  const cd = config.data.coreDim, bd = config.data.bgDim;
  const sample = (): Tensor => {
    const { y: yOnline, radius } = labels[t % 2];
    const g = tf.randomNormal([rows, cd]);
    const core = config.data.core === 'sphere' ? tf.mul(tf.div(g, tf.norm(g, 'euclidean', 1, true)), radius) : tf.mul(tf.randomUniform([rows, cd]), tf.reshape(yOnline, [rows, 1]));
    const bg = tf.randomUniform([rows, bd], config.data.bgMean - 0.5, config.data.bgMean + 0.5);
    return tf.matMul(tf.concat([core, bg], 1), V);
  };

  const step = (): number | undefined => {
    let lossValue: Tensor | undefined;
    tf.tidy(() => {
      const X = c.online ? sample() : fullX;
      const Y = c.online ? labels[t % 2].y : fullY;
      const { value, grads } = tf.variableGrads(() => lossOf(forward(X), Y) as import('@tensorflow/tfjs').Scalar, trainable);
      t++;
      trainable.forEach((p, i) => {
        const g = grads[p.name];
        const s = state[i];
        if (tr.optimizer === 'sgd') {
          const d = tf.add(g, tf.mul(wd, p));
          const buf = t === 1 || mom === 0 ? d : tf.add(tf.mul(mom, s.m), d);
          s.m.assign(buf);
          p.assign(tf.sub(p, tf.mul(lr, buf)));
        } else {
          const decoupled = tr.optimizer === 'adamw';
          const pp = decoupled ? tf.mul(p, 1 - lr * wd) : p;
          const gg = decoupled ? g : tf.add(g, tf.mul(wd, p));
          const m = tf.add(tf.mul(s.m, b1c), tf.mul(1 - b1c, gg));
          const v = tf.add(tf.mul(s.v, b2c), tf.mul(tf.mul(1 - b2c, gg), gg));
          s.m.assign(m);
          s.v.assign(v);
          const bc1 = 1 - b1c ** t, bc2 = 1 - b2c ** t;
          const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps);
          p.assign(tf.sub(pp, tf.div(tf.mul(lr / bc1, m), denom)));
        }
      });
      lossValue = tf.keep(value);
    });
    const out = lossValue!.dataSync()[0];
    lossValue!.dispose();
    return out;
  };
  const sync = () => trainable[0].dataSync();

  const firstLosses = c.online ? undefined : [step()!, step()!, step()!];
  const run = (k: number) => {
    for (let i = 0; i < k; i++) step();
    sync();
  };
  const s0 = performance.now();
  run(1);
  const steps = Math.max(1, Math.min(10_000, Math.round(budgetMs / (performance.now() - s0))));
  run(Math.max(1, steps >> 2));
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const s = performance.now();
    run(steps);
    samples.push((performance.now() - s) / steps);
  }
  [...vars, V, fullX, fullY, ...labels.flatMap((l) => [l.y, l.radius])].forEach((x) => x.dispose());
  state.forEach((s) => (s.m.dispose(), s.v.dispose()));
  let info = `tfjs ${tf.version.tfjs}, ${backend}`;
  if (backend === 'wasm') {
    const flags = tf.env().getFlags();
    info += flags.WASM_HAS_SIMD_SUPPORT ? ', SIMD' : '';
    info += flags.WASM_HAS_MULTITHREAD_SUPPORT ? ', threads' : ', 1 thread';
  }
  return { ms: median(samples), samples, backend, info, firstLosses };
}
