// Presets carry the official settings; bad input is rejected with a message naming the field,
// the value and what was expected.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolveConfig, parseSetArg, parseSetValue, ConfigError, CONFIG_KEYS, configKeys, keyHelp, validateConfig } from '../src/config/resolve.js';
import { PRESETS } from '../src/config/presets.js';
import { KEY_HELP, TASK_KINDS, type ToyConfig } from '../src/config/schema.js';
import { VERSION } from '../src/version.js';
import { createTrainer, resolveEngineSettings } from '../src/tasks/toy/trainer.js';

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('presets', () => {
  it('toy-default is toy.py as published', () => {
    const c = resolveConfig({ preset: 'toy-default' });
    expect(c).toMatchObject({
      seed: 2024,
      data: { n: 1000, core: 'sphere', coreDim: 32, bgDim: 32, inputDim: 256, bgMean: 0.5 },
      model: { layers: 2, hidden: 256, activation: 'relu', bias: true, freezeOutput: false },
      train: { iterations: 20000, optimizer: 'adamw', loss: 'logistic', lr: 1e-3, weightDecay: 1e-3, momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8, batchSize: 0, online: false },
    });
  });

  it('toy-theory: uniform core, hinge, SGD with momentum 0.9, frozen output', () => {
    const c = resolveConfig({ preset: 'toy-theory' }) as ToyConfig;
    expect(c.task).toBe('toy');
    expect(c.data.core).toBe('uniform');
    expect(c.train).toMatchObject({ loss: 'hinge', optimizer: 'sgd', momentum: 0.9, lr: 1e-3, weightDecay: 1e-3, iterations: 20000 });
    expect(c.model.freezeOutput).toBe(true);
  });

  it('resolveConfig defaults to toy-default; every preset has a one-line summary', () => {
    expect(resolveConfig().preset).toBe('toy-default');
    for (const p of PRESETS) {
      expect(p.summary).not.toContain('\n');
      expect(p.summary.length).toBeGreaterThan(20);
    }
  });

  it('every config key is documented and reachable', () => {
    // each kind's keys are the leaves of its presets (task excluded: the preset fixes it), each
    // has help, and the help names no key that no kind has
    for (const kind of TASK_KINDS) {
      const keys = configKeys(kind);
      expect(keys.length, kind).toBeGreaterThan(10);
      for (const k of keys) expect(keyHelp(kind, k), `${kind} ${k}`).not.toBe('');
      for (const k of Object.keys(KEY_HELP[kind])) if (k !== 'task') expect(CONFIG_KEYS, `${kind} ${k}`).toContain(k);
    }
    expect([...CONFIG_KEYS].sort()).toEqual([...new Set(TASK_KINDS.flatMap(configKeys))].sort());
    const configs = PRESETS.map((p) => resolveConfig({ preset: p.name }) as unknown as Record<string, Record<string, unknown>>);
    for (const k of CONFIG_KEYS) {
      const [a, b] = k.split('.');
      expect(configs.some((c) => (b ? c[a]?.[b] : c[a]) !== undefined), k).toBe(true);
    }
    // each kind carries its own keys and no other kind's
    const toy = resolveConfig() as unknown as Record<string, unknown>;
    expect(toy.task).toBe('toy');
    expect('experiment' in toy || 'distill' in toy || 'mnist' in toy).toBe(false);
    const toyKeys = configKeys('toy');
    const mnistKeys = configKeys('mnist');
    const distillKeys = configKeys('distill');
    expect(toyKeys).toEqual(expect.arrayContaining(['data.core', 'train.online', 'train.loss', 'model.freezeOutput', 'engine.factorInput', 'engine.featureCoords']));
    expect(toyKeys.filter((k) => k.startsWith('mnist.') || k.startsWith('distill.'))).toEqual([]);
    expect(mnistKeys).toEqual(expect.arrayContaining(['data.n', 'mnist.task', 'mnist.border', 'train.loss']));
    expect(mnistKeys.filter((k) => ['data.core', 'data.coreDim', 'data.bgDim', 'data.inputDim', 'data.bgMean', 'train.online'].includes(k) || /^(engine|distill)\./.test(k))).toEqual([]);
    expect(distillKeys).toEqual(expect.arrayContaining(['data.core', 'distill.teacherWidth', 'model.hidden']));
    expect(distillKeys.filter((k) => ['train.loss', 'train.online', 'model.freezeOutput'].includes(k) || /^(engine|mnist)\./.test(k))).toEqual([]);
  });
});

describe('--set', () => {
  it('parses numbers, booleans and bare words', () => {
    expect(parseSetArg('train.iterations=2000')).toEqual(['train.iterations', 2000]);
    expect(parseSetArg('train.lr=1e-3')).toEqual(['train.lr', 0.001]);
    expect(parseSetArg('model.freezeOutput=true')).toEqual(['model.freezeOutput', true]);
    expect(parseSetArg('model.activation=gelu')).toEqual(['model.activation', 'gelu']);
    expect(parseSetArg('model.activation="gelu"')).toEqual(['model.activation', 'gelu']);
    expect(parseSetValue(' 7 ')).toBe(7);
  });

  it('applies dotted overrides over the preset and a partial config', () => {
    const c = resolveConfig({
      preset: 'toy-theory',
      config: { model: { hidden: 64 }, train: { iterations: 10 } },
      set: { 'train.iterations': '2000', 'model.activation': 'gelu', seed: 7, 'data.core': 'sphere' },
    }) as ToyConfig;
    expect(c.model.hidden).toBe(64);
    expect(c.train.iterations).toBe(2000);
    expect(c.model.activation).toBe('gelu');
    expect(c.seed).toBe(7);
    expect(c.data.core).toBe('sphere');
    expect(c.train.loss).toBe('hinge');
  });

  it('rejects a malformed --set', () => {
    expect(errorOf(() => parseSetArg('train.iterations'))).toMatch(/--set "train.iterations": expected key=value/);
    expect(errorOf(() => parseSetArg('=3'))).toMatch(/expected key=value/);
  });
});

describe('bad input names the field, the value and what was expected', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp[]]> = [
    ['unknown activation', { 'model.activation': 'relux' }, [/model\.activation = "relux" is not valid/, /expected one of relu, gelu, leakyrelu, sigmoid, tanh, identity/]],
    ['unknown optimizer', { 'train.optimizer': 'adamx' }, [/train\.optimizer = "adamx"/, /sgd, adam, adamw/]],
    ['non-integer iterations', { 'train.iterations': 2.5 }, [/train\.iterations = 2\.5 is not valid: expected an integer/]],
    ['negative lr', { 'train.lr': -1 }, [/train\.lr = -1 is not valid: expected > 0/]],
    ['string where a number is expected', { 'model.hidden': 'wide' }, [/model\.hidden = "wide" is not valid: expected a number/]],
    ['batch larger than the data', { 'train.batchSize': 5000 }, [/train\.batchSize = 5000 is not valid: must be at most data\.n = 1000/]],
    ['input smaller than the features', { 'data.inputDim': 40 }, [/data\.inputDim = 40 is not valid: must be at least data\.coreDim \+ data\.bgDim = 64/]],
    ['one layer', { 'model.layers': 1 }, [/model\.layers = 1 is not valid: expected >= 2/]],
    ['bad factorInput', { 'engine.factorInput': 'yes' }, [/engine\.factorInput = "yes" is not valid: expected "auto", true or false/]],
    ['one data point', { 'data.n': 1 }, [/data\.n = 1 is not valid: expected >= 2/]],
    ['no hidden units', { 'model.hidden': 0 }, [/model\.hidden = 0 is not valid: expected >= 1/]],
    ['zero lr', { 'train.lr': 0 }, [/train\.lr = 0 is not valid: expected > 0/]],
    ['unknown loss', { 'train.loss': 'l1' }, [/train\.loss = "l1" is not valid: expected one of logistic, hinge, mse/]],
    ['overflowing lr', { 'train.lr': '1e999' }, [/train\.lr = Infinity is not valid: expected a number/]],
    ['negative checkpoint interval', { 'train.checkpointEvery': -5 }, [/train\.checkpointEvery = -5 is not valid: expected >= 0/]],
  ];
  for (const [name, set, patterns] of cases) {
    it(name, () => {
      const msg = errorOf(() => resolveConfig({ set: set as Record<string, string | number | boolean> }));
      for (const p of patterns) expect(msg).toMatch(p);
    });
  }

  it('unknown keys get a suggestion', () => {
    expect(errorOf(() => resolveConfig({ set: { 'train.iteration': 5 } }))).toMatch(/unknown key "train.iteration"; did you mean "train.iterations"\?/);
    expect(errorOf(() => resolveConfig({ set: { activation: 'gelu' } }))).toMatch(/did you mean "model.activation"/);
    expect(errorOf(() => resolveConfig({ config: { model: { hiden: 3 } } }))).toMatch(/config: unknown key "model.hiden"; did you mean "model.hidden"/);
    expect(errorOf(() => resolveConfig({ set: { 'zzz.qqq.rrr': 1 } }))).toMatch(/known keys: /);
  });

  it('a missing key says so (a config object, e.g. from the library, without data.n)', () => {
    const c = structuredClone(resolveConfig()) as unknown as Record<string, Record<string, unknown>>;
    delete c.data.n;
    expect(errorOf(() => validateConfig(c))).toBe('config: data.n is missing: expected a number');
  });

  it('config JSON text: line and column of the problem', async () => {
    const { parseJsonText } = await import('../src/config/json-text.js');
    const e = (t: string) => errorOf(() => parseJsonText(t, 'c.json'));
    expect(e('{"train": {"lr": 1e-3 "x": 2}}')).toBe('c.json: not valid JSON at line 1, column 23: expected \',\'\n  {"train": {"lr": 1e-3 "x": 2}}\n                        ^');
    expect(e('{\n "a": tru\n}')).toMatch(/^c\.json: not valid JSON at line 2, column 7: /);
    expect(e('{"a": 1} x')).toMatch(/line 1, column 10: unexpected character/);
    expect(e('{"a": 1 // note\n}')).toMatch(/line 1, column 9: comments are not allowed in JSON/);
    expect(e('  ')).toMatch(/the file is empty/);
    expect(parseJsonText('\uFEFF{"seed": 3}', 'c.json')).toEqual({ seed: 3 });
  });

  it('unknown preset lists the presets', () => {
    expect(errorOf(() => resolveConfig({ preset: 'toy' }))).toMatch(/preset = "toy" is not valid: expected one of toy-default, toy-theory/);
  });

  it('a config that is not an object', () => {
    expect(errorOf(() => resolveConfig({ config: [1, 2] }))).toMatch(/expected an object/);
    expect(errorOf(() => resolveConfig({ config: { model: 5 } }))).toMatch(/model = 5 is not valid: expected an object/);
  });

  it('several problems are reported together', () => {
    const c = structuredClone(resolveConfig()) as unknown as Record<string, Record<string, unknown>>;
    c.model.hidden = 0;
    c.train.loss = 'l1';
    const msg = errorOf(() => validateConfig(c));
    expect(msg).toMatch(/model\.hidden = 0/);
    expect(msg).toMatch(/train\.loss = "l1"/);
  });

  it('factored inputs need generated data', async () => {
    const c = resolveConfig({ set: { 'engine.factorInput': true } }) as ToyConfig;
    const toy = resolveConfig() as ToyConfig;
    expect(errorOf(() => resolveEngineSettings(c, true))).toMatch(/engine\.factorInput = true is not valid with imported data/);
    expect(resolveEngineSettings(toy, true).engine.factorInput).toBe(false);
    expect(resolveEngineSettings(toy, false).engine.factorInput).toBe(true);
    await expect(createTrainer({ set: { 'model.hidden': -3 } })).rejects.toThrow(/model\.hidden = -3/);
  });

  it('trainer.step rejects a bad count', async () => {
    const t = await createTrainer({ set: { 'data.n': 20 } });
    expect(() => t.step(-1)).toThrow(/k = -1 is not valid: expected a non-negative integer/);
    expect(() => t.step(1.5)).toThrow(/k = 1.5/);
  });
});

describe('the config is a union on task', () => {
  it('every preset names its kind, and its config validates as that kind', () => {
    for (const p of PRESETS) {
      const c = resolveConfig({ preset: p.name });
      expect(TASK_KINDS, p.name).toContain(c.task);
      expect(c.task).toBe(p.config.task);
      expect(validateConfig(structuredClone(c))).toEqual(c);
    }
    expect(resolveConfig({ preset: 'mnist-padded' }).task).toBe('mnist');
    expect(resolveConfig({ preset: 'distill-toy' }).task).toBe('distill');
  });

  it("another kind's key is refused, naming the preset and the presets it belongs to", () => {
    expect(errorOf(() => resolveConfig({ preset: 'mnist-padded', set: { 'data.core': 'uniform' } }))).toMatch(
      /--set data\.core: key "data\.core" does not apply to preset "mnist-padded" \(a mnist run\); it belongs to toy-default, toy-theory, distill-toy/,
    );
    expect(errorOf(() => resolveConfig({ preset: 'mnist-padded', set: { 'engine.factorInput': true } }))).toMatch(/does not apply to preset "mnist-padded"/);
    expect(errorOf(() => resolveConfig({ preset: 'distill-toy', set: { 'train.loss': 'mse' } }))).toMatch(/key "train\.loss" does not apply to preset "distill-toy" \(a distill run\)/);
    expect(errorOf(() => resolveConfig({ preset: 'distill-toy', config: { model: { freezeOutput: true } } }))).toMatch(/config: key "model\.freezeOutput" does not apply/);
    expect(errorOf(() => resolveConfig({ set: { 'mnist.borderWidth': 2 } }))).toMatch(/key "mnist\.borderWidth" does not apply to preset "toy-default" \(a toy run\); it belongs to mnist-padded/);
    expect(errorOf(() => resolveConfig({ set: { 'distill.probeLr': 0.1 } }))).toMatch(/it belongs to distill-toy/);
  });

  it('the kind is fixed by the preset', () => {
    expect(errorOf(() => resolveConfig({ set: { task: 'mnist' } }))).toMatch(/task = "toy"\) is fixed by the preset; choose another --preset/);
    expect(errorOf(() => resolveConfig({ config: { task: 'distill' } }))).toMatch(/is fixed by the preset/);
    // a config.json passed back whole (its own task given) resolves to itself
    const m = resolveConfig({ preset: 'mnist-padded' });
    expect(resolveConfig({ preset: 'mnist-padded', config: m })).toEqual(m);
    // validateConfig on an unknown kind lists the kinds
    const c = structuredClone(resolveConfig()) as unknown as Record<string, unknown>;
    c.task = 'cifar';
    expect(errorOf(() => validateConfig(c))).toMatch(/task = "cifar" is not valid: expected one of toy, mnist, distill/);
  });

  it('configs written before the union (experiment, data.source) are migrated to today\'s form', () => {
    const strip = (c: Record<string, unknown>) => {
      const { task: _t, ...rest } = structuredClone(c);
      return rest as Record<string, Record<string, unknown>>;
    };
    // a toy config.json had no task key
    const toy = resolveConfig({ preset: 'toy-theory' });
    expect(validateConfig(strip(toy))).toEqual(toy);
    const oldToy = strip(toy) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    oldToy.experiment = 'toy';
    oldToy.data.source = 'features';
    expect(validateConfig(oldToy)).toEqual(toy);
    // an MNIST one carried data.source and the feature model's keys
    const mnist = resolveConfig({ preset: 'mnist-padded' });
    const oldMnist = strip(mnist);
    Object.assign(oldMnist.data, { source: 'mnist-padded', core: 'sphere', coreDim: 32, bgDim: 32, inputDim: 256, bgMean: 0.5 });
    oldMnist.train.online = false;
    oldMnist.engine = { factorInput: 'auto', featureCoords: 'auto' };
    expect(validateConfig(oldMnist)).toEqual(mnist);
    // a distillation one had experiment: 'distill' and toy-only keys
    const distill = resolveConfig({ preset: 'distill-toy' });
    const oldDistill = strip(distill) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    oldDistill.experiment = 'distill';
    oldDistill.model.freezeOutput = false;
    Object.assign(oldDistill.train, { loss: 'mse', online: false });
    oldDistill.engine = { factorInput: 'auto', featureCoords: 'auto' };
    expect(validateConfig(oldDistill)).toEqual(distill);
  });
});

describe('version', () => {
  it('src/version.ts matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
});
