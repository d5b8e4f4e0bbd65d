import { defineConfig } from 'vitest/config';

// Trainer tests run real training loops; give them room (CI machines are slow and shared).
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
