// vega-lite -> vega -> SVG: the one module that imports vega's code. render.ts loads it on the first
// renderSvg() call through one dynamic import, so the browser bundle keeps vega, vega-lite and d3
// in one chunk (dist/browser/fclab.charts.js) fetched only when a static figure is drawn.
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import * as vega from 'vega';

/** Compile and render to an SVG string. Deterministic for equal input. */
export async function renderVegaSvg(spec: TopLevelSpec): Promise<string> {
  // compiler and view warnings (e.g. a legend property set by two layers) would land on stderr,
  // mixed into the CLI's messages; errors still throw
  const quiet = vega.logger(vega.Error);
  const vgSpec = compile(spec, { logger: quiet }).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', logLevel: vega.Error });
  try {
    // Clip/gradient ids come from module-global counters; reset so equal specs give equal bytes.
    vega.resetSVGDefIds();
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
