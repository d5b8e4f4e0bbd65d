// The house rules, checked: zero import cycles and the layer rules of .dependency-cruiser.cjs
// (engine the ground floor, no Node built-ins in the core, the CLI over the public API); no module
// outside the task registry's folders names an experiment kind; the public API is the curated list.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('architecture', () => {
  it('dependency-cruiser: no cycles, no layer violations', () => {
    const out = execFileSync(join(root, 'node_modules/.bin/depcruise'), ['src', '-c', '.dependency-cruiser.cjs', '--output-type', 'json'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const r = JSON.parse(out) as { summary: { violations: Array<{ from: string; to: string; rule: { name: string } }>; totalCruised: number } };
    expect(r.summary.totalCruised).toBeGreaterThan(80);
    expect(r.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  it('dependency-cruiser catches a cycle and a layer violation (the check is live)', () => {
    // the rules run on a tiny fixture tree with one of each
    const out = execFileSync(join(root, 'node_modules/.bin/depcruise'), ['tests/fixtures/layers/src', '-c', '.dependency-cruiser.cjs', '--output-type', 'json'], {
      cwd: root,
      encoding: 'utf8',
    });
    const names = (JSON.parse(out) as { summary: { violations: Array<{ rule: { name: string } }> } }).summary.violations.map((v) => v.rule.name);
    expect(names).toContain('no-circular');
    expect(names.some((n) => n.startsWith('engine-not'))).toBe(true);
  });

  it('no module outside src/tasks/ and src/config/ names an experiment kind', () => {
    // a branch on the kind: comparing with a kind literal, a switch over kinds, or the old flags
    const kind = /(===|!==)\s*(['"`])(toy|mnist|distill)\2|(['"`])(toy|mnist|distill)\4\s*(===|!==)|case\s+(['"`])(toy|mnist|distill)\7|:\s*'(toy|mnist|distill)'\s*\||data\.source|\.experiment\b/;
    const offenders = files(join(root, 'src'))
      .filter((f) => !/src\/(tasks|config)\//.test(f))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, i }))
          .filter(({ line }) => !/^\s*(\/\/|\*|\/\*)/.test(line) && kind.test(line))
          .map(({ line, i }) => `${relative(root, f)}:${i + 1}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });

  it('the public API is the curated list (fclab: <= 36 values; fclab/node: <= 16 more)', async () => {
    const core = Object.keys(await import('../src/index.js')).sort();
    const node = Object.keys(await import('../src/node.js')).filter((k) => !core.includes(k)).sort();
    expect(core).toMatchInlineSnapshot(`
      [
        "ConfigError",
        "DivergedError",
        "FIGURE_IDS",
        "InputError",
        "NpyError",
        "PRESETS",
        "RunInterrupted",
        "SweepError",
        "VERSION",
        "configKeys",
        "createNetTrainer",
        "createTrainer",
        "decodeCheckpoint",
        "encodeCheckpoint",
        "encodeNpy",
        "formatStat",
        "keyHelp",
        "metricsCsv",
        "parseGridArg",
        "parseNpy",
        "parseSetArg",
        "parseShard",
        "planRun",
        "planSweep",
        "renderSvg",
        "reproducePlan",
        "resolveConfig",
        "run",
        "runExperiment",
        "runHash",
        "simdSupported",
        "summarize",
        "taskOf",
        "threadsSupported",
        "validateConfig",
      ]
    `);
    expect(node).toMatchInlineSnapshot(`
      [
        "formatReport",
        "loadMnistDigits",
        "mergeSweeps",
        "readJsonFile",
        "readNpy",
        "readStateFolder",
        "readSweep",
        "reproduce",
        "runBench",
        "runPlan",
        "runSweep",
        "svgToPng",
        "writeFigure",
        "writeFileAtomic",
        "writeNpyAtomic",
        "writeRunOutputs",
      ]
    `);
    expect(core.length).toBeLessThanOrEqual(36);
    expect(node.length).toBeLessThanOrEqual(16);
  });
});
