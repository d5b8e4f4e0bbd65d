// The bench's Chromium leg: build bench/web with Vite into a temp folder, serve it with the
// cross-origin isolation headers (so the page's kernels can use threads over shared memory),
// open it in /usr/bin/chromium through playwright-core and collect src/bench/core.ts's results.
// Vite and playwright-core are devDependencies; without them or Chromium the leg is skipped.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreResults } from '../../bench/core.js';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cross-origin-embedder-policy', 'require-corp');
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(dir, path));
    if (!file.startsWith(dir + sep) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }));
  });
}

export interface BrowserResults {
  browser: string;
  isolated: boolean;
  cores: number;
  result: CoreResults;
}

/** The bench page's root, seen from src/node/bench (sources) or dist/src/node/bench (compiled). */
function pageRoot(): string | null {
  for (const rel of ['../../../bench/web/', '../../../../bench/web/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

export async function browserAvailable(): Promise<boolean> {
  if (!existsSync(CHROMIUM) || !pageRoot()) return false;
  try {
    await import('playwright-core');
    await import('vite');
    return true;
  } catch {
    return false;
  }
}

export async function runBrowserLeg(o: { quick: boolean; repeats: number; threads: number[]; timeoutMs?: number }): Promise<BrowserResults> {
  const root = pageRoot();
  if (!root) throw new Error('bench/web is missing');
  const { build } = await import('vite');
  const { chromium } = await import('playwright-core');
  const out = mkdtempSync(join(tmpdir(), 'fclab-bench-web-'));
  let server: Server | undefined;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  try {
    await build({ configFile: join(root, 'vite.config.ts'), build: { outDir: out }, logLevel: 'warn' });
    const s = await serve(out);
    server = s.server;
    const page = await browser.newPage();
    const q = new URLSearchParams({ quick: o.quick ? '1' : '0', repeats: String(o.repeats), threads: o.threads.join(','), maxGemmWork: String(o.quick ? 2e9 : 1e10) });
    await page.goto(`${s.url}?${q}`);
    await page.waitForFunction(() => window.__bench !== undefined, undefined, { timeout: o.timeoutMs ?? 600_000, polling: 500 });
    const r = await page.evaluate(() => window.__bench!);
    if (!r.ok) throw new Error(`bench page: ${r.error}`);
    return { browser: `Chromium ${browser.version()}`, isolated: r.isolated, cores: r.cores, result: r.result };
  } finally {
    await browser.close();
    server?.close();
    rmSync(out, { recursive: true, force: true });
  }
}

declare global {
  interface Window {
    __bench?: { ok: true; result: CoreResults; isolated: boolean; cores: number } | { ok: false; error: string };
  }
}
