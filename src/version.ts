// Kept equal to package.json's version by tests/config.test.ts.
export const VERSION = '0.1.0';
