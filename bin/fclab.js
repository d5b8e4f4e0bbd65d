#!/usr/bin/env node
// The fclab CLI; the TypeScript sources are compiled to dist/ by `npm run build` (run by npm ci).
import { main } from '../dist/src/cli/main.js';

await main();
