// Every registered kind's explanations, by preset (docs/explanations.md; tests/explain.test.ts).
import { tasks } from './registry.js';
import { explanationsMarkdown, type Explanation } from './explain.js';

export function allExplanations(): Array<[string, Explanation]> {
  return tasks().flatMap((t) => Object.entries(t.explanations ?? {}));
}

export const allExplanationsMarkdown = (): string => explanationsMarkdown(allExplanations());
