// SVG rendering of a vega-lite spec. vega and vega-lite's compiler load on the first call
// (./charts.ts, one dynamic import), so code that only builds specs, or the browser's core bundle,
// never pulls them in; the browser bundle keeps them in one chunk, fclab.charts.js.
import type { TopLevelSpec } from 'vega-lite';

/** Compile and render to an SVG string. Deterministic for equal input. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { renderVegaSvg } = await import('./charts.js');
  return renderVegaSvg(spec);
}
