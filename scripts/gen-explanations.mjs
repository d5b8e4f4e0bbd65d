// Writes docs/explanations.md from every kind's src/tasks/<kind>/explain.ts (built: npm run build:ts
// first), the one source of the presets' explanation texts.
import { writeFileSync } from 'node:fs';
import { allExplanationsMarkdown } from '../dist/src/tasks/explanations.js';

writeFileSync(new URL('../docs/explanations.md', import.meta.url), allExplanationsMarkdown());
console.log('wrote docs/explanations.md');
