// Canvas drawings for the demo page's live views: the decision slice (a heat map of f over the
// plane with the data on it), one mark per neuron, and small line charts. No charting library:
// these redraw at every evaluation of two runs at once. Colours are Okabe–Ito (safe for the common
// colour-vision deficiencies), and every class or sign also differs in shape.
import type { FeaturePlane, PlaneFrame } from './plane.js';

export const COLORS = {
  pos: '#0072B2', // blue: class +1, output weight > 0
  neg: '#D55E00', // vermillion: class −1, output weight < 0
  posTint: [0, 114, 178] as const,
  negTint: [213, 94, 0] as const,
  ink: '#1d2330',
  muted: '#5b6475',
  grid: '#d9dde5',
  boundary: '#000000',
};

/** Sizes the canvas's backing store to its CSS box (at the device's pixel ratio); returns the context and CSS size. */
function prepare(canvas: HTMLCanvasElement): { g: CanvasRenderingContext2D; w: number; h: number } {
  const dpr = Math.min(3, globalThis.devicePixelRatio || 1);
  const w = Math.max(50, canvas.clientWidth || Number(canvas.getAttribute('width')) || 300);
  const h = Math.max(50, canvas.clientHeight || Number(canvas.getAttribute('height')) || 200);
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const g = canvas.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  g.font = '12px system-ui, sans-serif';
  return { g, w, h };
}

const fmtTick = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(0) : Number(v.toPrecision(2)).toString());

/** Round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 4): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.abs(v) < 1e-12 ? 0 : v);
  return out;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

function axes(g: CanvasRenderingContext2D, box: Box, xr: [number, number], yr: [number, number], xLabel: string, yLabel: string): void {
  g.strokeStyle = COLORS.muted;
  g.fillStyle = COLORS.muted;
  g.lineWidth = 1;
  g.strokeRect(box.x + 0.5, box.y + 0.5, box.w, box.h);
  g.textAlign = 'center';
  g.textBaseline = 'top';
  for (const t of ticks(xr[0], xr[1])) {
    const x = box.x + ((t - xr[0]) / (xr[1] - xr[0])) * box.w;
    // the last tick's label ends at the box's edge (not past the canvas)
    g.textAlign = x > box.x + box.w - 12 ? 'right' : 'center';
    g.fillText(fmtTick(t), x, box.y + box.h + 3);
  }
  g.textAlign = 'center';
  g.fillText(xLabel, box.x + box.w / 2, box.y + box.h + 17);
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (const t of ticks(yr[0], yr[1])) {
    const y = box.y + box.h - ((t - yr[0]) / (yr[1] - yr[0])) * box.h;
    g.fillText(fmtTick(t), box.x - 4, y);
  }
  g.save();
  g.translate(12, box.y + box.h / 2);
  g.rotate(-Math.PI / 2);
  g.textAlign = 'center';
  g.fillText(yLabel, 0, 0);
  g.restore();
}

/** The heat map of f over the plane, its zero contour, the training and OOD points. */
export function drawDecision(canvas: HTMLCanvasElement, plane: FeaturePlane, frame: PlaneFrame): void {
  const { g, w, h } = prepare(canvas);
  const box: Box = { x: 44, y: 6, w: w - 52, h: h - 42 };
  const { aRange, sRange, a, sTrain, sTest } = plane.axes;
  const G = frame.gridSize;
  // heat map: blue where f > 0 (class +1), vermillion where f < 0, saturating at |f| = 1 (the hinge margin)
  const img = g.createImageData(G, G);
  for (let i = 0; i < G * G; i++) {
    const f = frame.grid[i];
    const t = Math.tanh(Math.abs(f)) * 0.55;
    const c = f > 0 ? COLORS.posTint : COLORS.negTint;
    img.data[4 * i] = Math.round(255 + (c[0] - 255) * t);
    img.data[4 * i + 1] = Math.round(255 + (c[1] - 255) * t);
    img.data[4 * i + 2] = Math.round(255 + (c[2] - 255) * t);
    img.data[4 * i + 3] = 255;
  }
  const off = new OffscreenCanvasOr(G, G);
  off.ctx.putImageData(img, 0, 0);
  g.imageSmoothingEnabled = true;
  g.drawImage(off.canvas, box.x, box.y, box.w, box.h);

  const X = (v: number) => box.x + ((v - aRange[0]) / (aRange[1] - aRange[0])) * box.w;
  const Y = (v: number) => box.y + box.h - ((v - sRange[0]) / (sRange[1] - sRange[0])) * box.h;
  // the decision boundary f = 0 (marching squares on the grid's cell centres)
  const cx = (gx: number) => box.x + ((gx + 0.5) / G) * box.w;
  const cy = (gy: number) => box.y + ((gy + 0.5) / G) * box.h;
  g.strokeStyle = COLORS.boundary;
  g.lineWidth = 2;
  g.beginPath();
  for (let gy = 0; gy < G - 1; gy++)
    for (let gx = 0; gx < G - 1; gx++) {
      const v = [frame.grid[gy * G + gx], frame.grid[gy * G + gx + 1], frame.grid[(gy + 1) * G + gx + 1], frame.grid[(gy + 1) * G + gx]];
      const p = [
        [cx(gx), cy(gy)],
        [cx(gx + 1), cy(gy)],
        [cx(gx + 1), cy(gy + 1)],
        [cx(gx), cy(gy + 1)],
      ];
      const cross: Array<[number, number]> = [];
      for (let e = 0; e < 4; e++) {
        const v0 = v[e];
        const v1 = v[(e + 1) % 4];
        if (v0 > 0 !== v1 > 0) {
          const t = v0 / (v0 - v1);
          cross.push([p[e][0] + t * (p[(e + 1) % 4][0] - p[e][0]), p[e][1] + t * (p[(e + 1) % 4][1] - p[e][1])]);
        }
      }
      for (let i = 0; i + 1 < cross.length; i += 2) {
        g.moveTo(cross[i][0], cross[i][1]);
        g.lineTo(cross[i + 1][0], cross[i + 1][1]);
      }
    }
  g.stroke();

  // the points: training filled, OOD hollow; a misclassified point gets a black outline
  const y = plane.data.y;
  const step = Math.max(1, Math.floor(plane.data.n / 400));
  g.lineWidth = 1.2;
  for (let r = 0; r < plane.data.n; r += step) {
    const col = y[r] > 0 ? COLORS.pos : COLORS.neg;
    const x = X(a[r]);
    // OOD: a hollow triangle (shape, not only colour)
    const yo = Y(sTest[r]);
    g.strokeStyle = frame.oodCorrect[r] ? col : COLORS.boundary;
    g.beginPath();
    g.moveTo(x, yo - 3.5);
    g.lineTo(x + 3.2, yo + 2.5);
    g.lineTo(x - 3.2, yo + 2.5);
    g.closePath();
    g.stroke();
    const yt = Y(sTrain[r]);
    g.fillStyle = col;
    g.beginPath();
    g.arc(x, yt, 2.6, 0, 2 * Math.PI);
    g.fill();
    if (!frame.trainCorrect[r]) {
      g.strokeStyle = COLORS.boundary;
      g.stroke();
    }
  }
  axes(g, box, aRange, sRange, plane.axes.aLabel, 'along û (shift) →');
}

/** A canvas for the heat map's pixels (OffscreenCanvas where there is one). */
class OffscreenCanvasOr {
  readonly canvas: HTMLCanvasElement | OffscreenCanvas;
  readonly ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;
  constructor(w: number, h: number) {
    if (typeof OffscreenCanvas !== 'undefined') {
      const c = new OffscreenCanvas(w, h);
      this.canvas = c;
      this.ctx = c.getContext('2d')!;
    } else {
      const c = document.createElement('canvas');
      c.width = w;
      c.height = h;
      this.canvas = c;
      this.ctx = c.getContext('2d')!;
    }
  }
}

export interface NeuronMarks {
  /** the neuron under a CSS-pixel position of the canvas, or -1 */
  hit(x: number, y: number): number;
}

/**
 * One mark per first-layer neuron: activation asymmetry (x) against its weight's growth along the
 * training background's mean direction −û since the first frame (y); circles for a positive output weight, squares for a negative one.
 */
export function drawNeurons(canvas: HTMLCanvasElement, frame: PlaneFrame, initialAlong: Float64Array, yMax: number, highlight = -1): NeuronMarks {
  const { g, w, h } = prepare(canvas);
  const box: Box = { x: 44, y: 6, w: w - 52, h: h - 42 };
  const xr: [number, number] = [-1, 1];
  const yr: [number, number] = [-yMax, yMax];
  const X = (v: number) => box.x + ((v - xr[0]) / (xr[1] - xr[0])) * box.w;
  const Y = (v: number) => box.y + box.h - ((v - yr[0]) / (yr[1] - yr[0])) * box.h;
  g.strokeStyle = COLORS.grid;
  g.beginPath();
  g.moveTo(X(0), box.y);
  g.lineTo(X(0), box.y + box.h);
  g.moveTo(box.x, Y(0));
  g.lineTo(box.x + box.w, Y(0));
  g.stroke();
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < frame.asymmetry.length; k++) {
    const x = X(frame.asymmetry[k]);
    // growth along the training background's mean direction (−û): positive where the weight learns the background
    const y = Y(Math.max(-yMax, Math.min(yMax, initialAlong[k] - frame.along[k])));
    xs.push(x);
    ys.push(y);
    const positive = frame.outWeight[k] > 0;
    g.fillStyle = positive ? COLORS.pos : COLORS.neg;
    g.globalAlpha = 0.75;
    if (positive) {
      g.beginPath();
      g.arc(x, y, 3, 0, 2 * Math.PI);
      g.fill();
    } else g.fillRect(x - 2.7, y - 2.7, 5.4, 5.4);
    g.globalAlpha = 1;
    if (k === highlight) {
      g.strokeStyle = COLORS.ink;
      g.lineWidth = 2;
      g.beginPath();
      g.arc(x, y, 7, 0, 2 * Math.PI);
      g.stroke();
    }
  }
  axes(g, box, xr, yr, 'activation asymmetry P(on|y=+1) − P(on|y=−1)', 'growth along −û');
  return {
    hit(px, py) {
      let best = -1;
      let bestD = 14 * 14;
      for (let k = 0; k < xs.length; k++) {
        const d = (xs[k] - px) ** 2 + (ys[k] - py) ** 2;
        if (d < bestD) {
          bestD = d;
          best = k;
        }
      }
      return best;
    },
  };
}

export interface Series {
  label: string;
  color: string;
  dash?: number[];
  points: Array<[number, number]>;
}

/** A small line chart with a legend row under it. */
export function drawLines(canvas: HTMLCanvasElement, series: Series[], xMax: number, yr: [number, number], yLabel: string): void {
  const { g, w, h } = prepare(canvas);
  const box: Box = { x: 44, y: 6, w: w - 52, h: h - 58 };
  const X = (v: number) => box.x + (v / (xMax || 1)) * box.w;
  const Y = (v: number) => box.y + box.h - ((Math.max(yr[0], Math.min(yr[1], v)) - yr[0]) / (yr[1] - yr[0] || 1)) * box.h;
  for (const s of series) {
    g.strokeStyle = s.color;
    g.lineWidth = 2;
    g.setLineDash(s.dash ?? []);
    g.beginPath();
    s.points.forEach(([x, y], i) => (i ? g.lineTo(X(x), Y(y)) : g.moveTo(X(x), Y(y))));
    g.stroke();
  }
  g.setLineDash([]);
  axes(g, box, [0, xMax], yr, 'iteration', yLabel);
  // legend
  let lx = box.x;
  const ly = h - 10;
  g.textAlign = 'left';
  g.textBaseline = 'middle';
  for (const s of series) {
    g.strokeStyle = s.color;
    g.setLineDash(s.dash ?? []);
    g.beginPath();
    g.moveTo(lx, ly);
    g.lineTo(lx + 18, ly);
    g.stroke();
    g.setLineDash([]);
    g.fillStyle = COLORS.ink;
    g.fillText(s.label, lx + 22, ly);
    lx += 30 + g.measureText(s.label).width;
  }
}
