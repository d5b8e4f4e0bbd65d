// Reading a JSON file named on the command line (--config, a sweep's files): a missing file and
// malformed JSON (with line and column) are bad input, reported as ConfigError (exit 2).
import { readRegularFile } from './npy.js';
import { ConfigError } from '../config/resolve.js';
import { parseJsonText } from '../config/json-text.js';

/** A JSON file named on the command line (--config, a sweep's files), with line and column on malformed JSON. */
export async function readJsonFile(path: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = new TextDecoder().decode(await readRegularFile(path, 1 << 26)); // a regular file: never a FIFO or /dev/zero
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ConfigError(`${flag} ${path}: cannot read (${err.code === 'ENOTREG' || err.code === 'EFBIG' || err.code === 'EISDIR' ? err.message : (err.code ?? err.message)})`);
  }
  return parseJsonText(text, `${flag} ${path}`);
}
