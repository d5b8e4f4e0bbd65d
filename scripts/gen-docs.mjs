// Regenerates the generated parts of docs/cli.md (every `fclab <cmd> --help`) and docs/config.md
// (every config key with its value in every preset, from `fclab keys --preset P`), so the reference
// cannot drift from the CLI. Only the text between `<!-- BEGIN GENERATED: ... -->` and
// `<!-- END GENERATED -->` is replaced; the prose around it is written by hand.
//
//   node scripts/gen-docs.mjs [path/to/fclab.js]           rewrite the docs
//   node scripts/gen-docs.mjs --check [path/to/fclab.js]   exit 1 if they are out of date
//
// The CLI must be built (npm run build); the default is this checkout's bin/fclab.js.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const check = args.includes('--check');
const cli = args.find((a) => a !== '--check') ?? `${root}bin/fclab.js`;

// A fixed width keeps commander's line wrapping the same on every terminal.
const fclab = (...a) => execFileSync(process.execPath, [cli, ...a], { encoding: 'utf8', env: { ...process.env, COLUMNS: '80' } }).trimEnd();

const COMMANDS = ['presets', 'keys', 'run', 'sweep', 'merge', 'reproduce', 'distill', 'bench'];

/** `name  description` lines of `fclab presets`. */
function presets() {
  return fclab('presets')
    .split('\n')
    .map((l) => /^(\S+)\s+(.*)$/.exec(l))
    .filter(Boolean)
    .map((m) => ({ name: m[1], description: m[2] }));
}

/** `key  value  meaning` lines of `fclab keys --preset P`; the value is JSON (a string keeps its quotes). */
function keys(preset) {
  const out = new Map();
  for (const line of fclab('keys', '--preset', preset).split('\n')) {
    const m = /^(\S+)\s+("[^"]*"|\S+)\s+(.*)$/.exec(line);
    if (m) out.set(m[1], { value: JSON.parse(m[2]), meaning: m[3] });
  }
  return out;
}

const cell = (s) => String(s).replace(/\|/g, '\\|');

function keysTable() {
  const ps = presets().map((p) => p.name);
  const byPreset = ps.map((p) => keys(p));
  const order = [];
  for (const k of byPreset) for (const key of k.keys()) if (!order.includes(key)) order.push(key);
  const rows = [`| key | ${ps.map((p) => `\`${p}\``).join(' | ')} | meaning |`, `|---|${ps.map(() => '---|').join('')}---|`];
  for (const key of order) {
    const values = byPreset.map((k) => (k.has(key) ? `\`${cell(k.get(key).value)}\`` : '—'));
    const meaning = byPreset.find((k) => k.has(key)).get(key).meaning;
    rows.push(`| \`${key}\` | ${values.join(' | ')} | ${cell(meaning)} |`);
  }
  return rows.join('\n');
}

function presetsTable() {
  return ['| preset | what it is |', '|---|---|', ...presets().map((p) => `| \`${p.name}\` | ${cell(p.description)} |`)].join('\n');
}

const generators = {
  'help fclab': () => '```text\n$ fclab --help\n' + fclab('--help') + '\n```',
  ...Object.fromEntries(COMMANDS.map((c) => [`help ${c}`, () => '```text\n$ fclab ' + c + ' --help\n' + fclab(c, '--help') + '\n```'])),
  presets: presetsTable,
  keys: keysTable,
};

/** Replaces every generated block of one file; unknown block names are an error. */
function regenerate(text, file) {
  // The body may be empty (a fresh block), so the newline before END is optional.
  return text.replace(/(<!-- BEGIN GENERATED: ([^>]+?) -->\n)(?:[\s\S]*?\n)??(<!-- END GENERATED -->)/g, (_, open, name, close) => {
    const gen = generators[name];
    if (!gen) throw new Error(`${file}: unknown generated block "${name}" (known: ${Object.keys(generators).join(', ')})`);
    return open + gen() + '\n' + close;
  });
}

let stale = 0;
for (const rel of ['docs/cli.md', 'docs/config.md']) {
  const file = `${root}${rel}`;
  const before = readFileSync(file, 'utf8');
  const after = regenerate(before, rel);
  if (before === after) continue;
  if (check) {
    console.error(`${rel} is out of date: run node scripts/gen-docs.mjs`);
    stale++;
  } else {
    writeFileSync(file, after);
    console.log(`wrote ${rel}`);
  }
}
process.exit(stale ? 1 : 0);
