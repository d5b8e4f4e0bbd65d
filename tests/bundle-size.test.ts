// The browser bundle's size (dist/browser/, built by `npm run build`): the core (fclab.js: the
// library, runInWorker, mount and the live plot) at most 250 KB minified and 80 KB gzipped, with
// vega, vega-lite and d3 in fclab.charts.js, which fclab.js imports only when a static figure is
// rendered (renderSvg). fclab.inline.js stays one self-contained file. Sizes are logged for the
// docs; regenerate them with `npm run build:browser && npx vitest run tests/bundle-size.test.ts`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

const DIST = join(fileURLToPath(new URL('..', import.meta.url)), 'dist', 'browser');
const CORE_MAX = 250_000;
const CORE_GZIP_MAX = 80_000;

/** Packages whose code belongs in the charts chunk only. */
const CHART_PACKAGE = /node_modules\/(vega[\w-]*|d3-[\w-]+|@types\/d3[\w-]*|topojson-client|delaunator|robust-predicates|internmap)\//;
/** Strings of vega, vega-lite and d3-format that survive minification (checked present in the chunk). */
const CHART_MARKERS = ['.toSVG(', 'Invalid specification', 'invalid format'];

const read = (f: string) => readFileSync(join(DIST, f));
const sources = (f: string): string[] => (JSON.parse(read(`${f}.map`).toString('utf8')) as { sources: string[] }).sources;
/** gzip at zlib's default level (what a server's on-the-fly compression typically uses). */
const gz = (b: Buffer) => gzipSync(b).length;

describe('browser bundle size', () => {
  beforeAll(() => {
    for (const f of ['fclab.js', 'fclab.js.map', 'fclab.charts.js', 'fclab.charts.js.map', 'fclab.inline.js'])
      if (!existsSync(join(DIST, f))) throw new Error(`dist/browser/${f} is missing: run npm run build first`);
  });

  it('fclab.js is at most 250 KB minified and 80 KB gzipped; the charts are a separate chunk', () => {
    const sizes = Object.fromEntries(
      ['fclab.js', 'fclab.charts.js', 'fclab.inline.js'].map((f) => {
        const b = read(f);
        return [f, { minified: b.length, gzip: gz(b) }];
      }),
    );
    console.log('dist/browser sizes (bytes):', JSON.stringify(sizes));
    expect(sizes['fclab.js'].minified).toBeLessThanOrEqual(CORE_MAX);
    expect(sizes['fclab.js'].gzip).toBeLessThanOrEqual(CORE_GZIP_MAX);
    // minified: no indentation left (a library build keeps whitespace unless told otherwise)
    expect(read('fclab.js').toString('utf8').split('\n').length).toBeLessThan(1000);
    // the chart chunk really is the charting code (vega, vega-lite and d3 are most of the old 1.3 MB)
    expect(sizes['fclab.charts.js'].minified).toBeGreaterThan(500_000);
  });

  it('the core holds no vega, vega-lite or d3 code and imports the charts chunk only dynamically', () => {
    const core = read('fclab.js').toString('utf8');
    const charts = read('fclab.charts.js').toString('utf8');
    expect(sources('fclab.js').filter((s) => CHART_PACKAGE.test(s))).toEqual([]);
    expect(sources('fclab.charts.js').filter((s) => CHART_PACKAGE.test(s)).length).toBeGreaterThan(20);
    for (const m of CHART_MARKERS) {
      expect(charts, m).toContain(m);
      expect(core, m).not.toContain(m);
    }
    // dynamic imports of the two chunks next to the bundle only (charts; threads: 'auto'); no static import at all
    expect([...core.matchAll(/import\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]).sort()).toEqual(['./fclab.auto-threads.js', './fclab.charts.js']);
    // Node built-ins are named at run time, so a bundler re-bundling fclab.js never looks for them
    expect(core).not.toMatch(/import\(\s*["'`]node:/);
    expect(read('fclab.auto-threads.js').toString('utf8')).not.toMatch(/(^|[;}\s])import\s*[\w{*][^;]*?from\s*["'`]/);
    expect(core).not.toMatch(/(^|[;}\s])import\s*[\w{*][^;]*?from\s*["'`]/);
    // the chunk needs nothing from the core (so it loads the same from any page or worker)
    expect(charts).not.toMatch(/(^|[;}\s])import\s*[\w{*][^;]*?from\s*["'`]/);
  });

  it('fclab.inline.js stays one file: no chunk import, the charts inside', () => {
    const inline = read('fclab.inline.js').toString('utf8');
    expect(inline).not.toMatch(/import\(\s*["'`]\.\/fclab\./);
    for (const m of CHART_MARKERS) expect(inline, m).toContain(m);
  });
});
