// The live training figure (loss, core vs background projection, activation asymmetry; for padded
// MNIST the accuracies and the border's share of the weights), redrawn from the metric rows as they
// stream in, at most every `intervalMs`. Drawn by live-chart.ts (hand-written SVG, no charting
// library), laid out for the element's width: panels side by side, or stacked on a phone. Used by
// the demo page and by mount().
import type { MetricRow } from '../tasks/task.js';
import { chartSvg, type ChartPanel, type ChartSeries } from './live-chart.js';
import type { LivePanel } from '../tasks/task.js';
import { TOY_LIVE_PANELS as DEFAULT_PANELS } from '../tasks/toy/live.js';

export interface LivePlotOptions {
  title?: string;
  /** the figure's width in CSS pixels (default: the element's content width, followed on resize) */
  width?: number;
  /** each panel's plot height in pixels (default: from the panel's width) */
  height?: number;
  /** minimum time between redraws while rows stream in */
  intervalMs?: number;
  /** what to draw: the run's kind's panels (taskOf(config).livePanels; default: the feature model's) */
  panels?: readonly LivePanel[];
  /** draw the losses on a log10 axis */
  logLoss?: boolean;
  /** called when a render fails (default: logged to the console) */
  onError?: (err: unknown) => void;
}

function series(rows: readonly MetricRow[], name: string, color: string, pick: (r: MetricRow) => number | undefined): ChartSeries {
  const points: Array<[number, number]> = [];
  for (const r of rows) {
    const v = pick(r);
    if (v !== undefined) points.push([r.iteration, v]);
  }
  return { name, color, points };
}

/** The panels for `rows` from the kind's declarative live panels (Task.livePanels): columns, names, colours. */
export function livePanels(rows: readonly MetricRow[], options: Pick<LivePlotOptions, 'panels' | 'logLoss'> = {}): ChartPanel[] {
  return (options.panels ?? DEFAULT_PANELS).map((p) => ({
    title: p.title,
    ...(p.log && options.logLoss ? { log: true } : {}),
    series: p.series.map((s) => series(rows, s.name, s.color, (x) => x[s.column])),
  }));
}

/** The element's content width (without padding); 0 while it is not laid out. */
function contentWidth(el: HTMLElement): number {
  const style = typeof getComputedStyle === 'function' ? getComputedStyle(el) : undefined;
  const pad = style ? (parseFloat(style.paddingLeft) || 0) + (parseFloat(style.paddingRight) || 0) : 0;
  return Math.max(0, el.clientWidth - pad);
}

export class LivePlot {
  private rows: MetricRow[] = [];
  private dirty = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private resize: ResizeObserver | undefined;
  private drawnWidth = 0;
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly element: HTMLElement,
    private options: LivePlotOptions = {},
  ) {
    if (typeof ResizeObserver === 'function') {
      // Redrawn after the resize (not inside the observer's callback, where changing the layout
      // would start another round of observations).
      this.resize = new ResizeObserver(() => {
        if (this.rows.length === 0 || this.options.width !== undefined || this.resizeTimer !== undefined) return;
        this.resizeTimer = setTimeout(() => {
          this.resizeTimer = undefined;
          if (this.rows.length > 0 && Math.abs(contentWidth(this.element) - this.drawnWidth) >= 2) void this.draw();
        }, 50);
      });
      this.resize.observe(element);
    }
  }

  /** Forgets the rows (a new run); `placeholder` is shown until the first row. */
  reset(options: Partial<LivePlotOptions> = {}, placeholder = ''): void {
    this.options = { ...this.options, ...options };
    this.rows = [];
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

  /** Stops the timer and no longer follows the element's size. */
  dispose(): void {
    this.pause();
    this.resize?.disconnect();
    if (this.resizeTimer !== undefined) clearTimeout(this.resizeTimer);
  }

  /** Draws the current rows now (synchronous; the promise is kept for callers that await a draw). */
  draw(): Promise<void> {
    this.dirty = false;
    if (this.rows.length === 0) return Promise.resolve();
    try {
      const { title, width, height, panels, logLoss } = this.options;
      const w = width ?? (contentWidth(this.element) || 900);
      this.element.innerHTML = chartSvg(livePanels(this.rows, { panels, logLoss }), { width: w, title, plotHeight: height });
      this.drawnWidth = w;
    } catch (err) {
      if (this.options.onError) this.options.onError(err);
      else console.error('fclab plot:', err);
    }
    return Promise.resolve();
  }
}
