// The bench module runs and reports well-formed figures (a tiny configuration: one small case,
// small GEMM shapes, one repeat, no peers, no browser, no sweep). Speed itself is never asserted
// here: that is the bench's job (npm run bench).
import { describe, expect, it } from 'vitest';
import { runBench, formatReport } from '../src/node/bench/index.js';

describe('bench', () => {
  it('a tiny run gives JSON with every figure, ratio and target', async () => {
    const r = await runBench({ quick: true, repeats: 1, cases: ['online-b1'], maxGemmWork: 40_000, peers: false, browser: false, sweep: false, activations: false });
    const back = JSON.parse(JSON.stringify(r)) as typeof r;
    expect(back.node.ceiling.gflops).toBeGreaterThan(0);
    expect(back.node.gemm.map((g) => `${g.shape} ${g.layout}`)).toEqual(['32x32x32 AB', '32x32x32 AtB']);
    for (const g of back.node.gemm) expect(g.gflops > 0 && g.ofCeiling > 0).toBe(true);
    expect(back.node.fclab['online-b1'].map((t) => t.threads)).toEqual([...new Set([1, r.machine.cores])]);
    expect(back.ratios['online-b1']['fclab-simd-1t'].ms).toBeGreaterThan(0);
    expect(back.targets.map((t) => t.id)).toEqual(['gemm', 'default-vs-tfjs-wasm', 'default-vs-pytorch', 'theory-vs-pytorch', 'b1-vs-tfjs-wasm', 'b1-vs-pytorch', 'sigmoid-vs-relu', 'sigmoid-vs-pytorch', 'tanh-vs-relu', 'tanh-vs-pytorch', 'gelu-vs-relu', 'gelu-vs-pytorch', 'chromium-vs-node']);
    // not measured in this run: no verdict rather than a made-up one
    expect(back.targets.find((t) => t.id === 'b1-vs-pytorch')).toMatchObject({ value: null, met: null });
    expect(formatReport(r)).toMatch(/online SGD, batch 1/);
  });
});
