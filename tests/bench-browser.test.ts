// The bench's browser leg (src/node/bench/browser.ts) on a tiny case: Chromium and Firefox ESR
// open the bench page cross-origin isolated, the case runs paired with Node at 1 and 2 threads,
// and every figure comes back finite. Speed itself is never asserted (that is `npm run bench`).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runBrowserLeg, CHROMIUM, FIREFOX } from '../src/node/bench/browser.js';
import { formatBrowserLeg } from '../src/node/bench/index.js';

const missing = [CHROMIUM, FIREFOX].filter((f) => !existsSync(f));

describe.skipIf(missing.length > 0)('bench: browser leg', () => {
  it('times online-b1 in Node, Chromium and Firefox in alternation, isolated, with kernel threads', async () => {
    const r = await runBrowserLeg({ quick: true, repeats: 1, threads: [1, 2], cases: ['online-b1'], gemm: false, profile: true });
    expect(r.skipped).toEqual([]);
    expect(r.legs.map((l) => l.name)).toEqual(['chromium', 'firefox']);
    for (const leg of r.legs) {
      expect(leg.isolated).toBe(true);
      expect(leg.browser).toMatch(leg.name === 'chromium' ? /^Chromium \d/ : /^Firefox \d/);
      expect(leg.timerResolutionMs).toBeGreaterThan(0);
      expect(Object.keys(leg.ratioToNode)).toEqual(['online-b1@1t', 'online-b1@2t']);
      for (const v of Object.values(leg.ratioToNode)) expect(Number.isFinite(v) && v > 0).toBe(true);
      expect(leg.result.fclab['online-b1'].map((t) => t.threads)).toEqual([1, 2]);
    }
    expect(r.paired.map((p) => `${p.case}@${p.threads}`)).toEqual(['online-b1@1', 'online-b1@2']);
    for (const p of r.paired) {
      // every runtime ran on the threads asked for: the pages are isolated, so workers start
      expect(p.ranOn).toEqual({ node: p.threads, chromium: p.threads, firefox: p.threads });
      expect(p.rounds).toBe(3);
      for (const name of ['node', 'chromium', 'firefox']) {
        expect(p.samples[name]).toHaveLength(3);
        // (the values that are not, named in the failure)
        expect([...p.samples[name], p.ms[name]].filter((x) => !(Number.isFinite(x) && x > 0))).toEqual([]);
        // CPU time from /proc (this lane runs on Linux), net of the driver's round trip
        expect(p.cpuSamples[name].filter((x) => !(Number.isFinite(x) && x > 0))).toEqual([]);
      }
    }
    expect(r.profile?.map((k) => k.kernel)).toHaveLength(6);
    for (const k of r.profile!) for (const n of ['chromium', 'firefox']) expect(Number.isFinite(k.ratioToNode[n])).toBe(true);
    const text = formatBrowserLeg(r).join('\n');
    expect(text).toMatch(/online-b1 @2t/);
    expect(text).toMatch(/Firefox/);
  }, 240_000);
});
