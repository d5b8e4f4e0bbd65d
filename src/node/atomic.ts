// Atomic, durable file replacement for Node: readers see either the old file or the complete new
// one, never a half-written file, and a completed write survives a power loss (as SQLite does it:
// fsync the file before the rename, the folder after it).
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, isAbsolute, sep } from 'node:path';

export interface AtomicOptions {
  /**
   * The folder the write must stay in (a run folder): a symlink at the path, or a symlinked
   * folder on the way, that leads outside it is refused instead of followed.
   */
  within?: string;
}

/** A path that leads outside the folder it must stay in (a symlink out of a run folder). */
export class PathEscapeError extends Error {
  override name = 'PathEscapeError';
}

/** Whether `path` is `root` or below it (both absolute, resolved). */
export function isInside(root: string, path: string): boolean {
  const r = relative(root, path);
  return r === '' || (!r.startsWith('..' + sep) && r !== '..' && !isAbsolute(r));
}

/** Whether a process with this pid exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `.name.<pid>.<12 hex>.tmp`: the temp files of writeFileAtomic. */
const TEMP = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;
const cleaned = new Set<string>();

/**
 * Removes the temp files that processes which died mid-write left in `dir` (a live process's
 * temp files are kept: it may still rename them). Done once per folder per process.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  if (cleaned.has(dir)) return [];
  cleaned.add(dir);
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    const m = TEMP.exec(n);
    if (!m || processAlive(Number(m[1]))) continue;
    const p = join(dir, n);
    const s = await lstat(p).catch(() => null);
    if (s?.isFile()) {
      await unlink(p).catch(() => {});
      removed.push(n);
    }
  }
  return removed;
}

/** fsync a folder so that a rename in it is durable; file systems that cannot (EINVAL, EISDIR, EPERM) are skipped. */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF' && code !== 'ENOTSUP') throw e;
  } finally {
    await fh?.close().catch(() => {});
  }
}

/** Where a write to `path` lands: through a symlink at `path` (if any), checked against `within`. */
async function targetOf(path: string, within: string | undefined): Promise<string> {
  const link = await lstat(path).catch(() => null);
  const target = link?.isSymbolicLink() ? await realpath(path).catch(() => null) : path;
  if (!within) return target ?? path;
  const root = await realpath(within);
  const folder = await realpath(dirname(path));
  if (!isInside(root, folder)) throw new PathEscapeError(`${path}: its folder leads outside ${within} (to ${folder}); fclab does not write through a symlink out of the output folder`);
  if (link?.isSymbolicLink()) {
    // a dangling link, or one to somewhere else: refuse rather than write outside the folder
    if (!target || !isInside(root, target))
      throw new PathEscapeError(`${path} is a symlink to ${target ?? 'nowhere'}, outside ${within}; fclab does not write through it (remove the link)`);
  }
  return target ?? path;
}

/** Creates `path` exclusively (O_EXCL, never through a symlink: EEXIST if anything is there), writes and fsyncs it. */
export async function writeNewFile(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes `data` to a temp file next to `path` (same folder, so the rename is atomic), fsyncs it,
 * renames it over `path` and fsyncs the folder. The temp file is created exclusively (O_EXCL, so
 * never through a symlink) and removed on failure; stale temp files of dead processes in the folder
 * are removed first. A symlink at `path` is written through (the link is kept), unless it leads
 * outside `options.within`.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicOptions = {}): Promise<void> {
  const target = await targetOf(path, options.within);
  const dir = dirname(target);
  await removeStaleTemps(dir);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeNewFile(tmp, data, 0o666);
    // Keep the permissions of the file being replaced.
    const old = await stat(target).catch(() => null);
    if (old?.isFile()) await chmod(tmp, old.mode & 0o7777);
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await syncDir(dir);
}

/**
 * mkdir -p that cannot hang: Node's recursive mkdir loops forever on some paths (/proc/x), so
 * each missing folder is made in turn and an error names the first that cannot be.
 */
export async function makeDirs(path: string): Promise<void> {
  const missing: string[] = [];
  let p = path;
  for (;;) {
    const s = await stat(p).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
    if (s) {
      if (!s.isDirectory()) throw Object.assign(new Error(`${p} is not a folder`), { code: 'ENOTDIR', path: p });
      break;
    }
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const m of missing.reverse()) {
    try {
      await mkdir(m);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
