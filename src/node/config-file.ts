// Reading a JSON file named on the command line (--config, a sweep's files): a missing file and
// malformed JSON (with line and column) are bad input, reported as ConfigError (exit 2).
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/resolve.js';
import { parseJsonText } from '../config/json-text.js';

/** A JSON file named on the command line (--config, a sweep's files), with line and column on malformed JSON. */
export async function readJsonFile(path: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${flag} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseJsonText(text, `${flag} ${path}`);
}
