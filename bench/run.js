// npm run bench [-- --quick] [-- --json [FILE]] [-- --no-peers --no-browser --no-sweep] [-- --note TEXT]
// The same as `fclab bench` (src/cli/bench-command.ts over src/bench).
import { main } from '../dist/src/cli/main.js';

await main([process.argv[0], 'fclab', 'bench', ...process.argv.slice(2)]);
