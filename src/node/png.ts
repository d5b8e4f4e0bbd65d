// Node-only: SVG -> PNG via resvg, and writing figure files.
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from './atomic.js';
import { renderSvg } from '../report/render.js';

/** Rasterise an SVG; scale 2 gives crisp figures for slides and papers. */
export function svgToPng(svg: string, opts: { scale?: number } = {}): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: opts.scale ?? 2 },
    // System fonts are only a fallback chain; pin generic families to DejaVu (installed here).
    font: {
      loadSystemFonts: true,
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
      serifFamily: 'DejaVu Serif',
      monospaceFamily: 'DejaVu Sans Mono',
    },
    background: 'white',
  });
  return new Uint8Array(resvg.render().asPng());
}

/** Render spec and write `<name>.svg` and `<name>.png` into dir (which must exist). */
export async function writeFigure(dir: string, name: string, spec: TopLevelSpec): Promise<{ svg: string; png: string }> {
  const svgText = await renderSvg(spec);
  const svg = join(dir, `${name}.svg`);
  const png = join(dir, `${name}.png`);
  // never through a symlink out of the folder
  await writeFileAtomic(svg, svgText, { within: dir });
  await writeFileAtomic(png, svgToPng(svgText), { within: dir });
  return { svg, png };
}
