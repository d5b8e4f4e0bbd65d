// Writes docs/explanations.md from src/tasks/toy/explain.ts (built: npm run build:ts first), the
// one source of the feature-model presets' explanation texts.
import { writeFileSync } from 'node:fs';
import { explanationsMarkdown } from '../dist/src/tasks/toy/explain.js';

writeFileSync(new URL('../docs/explanations.md', import.meta.url), explanationsMarkdown());
console.log('wrote docs/explanations.md');
