// Self-contained HTML report (no external resources). Isomorphic: no node: imports.

export interface ReportFigure { svg: string; caption: string; png?: string }
export interface ReportTable { caption?: string; columns: string[]; rows: Array<Array<string | number>> }
export interface ReportConfig { name: string; json: unknown }
export interface ReportSection {
  id: string;
  title: string;
  text?: string;
  figures?: ReportFigure[];
  tables?: ReportTable[];
  configs?: ReportConfig[];
}
export interface ReportDoc {
  title: string;
  subtitle?: string;
  sections: ReportSection[];
  environment: Record<string, string>;
}

const ENV_ID = 'report-environment';

/** Escape for both text content and double/single-quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** 4 significant digits; integers shown in full, extremes in exponent form. */
export function formatCell(v: string | number): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

// Vega numbers clip paths/gradients from 1 in every SVG; prefix ids so inlined figures don't collide.
function scopeSvgIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  if (ids.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (m, a: string, id: string) => (ids.has(id) ? `${a}${prefix}${id}"` : m))
    .replace(/url\(#([^)]+)\)/g, (m, id: string) => (ids.has(id) ? `url(#${prefix}${id})` : m))
    .replace(/(href=")#([^"]+)"/g, (m, a: string, id: string) => (ids.has(id) ? `${a}#${prefix}${id}"` : m));
}

const CSS = `
:root { color-scheme: light; }
body { margin: 0; background: #fff; color: #1d1d1f; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 2rem 1.5rem 4rem; }
h1 { font-size: 1.9rem; margin: 0 0 .25rem; }
h2 { font-size: 1.4rem; margin: 2.5rem 0 .75rem; padding-bottom: .3rem; border-bottom: 1px solid #ddd; }
.subtitle { color: #555; margin: 0 0 1.5rem; }
nav.toc { background: #f6f7f9; border: 1px solid #e3e5e8; border-radius: 6px; padding: .75rem 1.25rem; }
nav.toc h2 { font-size: 1rem; margin: 0 0 .25rem; border: 0; padding: 0; }
nav.toc ol { margin: 0; padding-left: 1.25rem; }
a { color: #0b5cad; }
figure { margin: 1.5rem 0; }
figure .svg { overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #444; font-size: .93rem; margin-top: .4rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .93rem; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: .35rem; }
th, td { border: 1px solid #cfd3d8; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f1f3f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
details { margin: .5rem 0; }
summary { cursor: pointer; font-weight: 600; }
pre { background: #f6f7f9; border: 1px solid #e3e5e8; border-radius: 4px; padding: .75rem; overflow-x: auto; font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
`;

function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => `<p>${esc(p)}</p>`)
    .join('\n');
}

function figure(f: ReportFigure, key: string): string {
  const link = f.png ? ` <a href="${esc(f.png)}">PNG</a>` : '';
  return `<figure><div class="svg">${scopeSvgIds(f.svg, `${key}-`)}</div><figcaption>${esc(f.caption)}${link}</figcaption></figure>`;
}

function table(t: ReportTable): string {
  const cap = t.caption ? `<caption>${esc(t.caption)}</caption>` : '';
  const head = `<thead><tr>${t.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>`;
  const body = t.rows
    .map((r) => `<tr>${r.map((v) => `<td${typeof v === 'number' ? ' class="num"' : ''}>${esc(formatCell(v))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>${cap}${head}<tbody>\n${body}\n</tbody></table>`;
}

function configBlock(c: ReportConfig): string {
  // bigint has no JSON form; undefined stringifies to undefined.
  const json = JSON.stringify(c.json, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) ?? 'undefined';
  return `<details><summary>${esc(c.name)}</summary><pre>${esc(json)}</pre></details>`;
}

function section(s: ReportSection, index: number): string {
  const parts = [`<h2>${esc(s.title)}</h2>`];
  if (s.text) parts.push(paragraphs(s.text));
  (s.figures ?? []).forEach((f, j) => parts.push(figure(f, `s${index}f${j}`)));
  for (const t of s.tables ?? []) parts.push(table(t));
  for (const c of s.configs ?? []) parts.push(configBlock(c));
  return `<section id="${esc(s.id)}">\n${parts.join('\n')}\n</section>`;
}

/** One self-contained HTML page: inline CSS, inline SVG figures, no scripts. */
/** A run's "Configuration and timing" section: wall time, ms per iteration, engine, and its config.json. */
export function configSection(
  s: { timing: { wallSeconds: number; msPerIter: number }; engine: { build: string; threads: number; version: string } },
  config: unknown,
  msLabel = 'ms per iteration',
): ReportSection {
  return {
    id: 'config',
    title: 'Configuration and timing',
    tables: [
      {
        columns: ['setting', 'value'],
        rows: [
          ['wall time', `${s.timing.wallSeconds.toFixed(1)} s`],
          [msLabel, s.timing.msPerIter.toFixed(3)],
          ['engine', `${s.engine.build}, ${s.engine.threads} thread(s), fclab ${s.engine.version}`],
        ],
      },
    ],
    configs: [{ name: 'config.json', json: config }],
  };
}

export function renderReport(doc: ReportDoc): string {
  const toc = [...doc.sections.map((s) => ({ id: s.id, title: s.title })), { id: ENV_ID, title: 'Environment' }]
    .map((e) => `<li><a href="#${esc(e.id)}">${esc(e.title)}</a></li>`)
    .join('\n');
  const envRows = Object.entries(doc.environment).map(([k, v]) => [k, v]);
  const env = `<section id="${ENV_ID}">\n<h2>Environment</h2>\n${table({ columns: ['Key', 'Value'], rows: envRows })}\n</section>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<h1>${esc(doc.title)}</h1>
${doc.subtitle ? `<p class="subtitle">${esc(doc.subtitle)}</p>` : ''}
</header>
<nav class="toc"><h2>Contents</h2><ol>
${toc}
</ol></nav>
${doc.sections.map(section).join('\n')}
${env}
</main>
</body>
</html>
`;
}
