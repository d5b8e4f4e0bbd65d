// The bench's browser leg alone, for studying one browser setting against Node (paired rounds):
//   node bench/browser-pair.mjs [--browsers chromium,firefox] [--cases toy-default,toy-theory (none: --cases '')]
//     [--threads 1,2] [--rounds 9] [--warmup BLOCKS] [--quick] [--gemm] [--profile] [--chromium-arg ARG]... [--firefox-pref NAME=JSON]...
// e.g. --chromium-arg=--js-flags=--no-liftoff (TurboFan from the start) or --js-flags=--no-wasm-tier-up
// (Liftoff only), --firefox-pref javascript.options.wasm_optimizingjit=false (baseline only).
// Needs `npm run build:ts` first. Prints one line per case and thread count and the JSON at the end.
import { loadavg } from 'node:os';
import { runBrowserLeg } from '../dist/src/node/bench/browser.js';

const args = process.argv.slice(2);
const o = { browsers: ['chromium', 'firefox'], cases: undefined, threads: [1, 2], repeats: 9, quick: false, gemm: false, chromiumArgs: [], firefoxPrefs: {} };
for (let i = 0; i < args.length; i++) {
  const [flag, inline] = args[i].split(/=(.*)/s);
  const value = () => inline ?? args[++i];
  if (flag === '--browsers') o.browsers = value().split(',');
  else if (flag === '--cases') o.cases = value().split(',').filter(Boolean);
  else if (flag === '--threads') o.threads = value().split(',').map(Number);
  else if (flag === '--rounds') o.repeats = Number(value());
  else if (flag === '--quick') o.quick = true;
  else if (flag === '--gemm') o.gemm = true;
  else if (flag === '--profile') o.profile = true;
  else if (flag === '--warmup') o.warmupBlocks = Number(value());
  else if (flag === '--chromium-arg') o.chromiumArgs.push(value());
  else if (flag === '--firefox-pref') {
    const [name, json] = value().split(/=(.*)/s);
    o.firefoxPrefs[name] = JSON.parse(json);
  } else {
    console.error(`bench/browser-pair.mjs: unknown option ${args[i]}`);
    process.exit(2);
  }
}
const load = loadavg();
const r = await runBrowserLeg({ ...o, log: (s) => console.error(s) });
console.log(JSON.stringify({ settings: o, loadAverage: { start: load, end: loadavg() }, ...r }, null, 2));
