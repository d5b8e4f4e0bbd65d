// npm run bench [-- --quick] [-- --json [FILE]] [-- --no-peers --no-browser --no-sweep --no-load] [-- --note TEXT]
// The same as `fclab bench` (src/cli/bench-command.ts over src/bench), except that without --json
// the figures are also saved as bench/results/<host's CPU model>-<UTC time>.json.
import { cpus } from 'node:os';
import { main } from '../dist/src/cli/main.js';

const args = process.argv.slice(2);
if (!args.includes('--json')) {
  const model = (cpus()[0]?.model ?? 'unknown-cpu').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
  args.push('--json', new URL(`results/${model}-${stamp}${args.includes('--quick') ? '-quick' : ''}.json`, import.meta.url).pathname);
}
await main([process.argv[0], 'fclab', 'bench', ...args]);
