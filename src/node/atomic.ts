// Atomic file replacement for Node: readers see either the old file or the
// complete new one, never a half-written file (e.g. after a crash or Ctrl-C).
import { randomBytes } from 'node:crypto';
import { chmod, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to a temp file next to `path` (same directory, so rename stays
 * on one filesystem and is atomic), then renames it over `path`. The temp file
 * is removed on failure. No fsync: atomic against crashes of this process, not
 * guaranteed durable across power loss.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  // Write through symlinks instead of replacing the link itself.
  const target = await realpath(path).catch(() => path);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    // Keep the permissions of the file being replaced.
    const old = await stat(target).catch(() => null);
    if (old?.isFile()) await chmod(tmp, old.mode & 0o7777);
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
