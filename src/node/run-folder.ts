// The output-folder rule (docs/guide.md, "Output folders"): a folder is written by one fclab process
// at a time (a lock file with the holder's pid; a lock whose process is gone is stale and taken
// over), is checked writable before any training, and holds one run: a folder that holds anything
// else is refused unless --force, which deletes fclab's own files only. A finished run's files are
// listed, with sizes and SHA-256 digests, in manifest.json (written last), which is what makes a
// folder complete.
import { createHash, randomBytes } from 'node:crypto';
import { constants, unlinkSync } from 'node:fs';
import { lstat, open, readdir, readFile, realpath, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../engine/errors.js';
import { readRegularFile } from './npy.js';
import { isInside, makeDirs, processAlive, removeStaleTemps, syncDir, writeFileAtomic, writeNewFile } from './atomic.js';
import { configJson } from '../run/files.js';

/** A destination or folder that cannot be used: printed without a stack, exit 2. */
export class FolderError extends InputError {
  override name = 'FolderError';
}

export const LOCK_FILE = '.fclab.lock';
export const MANIFEST = 'manifest.json';
export const CHECKPOINT_FILE = 'checkpoint.fclab';
const MANIFEST_FORMAT = 'fclab-run-manifest';

const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Files whose name is fclab's and whose first bytes say they are: what --force may delete. */
const OWN: Array<{ name: RegExp; looks: (head: string) => boolean }> = [
  { name: /^config\.json$/, looks: (h) => /^\{\s*"preset"\s*:/.test(h) },
  { name: /^summary\.json$/, looks: (h) => /^\{\s*"preset"\s*:/.test(h) },
  { name: /^manifest\.json$/, looks: (h) => h.includes(MANIFEST_FORMAT) },
  { name: /^metrics\.csv$/, looks: (h) => h.startsWith('iteration,') },
  { name: /^report\.html$/, looks: (h) => h.startsWith('<!doctype html>') && h.includes('fclab') },
  { name: /^checkpoint\.fclab$/, looks: (h) => h.startsWith('FCLABCK') },
  { name: /^neurons\.[A-Za-z]+\.npy$/, looks: (h) => h.startsWith('\x93NUMPY') },
  { name: /^weights\/fc\d+\.(weight|bias)\.npy$/, looks: (h) => h.startsWith('\x93NUMPY') },
  { name: /^(run|weights|distill)\.svg$/, looks: (h) => h.includes('<svg') },
  { name: /^(run|weights|distill)\.png$/, looks: (h) => h.startsWith('\x89PNG') },
];
const TEMP = /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/;

async function head(path: string): Promise<string> {
  const fh = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const b = Buffer.alloc(512);
    const { bytesRead } = await fh.read(b, 0, 512, 0);
    return b.subarray(0, bytesRead).toString('latin1');
  } finally {
    await fh.close();
  }
}

/** The folder's entries (relative paths, weights/ expanded), without the lock and temp files. */
async function entries(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === LOCK_FILE || TEMP.test(e.name)) continue;
    if (e.name === 'weights' && e.isDirectory()) {
      const inner = (await readdir(join(dir, 'weights'))).filter((n) => !TEMP.test(n));
      out.push(...(inner.length ? inner.map((n) => `weights/${n}`) : ['weights/']));
    } else out.push(e.name);
  }
  return out.sort();
}

async function isOwn(dir: string, rel: string): Promise<boolean> {
  const rule = OWN.find((o) => o.name.test(rel));
  if (!rule) return false;
  const s = await lstat(join(dir, rel)).catch(() => null);
  if (!s?.isFile()) return false;
  return rule.looks(await head(join(dir, rel)).catch(() => ''));
}

/** Sorted-key JSON: configs compare equal whatever their key order. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  return `{${Object.keys(v as object)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

/**
 * Checks that `dir` can be an output folder before any work: not '', a folder (made if missing;
 * a file or device is refused), writable (a temp file is created, synced and removed).
 */
export async function checkDestination(dir: string, flag: string): Promise<void> {
  if (dir === '') throw new FolderError(`${flag} '': expected a folder name (use ${flag} . for the current folder)`);
  const s = await lstat(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : e));
  if (s instanceof Error) throw new FolderError(`${flag} ${dir}: cannot be used (${errCode(s)})`);
  if (s && s.isSymbolicLink()) {
    const t = await stat(dir).catch(() => null);
    if (!t?.isDirectory()) throw new FolderError(`${flag} ${dir}: is a symlink to ${t ? 'something that is not a folder' : 'nothing'}; expected a folder`);
  } else if (s && !s.isDirectory())
    throw new FolderError(`${flag} ${dir}: is ${s.isFile() ? 'a file' : 'a device or special file'}, expected a folder`);
  if (!s) {
    try {
      await makeDirs(dir);
    } catch (e) {
      throw new FolderError(`${flag} ${dir}: cannot create the folder (${errCode(e)})`);
    }
  }
  const probe = join(dir, `.fclab-probe.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      await fh.writeFile('x');
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    await unlink(probe).catch(() => {});
    throw new FolderError(`${flag} ${dir}: not writable (${errCode(e)}); choose another folder`);
  }
  await unlink(probe);
}

export interface FolderLock {
  readonly dir: string;
  release(): Promise<void>;
}

/**
 * Takes the folder's lock file (created exclusively, holding this pid). A lock held by a live
 * process is refused; one whose process has died is stale and taken over. Released by release()
 * or, at the latest, when the process exits.
 */
export async function lockFolder(dir: string, flag: string): Promise<FolderLock> {
  const path = join(dir, LOCK_FILE);
  const body = JSON.stringify({ pid: process.pid, started: new Date().toISOString(), argv: process.argv.slice(2) }) + '\n';
  for (let attempt = 0; ; attempt++) {
    try {
      await writeNewFile(path, body, 0o644);
      await syncDir(dir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new FolderError(`${flag} ${dir}: cannot lock (${errCode(e)})`);
      let holder: { pid?: unknown; started?: unknown } = {};
      try {
        holder = JSON.parse(new TextDecoder().decode(await readRegularFile(path, 1 << 16))) as typeof holder;
      } catch {
        // unreadable or half-written: its writer died between create and write, or it is not ours
      }
      const pid = typeof holder.pid === 'number' ? holder.pid : NaN;
      if (processAlive(pid) && attempt < 3)
        throw new FolderError(
          `${flag} ${dir} is in use by another fclab process (pid ${pid}, since ${String(holder.started)}); wait for it to finish or choose another folder (if no such process runs, delete ${path})`,
        );
      if (attempt >= 3) throw new FolderError(`${flag} ${dir}: cannot take the lock ${path}`);
      // stale: its process is gone
      await unlink(path).catch(() => {});
    }
  }
  let held = true;
  const onExit = () => {
    if (held) unlinkSync(path);
  };
  process.on('exit', onExit);
  return {
    dir,
    async release() {
      if (!held) return;
      held = false;
      process.off('exit', onExit);
      await unlink(path).catch(() => {});
    },
  };
}

/** What a folder holds, for the rule: nothing, this run (its config.json equals ours), or else. */
async function classify(dir: string, config: unknown, resuming = false): Promise<{ state: 'empty' | 'this-run' | 'other'; what: string }> {
  await removeStaleTemps(dir);
  const list = await entries(dir);
  if (!list.length) return { state: 'empty', what: '' };
  // a folder holding only the checkpoint being resumed (checked against the run by checkResumeFolder and its checksum)
  if (resuming && list.length === 1 && list[0] === CHECKPOINT_FILE) return { state: 'this-run', what: '' };
  let cfg: unknown;
  try {
    cfg = JSON.parse(new TextDecoder().decode(await readRegularFile(join(dir, 'config.json'), 1 << 20)));
  } catch {
    cfg = undefined;
  }
  if (cfg !== undefined && canonicalJson(cfg) === canonicalJson(config)) return { state: 'this-run', what: '' };
  const c = cfg as { preset?: unknown; seed?: unknown } | undefined;
  const what =
    cfg !== undefined && typeof c?.preset === 'string'
      ? `another run (config.json of preset ${JSON.stringify(c.preset)}, seed ${String(c.seed)}, differs from this run's)`
      : `${list.length} file(s) that are not this run's (${list.slice(0, 5).join(', ')}${list.length > 5 ? ', ...' : ''})`;
  return { state: 'other', what };
}

/** Deletes fclab's own files (see OWN), keeping everything else; refuses if another file takes one of fclab's names. */
async function clearOwnFiles(dir: string, flag: string): Promise<string[]> {
  const removed: string[] = [];
  for (const rel of await entries(dir)) {
    if (rel === 'weights/') continue;
    const named = OWN.some((o) => o.name.test(rel));
    if (!named) continue;
    if (!(await isOwn(dir, rel)))
      throw new FolderError(`${flag} ${dir}: ${rel} is not a file fclab wrote, and this run would replace it; --force deletes fclab's files only: move it first`);
    await unlink(join(dir, rel));
    removed.push(rel);
  }
  await rmdir(join(dir, 'weights')).catch(() => {}); // only if empty
  await syncDir(dir);
  return removed;
}

export interface RunFolder extends FolderLock {
  /** the files --force deleted */
  cleared: string[];
}

/**
 * Opens `dir` as the output folder of a run with this (resolved) config: checks the destination,
 * locks it, applies the folder rule (empty, or this run's, or --force) and records config.json
 * there before training, so that the folder says whose it is from the start.
 */
/** Refuses a symlink in the folder (or in weights/) that leads outside it: fclab would write through it. */
async function checkLinks(dir: string, flag: string): Promise<void> {
  const root = await realpath(dir);
  for (const rel of await entries(dir)) {
    for (const p of rel.startsWith('weights/') ? ['weights', rel] : [rel]) {
      const full = join(dir, p.replace(/\/$/, ''));
      const s = await lstat(full).catch(() => null);
      if (!s?.isSymbolicLink()) continue;
      const t = await realpath(full).catch(() => null);
      if (!t || !isInside(root, t))
        throw new FolderError(`${flag} ${dir}: ${p} is a symlink to ${t ?? 'nothing'}, outside the folder; fclab never writes through a link out of its output folder (remove the link)`);
    }
  }
}

export async function openRunFolder(dir: string, options: { flag: string; config: unknown; force?: boolean; resuming?: boolean }): Promise<RunFolder> {
  const { flag } = options;
  await checkDestination(dir, flag);
  const lock = await lockFolder(dir, flag);
  try {
    await checkLinks(dir, flag);
    const { state, what } = await classify(dir, options.config, options.resuming);
    let cleared: string[] = [];
    if (state === 'other') {
      if (!options.force)
        throw new FolderError(
          `${flag} ${dir} is not empty: it holds ${what}. Choose another folder, or pass --force to delete fclab's own files there (config.json, metrics.csv, summary.json, manifest.json, checkpoint.fclab, weights/, neurons.*.npy, figures, report.html; other files are kept)`,
        );
      cleared = await clearOwnFiles(dir, flag);
    }
    // a manifest vouches for a complete folder: not while this run rewrites it
    await unlink(join(dir, MANIFEST)).catch(() => {});
    await writeFileAtomic(join(dir, 'config.json'), configJson(options.config), { within: dir });
    return { ...lock, cleared };
  } catch (e) {
    await lock.release();
    throw e;
  }
}

/**
 * Checks a resume folder: the checkpoint must be the folder's run (config.json, when present, is
 * the checkpoint's config).
 */
export async function checkResumeFolder(dir: string, checkpointConfig: unknown): Promise<void> {
  let text: string;
  try {
    text = new TextDecoder().decode(await readRegularFile(join(dir, 'config.json'), 1 << 20));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new FolderError(`--resume ${dir}: cannot read config.json (${(e as Error).message})`);
    return; // a checkpoint-only folder (written before config.json was recorded at the start)
  }
  let cfg: unknown;
  try {
    cfg = JSON.parse(text);
  } catch {
    throw new FolderError(`--resume ${dir}: config.json is not valid JSON, so the checkpoint cannot be matched to the folder's run`);
  }
  if (canonicalJson(cfg) !== canonicalJson(checkpointConfig))
    throw new FolderError(
      `--resume ${dir}: ${CHECKPOINT_FILE} is not this folder's run (its config differs from ${join(dir, 'config.json')}); the checkpoint belongs to another run, refusing to resume it`,
    );
}

export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}

async function digestFile(path: string): Promise<{ size: number; sha256: string }> {
  const b = await readFile(path);
  return { size: b.length, sha256: createHash('sha256').update(b).digest('hex') };
}

/** Writes manifest.json: every listed file (relative paths) with its size and SHA-256. Written last. */
export async function writeManifest(dir: string, files: string[]): Promise<void> {
  const list: ManifestEntry[] = [];
  for (const f of [...new Set(files)].sort()) list.push({ path: f, ...(await digestFile(join(dir, f))) });
  await writeFileAtomic(join(dir, MANIFEST), JSON.stringify({ format: MANIFEST_FORMAT, version: 1, files: list }, null, 1) + '\n', { within: dir });
}

/** null when the folder's manifest lists files that are all there with their sizes and digests; else why not. */
export async function verifyManifest(dir: string): Promise<string | null> {
  let doc: { format?: unknown; files?: unknown };
  try {
    doc = JSON.parse(new TextDecoder().decode(await readRegularFile(join(dir, MANIFEST), 1 << 24))) as typeof doc;
  } catch (e) {
    return `${MANIFEST}: ${errCode(e)}`;
  }
  if (doc?.format !== MANIFEST_FORMAT || !Array.isArray(doc.files)) return `${MANIFEST} is not an fclab manifest`;
  for (const f of doc.files as ManifestEntry[]) {
    if (typeof f?.path !== 'string' || f.path.includes('..')) return `${MANIFEST}: bad entry`;
    const s = await lstat(join(dir, f.path)).catch(() => null);
    if (!s?.isFile()) return `${f.path} is missing`;
    if (s.size !== f.size) return `${f.path} has ${s.size} bytes, the manifest says ${f.size}`;
    if ((await digestFile(join(dir, f.path))).sha256 !== f.sha256) return `${f.path} differs from the manifest (SHA-256)`;
  }
  return null;
}
