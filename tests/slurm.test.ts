// The documented Slurm recipe (docs/guide.md, "Slurm", linked from the README) on a real
// (single-node) Slurm: scripts/slurm-local.sh starts munged, slurmctld and slurmd on localhost; the
// test takes the two shell blocks of that section, shrinks only the sweep (3 cells, 2 seeds, small runs, 3 array tasks, 1 CPU
// each), submits them as written (an array job of `--shard i/n`, then `fclab merge` with
// --dependency=afterok), and checks that sweep.json and sweep.csv are byte-identical to the same
// sweep on one machine. Needs root and Debian's slurm-wlm and munge (.ci/run installs them).
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from './helpers/cli.js';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const CLUSTER_SCRIPT = join(ROOT, 'scripts', 'slurm-local.sh');

// The sweep the test runs instead of the documented 18-cell one: 3 cells, 2 seeds, small runs.
const GRID = 'model.activation=relu,gelu,tanh';
const SETS = ['data.n=200', 'model.hidden=32', 'train.iterations=40', 'train.evalEvery=20'];
const SEEDS = 2;
const SHARDS = 3;
/** A ceiling for a shared, loaded machine (nothing here asserts a duration). */
const LONG = 900_000;

/** Where the recipe is documented (the README links to it), and its section. */
const RECIPE_FILE = 'docs/guide.md';
const RECIPE_SECTION = '#### Slurm';

/** The section's two shell blocks: the batch script and the submission. */
function readmeRecipe(doc: string): { script: string; submit: string } {
  const at = doc.indexOf(`\n${RECIPE_SECTION}\n`);
  if (at < 0) throw new Error(`${RECIPE_FILE} has no "${RECIPE_SECTION}" section`);
  const section = doc.slice(at + 1); // (a split on headings would cut at the script's `# ` lines)
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].slice(0, 2).map((m) => m[1]);
  if (blocks.length < 2) throw new Error(`${RECIPE_FILE}: expected two \`\`\`sh blocks under "${RECIPE_SECTION}" (the batch script and its submission)`);
  return { script: blocks[0], submit: blocks[1] };
}

/** Each edit must match exactly once, so a changed recipe fails here, saying which part moved. */
function edit(text: string, what: string, re: RegExp, by: string): string {
  const n = [...text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'))].length;
  if (n !== 1) throw new Error(`the Slurm recipe: expected one ${what} (${re}), found ${n}`);
  return text.replace(re, by);
}

/** The recipe, with only the sweep's size changed. */
function shrink(recipe: { script: string; submit: string }): { name: string; script: string; submit: string } {
  let s = recipe.script;
  // the block's first line names the file (`# sweep.sbatch`); sbatch wants `#!` first
  const label = /^# (\S+)\n(?=#!)/.exec(s);
  if (!label) throw new Error('the Slurm recipe: expected the batch script to start with "# <file name>" then "#!/bin/bash"');
  s = s.slice(label[0].length);
  s = edit(s, 'array size', /^#SBATCH --array=0-\d+$/m, `#SBATCH --array=0-${SHARDS - 1}`);
  s = edit(s, 'CPUs per task', /^#SBATCH --cpus-per-task=\d+$/m, '#SBATCH --cpus-per-task=1');
  s = edit(s, 'grid', /(^ *--grid [^\n]*\\\n)+/m, `  --grid ${GRID} ${SETS.map((x) => `--set ${x}`).join(' ')} \\\n`);
  s = edit(s, 'seed count', /--seeds \d+/, `--seeds ${SEEDS}`);
  for (const kept of ['--shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT"', '--workers "$SLURM_CPUS_PER_TASK"', 'shard-$SLURM_ARRAY_TASK_ID'])
    if (!s.includes(kept)) throw new Error(`the Slurm recipe: the batch script no longer contains ${kept}`);
  if (!/--dependency=afterok:\$jid/.test(recipe.submit) || !/fclab merge/.test(recipe.submit))
    throw new Error('the Slurm recipe: expected the submission to run fclab merge with --dependency=afterok:$jid');
  return { name: label[1], script: s, submit: recipe.submit };
}

let tmp: string;
let cluster: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fclab-slurm-'));
  cluster = join(tmp, 'cluster');
  try {
    const { stdout } = await exec('bash', [CLUSTER_SCRIPT, 'start', cluster]);
    env = { ...process.env, SLURM_CONF: stdout.trim() };
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    throw new Error(
      `could not start the local Slurm cluster (scripts/slurm-local.sh, exit ${err.code}): ${err.stderr?.trim() || e}. ` +
        'It needs root and Debian\'s slurm-wlm and munge: apt-get install -y slurm-wlm munge (.ci/run does this).',
    );
  }
}, LONG);

afterAll(async () => {
  if (cluster) await exec('bash', [CLUSTER_SCRIPT, 'stop', cluster]).catch(() => {});
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the documented Slurm recipe on a single-node Slurm', () => {
  it('3 shards as an array job, merged after them, give the one-machine sweep.json and sweep.csv byte for byte', async () => {
    const recipe = shrink(readmeRecipe(await readFile(join(ROOT, RECIPE_FILE), 'utf8')));
    // `fclab` on PATH (as after npm install -g) and $HOME in a scratch folder: the blocks run as written
    const home = join(tmp, 'home');
    const bin = join(tmp, 'bin');
    const work = join(tmp, 'submit');
    for (const d of [home, bin, work]) await mkdir(d, { recursive: true });
    await writeFile(join(bin, 'fclab'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    await chmod(join(bin, 'fclab'), 0o755);
    await writeFile(join(work, recipe.name), recipe.script);
    const jobEnv = { ...env, HOME: home, PATH: `${bin}:${process.env.PATH}` };

    const submitted = await exec('bash', ['-euo', 'pipefail', '-c', recipe.submit], { cwd: work, env: jobEnv });
    const merge = /Submitted batch job (\d+)/.exec(submitted.stdout)?.[1];
    expect(merge, `the merge job's id in: ${submitted.stdout}${submitted.stderr}`).toBeDefined();
    // wait for the merge job to end, whatever its fate (a failed shard cancels it: kill_invalid_depend)
    await exec('sbatch', ['--wait', `--dependency=afterany:${merge}`, '--output=/dev/null', '--wrap', 'true'], { cwd: work, env: jobEnv });

    const logs = async () => {
      const files = (await readdir(work)).filter((f) => f.endsWith('.out')).sort();
      return (await Promise.all(files.map(async (f) => `--- ${f}\n${await readFile(join(work, f), 'utf8')}`))).join('\n');
    };
    const out = join(home, 'sweeps', 'act-opt');
    const dirs = (await readdir(out)).sort();
    expect(dirs, await logs()).toEqual(['all', ...Array.from({ length: SHARDS }, (_, i) => `shard-${i}`)]);
    // each shard ran as its own array task (slurm-<job>_<task>.out), and the merge as a job after them
    const taskLogs = (await readdir(work)).filter((f) => /^slurm-\d+_\d+\.out$/.test(f));
    expect(taskLogs).toHaveLength(SHARDS);
    expect(await readdir(join(out, 'all')), await logs()).toEqual(expect.arrayContaining(['sweep.json', 'sweep.csv', 'runs']));

    const one = join(tmp, 'one-machine');
    const args = ['sweep', '--preset', 'toy-default', '--grid', GRID, ...SETS.flatMap((x) => ['--set', x]), '--seeds', String(SEEDS), '--workers', '1', '--no-report', '-q', '--out', one];
    await exec(process.execPath, [BIN, ...args]);
    for (const f of ['sweep.json', 'sweep.csv']) {
      const [a, b] = await Promise.all([readFile(join(one, f)), readFile(join(out, 'all', f))]);
      expect(b.equals(a), `${f} from Slurm differs from the one-machine sweep`).toBe(true);
    }
    const cells = JSON.parse(await readFile(join(one, 'sweep.json'), 'utf8')).cells;
    expect(cells).toHaveLength(3);
    expect((await readdir(join(out, 'all', 'runs'))).length).toBe(3);
  }, LONG);
});
