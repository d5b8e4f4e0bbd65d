// vega-lite -> vega -> SVG. The only module that imports vega's code: figures.ts loads it on the
// first renderSvg() call, so the browser bundle keeps vega in a chunk fetched only when a static
// figure is drawn (the live plot draws its own SVG, src/browser/live-chart.ts).
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import * as vega from 'vega';

/** Compile and render to an SVG string. Deterministic for equal input. */
export async function renderVegaSvg(spec: TopLevelSpec): Promise<string> {
  const vgSpec = compile(spec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    // Clip/gradient ids come from module-global counters; reset so equal specs give equal bytes.
    vega.resetSVGDefIds();
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
