// Progress for long runs: a live bar on a terminal, plain lines (every 10%) otherwise.
import cliProgress from 'cli-progress';
import type { MetricRow, ProgressEvent } from '../index.js';

export interface Progress {
  update(e: ProgressEvent): void;
  stop(): void;
}

/**
 * `describe` turns the last evaluation into a few numbers (the kind's Task.progressText), shown
 * after the counts; '-' until the first evaluation.
 */
export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr, quiet = false, describe: (row: MetricRow) => string = () => ''): Progress {
  const text = (row: MetricRow | undefined) => (row ? describe(row) : '-');
  if (quiet) return { update() {}, stop() {} };
  let last: ProgressEvent['metrics'];
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} {bar} {percentage}% | {value}/{total} it | {eta_formatted} left | {metrics}`,
        hideCursor: true,
        stream,
        etaBuffer: 200,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(e) {
        if (e.metrics) last = e.metrics;
        const payload = { metrics: text(last) };
        if (!started) {
          bar.start(e.total, e.iteration, payload);
          started = true;
        } else bar.update(e.iteration, payload);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let nextPct = 0;
  return {
    update(e) {
      if (e.metrics) last = e.metrics;
      const pct = e.total ? Math.floor((100 * e.iteration) / e.total) : 100;
      if (pct < nextPct && e.iteration !== e.total) return;
      nextPct = pct - (pct % 10) + 10;
      stream.write(
        `${label} [${String(pct).padStart(3)}%] it ${e.iteration}/${e.total} | ${text(last)} | ${e.elapsedSeconds.toFixed(1)} s\n`,
      );
    },
    stop() {},
  };
}
