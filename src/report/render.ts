// SVG rendering of a vega-lite spec: the only module that loads vega and vega-lite's compiler, so
// that code which only builds specs (or the browser's core bundle) never pulls them in.
import type { TopLevelSpec } from 'vega-lite';

/** Compile and render to an SVG string. Deterministic for equal input. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [{ compile }, vega] = await Promise.all([import('vega-lite'), import('vega')]);
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
