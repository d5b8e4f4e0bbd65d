// Shared by the Chromium tests (browser.test.ts: the demo page; browser-bundle.test.ts: the
// dist/browser bundle and the embedding example): Debian's Chromium through playwright-core (never a
// downloaded browser), a minimal static server with the COOP/COEP headers, and pages that record
// every console error, page error, failed request and request that leaves the origin.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

/** The headers that make a page cross-origin isolated (the same as web/vite.config.ts). */
export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

export interface Served {
  server: Server;
  url: string;
  /** Paths requested so far (e.g. '/fclab.simd.wasm'). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A static file server for `dir` on a free port; no directory listings, no paths outside `dir`.
 * Every response carries the isolation headers unless `isolate` is false; `extra` adds in-memory files.
 */
export function serve(dir: string, opts: { isolate?: boolean; extra?: Record<string, string> } = {}): Promise<Served> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    if (opts.isolate !== false) for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    try {
      let path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      requests.push(path);
      if (path.endsWith('/')) path += 'index.html';
      const extra = opts.extra?.[path];
      const file = normalize(join(dir, path));
      if (extra === undefined && (!file.startsWith(dir + sep) || !existsSync(file))) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const body = extra !== undefined ? Buffer.from(extra) : readFileSync(file);
      res
        .writeHead(200, {
          'content-type': MIME[extname(path)] ?? 'application/octet-stream',
          'content-length': body.length,
          'cache-control': 'no-store',
        })
        .end(body);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        server,
        url: `http://127.0.0.1:${port}/`,
        requests,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}; the browser tests use the system Chromium ` +
        `(never a downloaded one). Install it with: apt-get install -y chromium`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Opens pages on one browser and collects every problem they report. */
export class PageWatch {
  readonly pages: Page[] = [];
  /** Console errors, page errors, failed, failing (HTTP >= 400) and off-origin requests. */
  readonly problems: string[] = [];

  constructor(private readonly browser: Browser) {}

  async open(url: string, origin: string, label = url): Promise<Page> {
    const page = await this.browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    this.pages.push(page);
    page.on('console', (m) => {
      if (m.type() === 'error') this.problems.push(`[${label}] console.error: ${m.text()}`);
    });
    page.on('pageerror', (e) => this.problems.push(`[${label}] page error: ${e.message}`));
    page.on('requestfailed', (r) => this.problems.push(`[${label}] request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => {
      if (r.status() >= 400) this.problems.push(`[${label}] HTTP ${r.status()}: ${r.url()}`);
    });
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:')) this.problems.push(`[${label}] external request: ${u}`);
    });
    await page.goto(url);
    return page;
  }

  async closeAll(): Promise<void> {
    for (const p of this.pages) await p.close().catch(() => {});
  }
}
