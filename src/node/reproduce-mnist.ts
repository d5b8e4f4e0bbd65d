// The padded-MNIST part of `fclab reproduce` in Node: its own sweep in OUT/mnist (so the figure
// sweep's fingerprint is unchanged), the weight images (M1) and curves (M2) in OUT/figures, the
// checks and the report section.
import type { MnistRunConfig } from '../tasks/mnist/config.js';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from './atomic.js';
import { readNpy } from './npy.js';
import { renderSvg } from '../report/render.js';
import { writePng } from './png.js';
import type { ReportSection } from '../report/html.js';
import { loadMnistDigits } from './mnist-digits.js';
import { createMnistTrainer } from '../tasks/mnist/trainer.js';
import { planSweep } from '../sweep/plan.js';
import { runPlan, type SweepOutcome } from './sweep.js';
import type { ReproducePartOptions } from './reproduce-distill.js';
import { ACTIVATION_LABEL } from '../paper/reproduce.js';
import {
  MNIST_CURVES_FIGURE,
  MNIST_WEIGHTS_FIGURE,
  mnistCells,
  mnistClaims,
  mnistCurvesSpec,
  mnistFinalTable,
  mnistReproduceSettings,
  mnistSweepSpec,
  mnistWeightsSpec,
  type MnistClaim,
  type MnistReproduceSettings,
} from '../paper/mnist.js';

export type MnistReproduceOptions = ReproducePartOptions;

export interface MnistReproduceOutcome {
  settings: MnistReproduceSettings;
  sweep: SweepOutcome;
  figures: Array<{ name: string; title: string; svg: string; png: string }>;
  claims: MnistClaim[];
  section: ReportSection;
}

export async function reproduceMnist(o: MnistReproduceOptions): Promise<MnistReproduceOutcome> {
  const settings = mnistReproduceSettings(!!o.quick, o.seeds);
  const plan = planSweep(mnistSweepSpec(settings));
  const sweep = await runPlan(plan, { out: join(o.out, 'mnist'), workers: o.workers, figure: false, reuse: o.reuse, onProgress: o.onProgress });
  const cells = sweep.doc.cells;
  const { relu, identity } = mnistCells(cells);

  // M1: the first seed's learned change W − W0 (W0 rebuilt from the config: the 'init' stream)
  const digits = await loadMnistDigits();
  const weightRuns: Array<{ label: string; seed: number; change: Float32Array }> = [];
  let side = 0;
  for (const c of [relu, identity]) {
    const run = c.runs[0];
    const W = (await readNpy(join(sweep.out, run.dir, 'weights', 'fc0.weight.npy'))).data;
    const t = await createMnistTrainer({ ...(c.config as MnistRunConfig), seed: run.seed }, { digits });
    const W0 = t.initialWeights();
    side = t.data.side;
    t.dispose();
    if (W.length !== W0.length) throw new Error(`reproduce: ${run.dir}: fc0.weight has ${W.length} values, expected ${W0.length}`);
    weightRuns.push({ label: ACTIVATION_LABEL[c.config.model.activation], seed: run.seed, change: Float32Array.from(W, (v, i) => v - W0[i]) });
  }
  const figDir = join(o.out, 'figures');
  await mkdir(figDir, { recursive: true });
  const figures: MnistReproduceOutcome['figures'] = [];
  const svgTexts: string[] = [];
  for (const [name, title, spec] of [
    [MNIST_WEIGHTS_FIGURE, 'M1 · Padded MNIST: learned first-layer weights, ReLU beside identity', mnistWeightsSpec(settings, side, weightRuns)],
    [MNIST_CURVES_FIGURE, 'M2 · Padded MNIST: accuracy and the learned border', mnistCurvesSpec(settings, cells)],
  ] as const) {
    const svgText = await renderSvg(spec);
    const svg = join(figDir, `${name}.svg`);
    const png = join(figDir, `${name}.png`);
    await writeFileAtomic(svg, svgText);
    const pngBytes = await writePng(png, svgText);
    figures.push({ name, title, svg, png });
    // the weight images have one rect per weight (tens of thousands): the report embeds their PNG
    svgTexts.push(
      name === MNIST_WEIGHTS_FIGURE && pngBytes
        ? `<img alt="first-layer weight changes as images, ReLU beside identity" style="max-width:100%" src="data:image/png;base64,${Buffer.from(pngBytes).toString('base64')}">`
        : svgText,
    );
  }

  const claims = mnistClaims(cells);
  const section: ReportSection = {
    id: 'm1',
    title: 'M1–M2 · Real data: padded MNIST (the analogue of the paper\'s CIFAR-10 border figure)',
    text:
      "Every MNIST digit sits in a 36×36 image with a constant grey 4-pixel border, the same for every class and so uncorrelated with the label; the OOD set is the same test digits without the border. " +
      'For the first layer a constant border acts as an extra bias, whose gradient cancels for a linear network once its output bias has settled but not for a ReLU network whose neurons fire mostly for some classes (activation asymmetry). ' +
      "The border's init weights are a large share of the first layer's energy (512 of 1,296 inputs), so bgEnergy falls for both networks as the digit weights grow; bgShareLearned, the border norm's growth and the images of W − W0 isolate what was learned." +
      (settings.quick ? `\n\nQuick mode: ${settings.notes.join('; ')}.` : ''),
    figures: [
      { svg: svgTexts[0], caption: `${figures[0].title}. The first 16 neurons' change since initialisation, seed ${weightRuns[0].seed}: a uniform frame is a learned border weight; the identity network's frame stays blank. A neuron that never fires changes only by weight decay, which looks like its initial noise.`, png: `figures/${MNIST_WEIGHTS_FIGURE}.png` },
      { svg: svgTexts[1], caption: `${figures[1].title}. ID test and OOD (border removed) accuracy, bgEnergy, bgShareLearned and Δ bgProj over training; mean and 95% CI over ${settings.seeds} seeds.`, png: `figures/${MNIST_CURVES_FIGURE}.png` },
    ],
    tables: [
      { caption: 'Checks (paired over seeds)', columns: ['claim', 'holds', 'evidence'], rows: claims.map((c) => [c.statement, c.holds ? 'yes' : 'NO', c.evidence]) },
      { caption: 'Padded MNIST, final values (mean [95% CI] over seeds)', ...mnistFinalTable(cells) },
    ],
  };
  return { settings, sweep, figures, claims, section };
}
