// The live training figure (loss, core vs background projection, activation asymmetry), redrawn
// from the metric rows as they stream in: at most every `intervalMs`, renders never overlap, and a
// stale render (after reset) never lands. Used by the demo page and by mount().
import { renderSvg } from '../report/render.js';
import { runFigureSpec } from '../tasks/toy/figures.js';
import { mnistRunFigureSpec } from '../tasks/mnist/figures.js';
import type { MetricRow } from '../tasks/task.js';
import type { MetricsRow } from '../tasks/toy/metrics.js';
import type { MnistRow } from '../tasks/mnist/metrics.js';

export interface LivePlotOptions {
  title?: string;
  /** width and height of each of the three panels, in pixels */
  width?: number;
  height?: number;
  /** minimum time between redraws while rows stream in */
  intervalMs?: number;
  /** 'mnist': a padded-MNIST run's figure (accuracies and the border's energy shares) */
  kind?: 'toy' | 'mnist';
  /** called when a render fails (default: rethrown into the console) */
  onError?: (err: unknown) => void;
}

export class LivePlot {
  private rows: MetricRow[] = [];
  private generation = 0;
  private chain: Promise<void> = Promise.resolve();
  private dirty = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly element: HTMLElement,
    private options: LivePlotOptions = {},
  ) {}

  /** Forgets the rows (a new run); `placeholder` is shown until the first row. */
  reset(options: Partial<LivePlotOptions> = {}, placeholder = ''): void {
    this.options = { ...this.options, ...options };
    this.rows = [];
    this.generation++;
    this.dirty = false;
    this.element.replaceChildren();
    if (placeholder) {
      const p = document.createElement('p');
      p.className = 'placeholder';
      p.textContent = placeholder;
      this.element.append(p);
    }
  }

  /** Adds one evaluation; the first shows at once, later ones at the next tick. */
  push(row: MetricRow): void {
    this.rows.push(row);
    this.dirty = true;
    if (this.rows.length === 1) void this.draw();
    if (this.timer === undefined)
      this.timer = setInterval(() => {
        if (this.dirty) void this.draw();
      }, this.options.intervalMs ?? 300);
  }

  /** Replaces the rows (a finished or resumed run) and draws them; resolves once drawn. */
  set(rows: readonly MetricRow[]): Promise<void> {
    this.rows = rows.slice();
    return this.draw();
  }

  get length(): number {
    return this.rows.length;
  }

  /** Stops the redraw timer (the figure stays). */
  pause(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Draws the current rows after any render in flight. */
  draw(): Promise<void> {
    this.dirty = false;
    const rows = this.rows.slice();
    const gen = this.generation;
    const { title, width = 250, height = 190, kind } = this.options;
    this.chain = this.chain
      .then(async () => {
        if (gen !== this.generation || rows.length === 0) return;
        const spec = kind === 'mnist' ? mnistRunFigureSpec(rows as unknown as MnistRow[], { title, width: Math.round(1.4 * width), height }) : runFigureSpec(rows as unknown as MetricsRow[], { title, asymmetry: true, width, height });
        const svg = await renderSvg(spec);
        if (gen !== this.generation) return;
        this.element.innerHTML = svg;
      })
      .catch((err: unknown) => {
        if (this.options.onError) this.options.onError(err);
        else console.error('fclab plot:', err);
      });
    return this.chain;
  }
}
