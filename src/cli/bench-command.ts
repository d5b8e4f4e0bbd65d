// `fclab bench`: a thin shell over the bench module (src/bench); `npm run bench` calls it too.
import type { Command } from 'commander';
import { runBench, formatReport, writeFileAtomic } from '../node.js';
import { InputError } from '../index.js';

const BROWSERS = ['chromium', 'firefox'] as const;
type BrowserName = (typeof BROWSERS)[number];

function parseBrowsers(v: string): BrowserName[] {
  const names = v.split(',').map((x) => x.trim().toLowerCase());
  const bad = names.filter((x) => !(BROWSERS as readonly string[]).includes(x));
  if (bad.length || !names.length) throw new InputError(`--browsers ${JSON.stringify(v)}: expected a comma-separated list of ${BROWSERS.join(', ')} (got ${bad.map((x) => JSON.stringify(x)).join(', ')})`);
  return [...new Set(names)] as BrowserName[];
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('fclab side by side with TensorFlow.js and PyTorch, in Node, Chromium and Firefox, as ratios from one run')
    .option('--quick', 'fewer repeats and shapes (about a minute or two)')
    .option('--json [file]', 'write every figure and ratio as JSON to file (no file: JSON on stdout instead of the table)')
    .option('--no-peers', 'skip TensorFlow.js and PyTorch')
    .option('--no-browser', 'skip the browser leg (Chromium and Firefox)')
    .option('--browsers <list>', 'the browsers of the browser leg, comma-separated: chromium, firefox (default: both)', parseBrowsers)
    .option('--no-sweep', 'skip the sweep throughput')
    .option('--no-theorem', "skip the theorems' scaling study's cost")
    .option('--no-load', 'skip kernel threads 1 vs all vs auto (full batch, online batch 32), idle and with one core kept busy')
    .option('--no-activations', 'skip the toy-default run per activation (paired with PyTorch)')
    .option('--note <text>', 'a note stored in the JSON (e.g. the machine was loaded)')
    .action(async (opts: { quick?: boolean; json?: string | boolean; peers: boolean; browser: boolean; browsers?: BrowserName[]; sweep: boolean; theorem: boolean; load: boolean; activations: boolean; note?: string }) => {
      const report = await runBench({ ...opts, log: (line) => process.stderr.write(`${line}\n`) });
      const json = JSON.stringify(report, null, 2) + '\n';
      if (opts.json === true) process.stdout.write(json);
      else {
        console.log(formatReport(report));
        if (typeof opts.json === 'string') await writeFileAtomic(opts.json, json);
      }
      // a GEMM above the ceiling means the ceiling is wrong, and every fraction of it with it
      if (report.ceilingViolations.length) {
        for (const v of report.ceilingViolations) console.error(`fclab bench: FAILED: ${v}`);
        console.error('fclab bench: FAILED: a GEMM beat the measured ceiling, so the ceiling is not one (see docs/bench.md)');
        process.exitCode = 1;
      }
    });
}
