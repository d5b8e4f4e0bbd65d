// mount(): a self-contained trainer widget for any page: Train / Stop / Resume buttons, a status
// line, the live figure and the run hash. Training runs in a Web Worker (runInWorker), so the host
// page never freezes. The widget reports its state in data-state (idle, running, stopped, done,
// error) and the finished run's hash in data-hash, for pages and tests that watch it.
import { LivePlot } from './live-plot.js';
import { taskOf } from '../tasks/registry.js';
import { resolveConfig } from '../config/resolve.js';
import { WorkerRun, type WorkerRunOptions, type WorkerRunOutcome } from './worker-client.js';
import type { Summary } from '../run/loop.js';

export interface MountOptions extends WorkerRunOptions {
  /** Start training at once (default: wait for the Train button). */
  autorun?: boolean;
  /** Figure title (default: preset and the overrides). */
  title?: string;
  /** Called when a run finishes, with its summary (summary.json). */
  onDone?: (summary: Summary) => void;
}

export interface MountedTrainer {
  readonly element: HTMLElement;
  /** Starts a new run (ignored while one is running). */
  train(): void;
  /** Stops the run at its next evaluation; Resume continues it. */
  stop(): Promise<WorkerRunOutcome | undefined>;
  resume(): void;
  /** The current or last run. */
  readonly run: WorkerRun | undefined;
  /** Stops any run and empties the element. */
  destroy(): void;
}

const STYLE_ID = 'fclab-embed-style';
// Scoped under .fclab-embed; inherits the host page's font; no external resources.
const CSS = `
.fclab-embed{border:1px solid #d0d7de;border-radius:10px;padding:14px 16px;background:#fff;color:#1f2328;max-width:100%;box-sizing:border-box}
.fclab-embed .fclab-bar{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:10px}
.fclab-embed button{font:inherit;font-size:14px;padding:6px 14px;border-radius:6px;border:1px solid #c4cad1;background:#f6f8fa;color:inherit;cursor:pointer}
.fclab-embed button.fclab-primary{background:#2f6fdf;border-color:#2f6fdf;color:#fff}
.fclab-embed button:disabled{opacity:.5;cursor:default}
.fclab-embed button:focus-visible{outline:3px solid #8ab4f8;outline-offset:2px}
.fclab-embed .fclab-status{font-size:14px;color:#57606a;margin-left:4px}
.fclab-embed .fclab-plot{overflow-x:auto;min-height:60px}
.fclab-embed .fclab-plot svg{max-width:none;display:block}
.fclab-embed .fclab-plot .placeholder{color:#57606a;font-size:14px;margin:18px 0}
.fclab-embed .fclab-hash{font-size:12px;color:#57606a;margin-top:6px;word-break:break-all}
.fclab-embed .fclab-hash code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.fclab-embed .fclab-error{color:#b42318;font-size:14px;margin-top:6px}
`;

function button(label: string, cls = ''): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  if (cls) b.className = cls;
  return b;
}

function describe(options: MountOptions): string {
  const set = Object.entries(options.set ?? {}).map(([k, v]) => `${k.split('.').pop()}=${v}`);
  return [options.preset ?? 'toy-default', ...set].join(' · ');
}

/** Puts a trainer with its live plot into `target` (an element or a CSS selector). */
export function mountTrainer(target: HTMLElement | string, options: MountOptions): MountedTrainer {
  const host = typeof target === 'string' ? document.querySelector<HTMLElement>(target) : target;
  if (!host) throw new Error(`mount: no element matches ${JSON.stringify(target)}`);
  if (!document.getElementById(STYLE_ID)) {
    const style = document.createElement('style');
    style.id = STYLE_ID;
    style.textContent = CSS;
    document.head.append(style);
  }
  const root = document.createElement('div');
  root.className = 'fclab-embed';
  root.dataset.state = 'idle';
  const train = button('Train', 'fclab-primary');
  const stop = button('Stop');
  const resume = button('Resume');
  const status = document.createElement('span');
  status.className = 'fclab-status';
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  status.textContent = 'Ready.';
  const bar = document.createElement('div');
  bar.className = 'fclab-bar';
  bar.append(train, stop, resume, status);
  const plotBox = document.createElement('div');
  plotBox.className = 'fclab-plot';
  plotBox.setAttribute('role', 'img');
  plotBox.setAttribute('aria-label', 'Training curves: loss, core and background projection, activation asymmetry');
  const hash = document.createElement('div');
  hash.className = 'fclab-hash';
  const error = document.createElement('div');
  error.className = 'fclab-error';
  error.setAttribute('role', 'alert');
  root.append(bar, plotBox, hash, error);
  host.replaceChildren(root);

  // The plot lays its panels out for the box's width (side by side, or stacked on a phone).
  const plot = new LivePlot(plotBox, { title: options.title ?? describe(options) });
  plot.reset({}, 'Press Train to start; the curves appear here as the network learns.');

  let current: WorkerRun | undefined;
  const setState = (s: string) => {
    root.dataset.state = s;
    train.disabled = s === 'running';
    stop.disabled = s !== 'running';
    resume.disabled = s !== 'stopped';
  };
  setState('idle');

  const follow = (run: WorkerRun) => {
    current = run;
    setState('running');
    error.textContent = '';
    run.on('progress', (e) => {
      if (e.metrics) plot.push(e.metrics);
      status.textContent = `Iteration ${e.iteration.toLocaleString('en-US')} / ${e.total.toLocaleString('en-US')}`;
    });
    run.finished.then(
      async (o) => {
        if (current !== run) return;
        plot.pause();
        if (o.status === 'done') {
          await plot.set(o.metrics);
          hash.innerHTML = '';
          const code = document.createElement('code');
          code.textContent = o.summary.hash;
          hash.append('run hash ', code);
          root.dataset.hash = o.summary.hash;
          status.textContent = `Done: ${o.summary.iterations.toLocaleString('en-US')} iterations in ${o.summary.timing.wallSeconds.toFixed(1)} s.`;
          setState('done');
          options.onDone?.(o.summary);
        } else {
          status.textContent = `Stopped; Resume continues from iteration ${o.iteration.toLocaleString('en-US')}.`;
          setState('stopped');
          resume.focus();
        }
      },
      (err: unknown) => {
        if (current !== run) return;
        plot.pause();
        error.textContent = err instanceof Error ? err.message : String(err);
        status.textContent = 'Failed.';
        setState('error');
      },
    );
  };

  const api: MountedTrainer = {
    element: root,
    train() {
      if (current?.running) return;
      delete root.dataset.hash;
      hash.textContent = '';
      // the live plot draws what the run's kind streams (bad input is reported by the run itself)
      let panels;
      try {
        panels = taskOf(resolveConfig({ preset: options.preset, config: options.config, set: options.set })).livePanels;
      } catch {
        panels = undefined;
      }
      plot.reset({ panels }, 'Starting…');
      status.textContent = 'Starting the worker…';
      try {
        follow(new WorkerRun(options));
      } catch (err) {
        error.textContent = err instanceof Error ? err.message : String(err);
        setState('error');
      }
      stop.focus();
    },
    async stop() {
      return current?.running ? current.stop() : undefined;
    },
    resume() {
      if (!current || root.dataset.state !== 'stopped') return;
      const from = current;
      // The plot keeps the rows up to the checkpoint; later rows (after it) are dropped.
      const outcome = from.finished;
      void outcome.then((o) => {
        if (o.status !== 'stopped') return;
        const rows = o.checkpoint?.metrics ?? [];
        plot.reset();
        for (const r of rows) plot.push(r);
      });
      follow(from.resume());
      stop.focus();
    },
    get run() {
      return current;
    },
    destroy() {
      const run = current;
      current = undefined;
      plot.dispose();
      void run?.stop();
      host.replaceChildren();
    },
  };
  train.addEventListener('click', () => api.train());
  stop.addEventListener('click', () => void api.stop());
  resume.addEventListener('click', () => api.resume());
  if (options.autorun) api.train();
  return api;
}
