// The demo page's live weight images of a padded-MNIST run: the first-layer learned change W − W0
// of the first neurons, each reshaped to the padded side x side image and scaled to its own max
// |W − W0|, in a grid (what the M1 figure and a run's weights.svg show, drawn on a canvas so that
// it redraws at every evaluation). Diverging Okabe–Ito colours: vermillion > 0 > blue, white at 0.
const POS = [213, 94, 0] as const;
const NEG = [0, 114, 178] as const;

export interface WeightImages {
  /** neurons drawn */
  neurons: number;
  /** mean over the drawn neurons of max |W − W0| (0 before any update) */
  meanMaxChange: number;
}

/**
 * Draws rows k < neurons of (W − W0) ([rows x side^2] each) into the canvas, `columns` per row, a
 * one-pixel gap between images. W0 absent: the change is zero (the untrained network).
 */
export function drawWeightImages(canvas: HTMLCanvasElement, side: number, W: ArrayLike<number> | undefined, W0: ArrayLike<number> | undefined, opts: { neurons?: number; columns?: number } = {}): WeightImages {
  const D = side * side;
  const rows = W ? Math.floor(W.length / D) : 0;
  const neurons = Math.min(opts.neurons ?? 16, rows || (opts.neurons ?? 16));
  const columns = opts.columns ?? 4;
  const gridRows = Math.ceil(neurons / columns);
  const wPx = columns * (side + 1) - 1;
  const hPx = gridRows * (side + 1) - 1;
  // the image at its own resolution, scaled up by CSS without smoothing
  if (canvas.width !== wPx || canvas.height !== hPx) {
    canvas.width = wPx;
    canvas.height = hPx;
  }
  canvas.style.imageRendering = 'pixelated';
  const g = canvas.getContext('2d')!;
  const img = g.createImageData(wPx, hPx);
  img.data.fill(255);
  let sumMax = 0;
  for (let k = 0; k < neurons; k++) {
    let max = 0;
    if (W && W0) for (let j = 0; j < D; j++) max = Math.max(max, Math.abs(W[k * D + j] - W0[k * D + j]));
    sumMax += max;
    const ox = (k % columns) * (side + 1);
    const oy = Math.floor(k / columns) * (side + 1);
    for (let j = 0; j < D; j++) {
      const v = max > 0 && W && W0 ? (W[k * D + j] - W0[k * D + j]) / max : 0;
      const c = v >= 0 ? POS : NEG;
      const a = Math.min(1, Math.abs(v));
      const p = 4 * ((oy + Math.floor(j / side)) * wPx + ox + (j % side));
      img.data[p] = Math.round(255 + (c[0] - 255) * a);
      img.data[p + 1] = Math.round(255 + (c[1] - 255) * a);
      img.data[p + 2] = Math.round(255 + (c[2] - 255) * a);
      img.data[p + 3] = 255;
    }
  }
  // grey gaps between the images
  for (let y = 0; y < hPx; y++)
    for (let x = 0; x < wPx; x++)
      if (x % (side + 1) === side || y % (side + 1) === side) {
        const p = 4 * (y * wPx + x);
        img.data[p] = img.data[p + 1] = img.data[p + 2] = 200;
      }
  g.putImageData(img, 0, 0);
  return { neurons, meanMaxChange: neurons ? sumMax / neurons : 0 };
}
