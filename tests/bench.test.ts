// The bench module runs and reports well-formed figures (a tiny configuration: one small case,
// small GEMM shapes, one repeat, no peers, no browser, no sweep). Speed itself is never asserted
// here: that is the bench's job (npm run bench).
import { describe, expect, it } from 'vitest';
import { runBench, formatReport } from '../src/node/bench/index.js';
import { ceilingViolations, mergeCeilings, pairedAboveCeiling } from '../src/bench/core.js';

describe('bench', () => {
  it('a tiny run gives JSON with every figure, ratio and target', async () => {
    const r = await runBench({ quick: true, repeats: 1, cases: ['online-b1'], maxGemmWork: 40_000, peers: false, browser: false, sweep: false, theorem: false, load: false, activations: false });
    const back = JSON.parse(JSON.stringify(r)) as typeof r;
    expect(back.node.ceiling.gflops).toBeGreaterThan(0);
    // the ceiling is the best of its kernels, and names the one that gave it
    expect(back.node.ceiling.gflops).toBe(Math.max(...back.node.ceiling.kernels.map((k) => k.gflops)));
    expect(back.node.ceiling.kernels.find((k) => k.name === back.node.ceiling.kernel)?.gflops).toBe(back.node.ceiling.gflops);
    expect(new Set(back.node.ceiling.kernels.map((k) => k.kind))).toEqual(new Set(['fused', 'split', 'outer']));
    expect(Array.isArray(back.ceilingViolations)).toBe(true);
    expect(back.machine.loadAverage.start).toHaveLength(3);
    expect(back.load).toEqual({ skipped: 'not requested' });
    expect(back.node.gemm.map((g) => `${g.shape} ${g.layout}`)).toEqual(['32x32x32 AB', '32x32x32 AtB']);
    for (const g of back.node.gemm) expect(g.gflops > 0 && g.ofCeiling > 0 && g.bestGflops >= g.gflops && g.ofCeiling === g.bestGflops / back.node.ceiling.gflops).toBe(true);
    expect(back.node.fclab['online-b1'].map((t) => t.threads)).toEqual([...new Set([1, r.machine.cores])]);
    expect(back.ratios['online-b1']['fclab-simd-1t'].ms).toBeGreaterThan(0);
    expect(back.targets.map((t) => t.id)).toEqual(['ceiling', 'gemm', 'gemm-2048', 'default-vs-tfjs-wasm', 'default-vs-pytorch', 'theory-vs-pytorch', 'b1-vs-tfjs-wasm', 'b1-vs-pytorch', 'sigmoid-vs-relu', 'sigmoid-vs-pytorch', 'tanh-vs-relu', 'tanh-vs-pytorch', 'gelu-vs-relu', 'gelu-vs-pytorch', 'threads-auto', 'sweep-scaling', 'chromium-vs-node', 'firefox-vs-node']);
    // not measured in this run: no verdict rather than a made-up one
    expect(back.targets.find((t) => t.id === 'b1-vs-pytorch')).toMatchObject({ value: null, met: null });
    expect(formatReport(r)).toMatch(/online SGD, batch 1/);
  });

  it('names every GEMM whose best repeat beats the ceiling; paired medians above 1 only warn', () => {
    const ceiling = { gflops: 40, kernel: 'peakOuter16', kernels: [] };
    const gemm = [
      { shape: 'a', layout: 'AB' as const, gflops: 36, bestGflops: 39, ofCeiling: 0.975, pairedRatio: 0.9, pairedCeiling: 40 },
      { shape: 'b', layout: 'AtB' as const, gflops: 38, bestGflops: 41, ofCeiling: 1.025, pairedRatio: 0.95, pairedCeiling: 40 },
      { shape: 'c', layout: 'AB' as const, gflops: 39, bestGflops: 39.5, ofCeiling: 0.9875, pairedRatio: 1.02, pairedCeiling: 38 },
    ];
    const v = ceilingViolations({ ceiling, gemm });
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(/GEMM b AtB reached 41\.0 GFLOP\/s, above the ceiling's 40\.0 \(peakOuter16\)/);
    expect(pairedAboveCeiling({ gemm })).toEqual(['Node: GEMM c AB: median paired ratio 102.0% of the ceiling kernel']);
    expect(ceilingViolations({ ceiling, gemm: gemm.slice(0, 1) })).toEqual([]);
  });

  it('merges ceiling measurements kernel by kernel, best of each', () => {
    const k = (a: number, b: number) => [
      { name: 'peakFused12', kind: 'fused' as const, regs: 12, gflops: a },
      { name: 'peakSplit12', kind: 'split' as const, regs: 12, gflops: b },
    ];
    const m = mergeCeilings({ gflops: 30, kernel: 'peakFused12', kernels: k(30, 20) }, { gflops: 35, kernel: 'peakSplit12', kernels: k(25, 35) }, [{ kernel: 'peakFused12', gflops: 38 }]);
    expect(m).toEqual({ gflops: 38, kernel: 'peakFused12', kernels: k(38, 35) });
  });
});
