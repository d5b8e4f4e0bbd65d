// Checks every relative link and image in README.md and docs/*.md: the target file must exist and,
// for `file.md#anchor` or `#anchor`, the anchor must be a heading of that file (GitHub's slugs).
// Web links are not fetched.   node scripts/check-doc-links.mjs   (exit 1 on a broken link)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(text) {
  const seen = new Map();
  const out = new Set();
  const body = text.replace(/```[\s\S]*?```/g, '');
  for (const m of body.matchAll(/^#{1,6}\s+(.*?)\s*#*$/gm)) {
    const base = m[1]
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

let broken = 0;
let checked = 0;
for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  const body = text.replace(/```[\s\S]*?```/g, ''); // code blocks hold no links
  const targets = [...body.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g), ...body.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
  for (const t of targets) {
    if (/^[a-z]+:/i.test(t)) continue;
    checked++;
    const [path, anchor] = t.split('#');
    const target = path ? join(dirname(join(root, file)), decodeURIComponent(path)) : join(root, file);
    if (!existsSync(target)) {
      console.error(`${file}: ${t}: no such file ${relative(root, target)}`);
      broken++;
    } else if (anchor !== undefined && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) {
      console.error(`${file}: ${t}: no heading #${anchor} in ${relative(root, target)}`);
      broken++;
    }
  }
}
console.log(`${checked} relative links in ${files.length} files, ${broken} broken`);
process.exit(broken ? 1 : 0);
