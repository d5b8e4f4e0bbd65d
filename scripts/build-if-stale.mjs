// Runs `npm run build` only when its inputs changed since the last build: `npm test` after `npm ci`
// (whose prepare step builds) does not build twice. The stamp is a SHA-256 over the path and bytes
// of every input, kept in dist/.inputs.sha256; `--stamp` writes it (the end of `npm run build`).
import { createHash } from 'node:crypto';
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const INPUTS = ['assembly', 'src', 'scripts', 'web', 'bench/web', 'data', 'asconfig.json', 'asconfig.peak.json', 'tsconfig.json', 'tsconfig.node.json', 'package.json', 'package-lock.json'];
const STAMP = join(root, 'dist', '.inputs.sha256');
const OUTPUTS = ['dist/src/index.js', 'dist/src/node.js', 'dist/browser/fclab.js', 'build/fclab.simd.wasm', 'build/fclab.scalar.wasm', 'build/fclab.simd-mt.wasm'];

function walk(p, out) {
  if (!existsSync(p)) return;
  if (statSync(p).isDirectory()) {
    for (const f of readdirSync(p).sort()) if (f !== 'generated' && f !== 'node_modules') walk(join(p, f), out);
  } else out.push(p);
}

function digest() {
  const files = [];
  for (const i of INPUTS) walk(join(root, i), files);
  const h = createHash('sha256');
  for (const f of files) h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

const now = digest();
if (process.argv.includes('--stamp')) {
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(STAMP, now + '\n');
} else {
  const current = existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === now && OUTPUTS.every((o) => existsSync(join(root, o)));
  if (current) console.log('build is current (dist/.inputs.sha256): not rebuilding');
  else execSync('npm run build', { cwd: root, stdio: 'inherit' });
}
