// Node-only: SVG -> PNG via resvg, and writing figure files. resvg is a native addon with one
// binding package per platform: it is loaded on the first PNG, never at import, so a platform
// whose binding is missing still trains and writes its SVG figures (with a one-line warning).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { Resvg as ResvgClass } from '@resvg/resvg-js';
import { writeFileAtomic } from './atomic.js';
import { renderSvg } from '../report/render.js';

/** The PNG renderer cannot be loaded here (typically: its binding for this platform is not installed). */
export class PngUnavailable extends Error {}

let resvg: { Resvg: typeof ResvgClass } | PngUnavailable | undefined;

function loadResvg(): { Resvg: typeof ResvgClass } {
  if (resvg === undefined) {
    try {
      resvg = createRequire(import.meta.url)('@resvg/resvg-js') as { Resvg: typeof ResvgClass };
    } catch (e) {
      const cause = String((e as Error).message ?? e).split('\n')[0];
      resvg = new PngUnavailable(
        `the PNG renderer @resvg/resvg-js cannot load on ${process.platform}-${process.arch} (${cause}); ` +
          'install its binding for this platform (npm install re-fetches it) to get PNG figures',
      );
    }
  }
  if (resvg instanceof PngUnavailable) throw resvg;
  return resvg;
}

/** Rasterise an SVG; scale 2 gives crisp figures for slides and papers. Throws PngUnavailable without the renderer. */
export function svgToPng(svg: string, opts: { scale?: number } = {}): Uint8Array {
  const { Resvg } = loadResvg();
  const r = new Resvg(svg, {
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
  return new Uint8Array(r.render().asPng());
}

let warned = false;

/**
 * Writes the PNG of svgText to path and returns its bytes; without the renderer, writes nothing,
 * warns once per process (one line on stderr) and returns null.
 */
export async function writePng(path: string, svgText: string, within?: string): Promise<Uint8Array | null> {
  let png: Uint8Array;
  try {
    png = svgToPng(svgText);
  } catch (e) {
    if (!(e instanceof PngUnavailable)) throw e;
    if (!warned) console.warn(`fclab: warning: no PNG figures: ${e.message}; the SVG figures are written`);
    warned = true;
    return null;
  }
  await writeFileAtomic(path, png, within ? { within } : {});
  return png;
}

/** Render spec and write `<name>.svg` and `<name>.png` into dir (which must exist); png is null without the renderer. */
export async function writeFigure(dir: string, name: string, spec: TopLevelSpec): Promise<{ svg: string; png: string | null }> {
  const svgText = await renderSvg(spec);
  const svg = join(dir, `${name}.svg`);
  const png = join(dir, `${name}.png`);
  // never through a symlink out of the folder
  await writeFileAtomic(svg, svgText, { within: dir });
  return { svg, png: (await writePng(png, svgText, dir)) ? png : null };
}
