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
    const kind = /(===|!==)\s*(['"`])(toy|mnist|distill|theorem)\2|(['"`])(toy|mnist|distill|theorem)\4\s*(===|!==)|case\s+(['"`])(toy|mnist|distill|theorem)\7|:\s*'(toy|mnist|distill|theorem)'\s*\||data\.source|\.experiment\b|every\(\(\w+\) => \w+\.final\.\w+\)/;
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

  it('the public API is the curated list (fclab: <= 36 values; fclab/node: <= 24 more)', async () => {
    const core = Object.keys(await import('../src/index.js')).sort();
    const node = Object.keys(await import('../src/node.js')).filter((k) => !core.includes(k)).sort();
    expect(core).toMatchInlineSnapshot(`
      [
        "ConfigError",
        "DivergedError",
        "InputError",
        "NpyError",
        "PRESETS",
        "RunInterrupted",
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
        "parseNpy",
        "parseSetArg",
        "planRun",
        "renderSvg",
        "resolveConfig",
        "run",
        "runExperiment",
        "runHash",
        "runTextFiles",
        "simdSupported",
        "summarize",
        "taskOf",
        "threadsSupported",
        "validateConfig",
      ]
    `);
    expect(node).toMatchInlineSnapshot(`
      [
        "FIGURE_IDS",
        "SweepError",
        "checkResumeFolder",
        "formatReport",
        "loadMnistDigits",
        "mergeSweeps",
        "openRunFolder",
        "parseGridArg",
        "parseShard",
        "planSweep",
        "readJsonFile",
        "readNpy",
        "readRegularFile",
        "readStateFolder",
        "readSweep",
        "reproduce",
        "reproduceTheoremAlone",
        "runBench",
        "runPlan",
        "runSweep",
        "writeFigure",
        "writeFileAtomic",
        "writeNpyAtomic",
        "writeRunOutputs",
      ]
    `);
    expect(core.length).toBeLessThanOrEqual(36);
    expect(node.length).toBeLessThanOrEqual(24);
  });

  it('the browser bundle adds only its worker runs, the widget and the worker side (fclab/browser)', async () => {
    const core = Object.keys(await import('../src/index.js'));
    const browser = Object.keys(await import('../src/browser/index.js')).filter((k) => !core.includes(k)).sort();
    expect(browser).toMatchInlineSnapshot(`
      [
        "LivePlot",
        "TRAINER_WORKER_NAME",
        "WorkerRun",
        "mount",
        "runInWorker",
        "serveRuns",
      ]
    `);
  });
});
