/**
 * A tiny static file server for the demo (`npm run demo`) and the browser tests: files under
 * `root`, plus `generated` files (bundles built in memory) that take precedence. Binds to
 * 127.0.0.1 only. Port 0 picks a free port; the returned `url` tells which.
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.nnw': 'application/octet-stream',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  root: string;
  port?: number;
  /** url path (e.g. '/demo.js') → contents, looked up before the disk; may rebuild on demand */
  generated?: (path: string) => Promise<Uint8Array | string | undefined>;
}

export async function serveStatic({ root, port = 0, generated }: StaticServerOptions): Promise<StaticServer> {
  const rootDir = normalize(root + sep);
  const server = createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const type = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
    try {
      let body = await generated?.(path);
      if (body === undefined) {
        const file = normalize(join(rootDir, path));
        if (!file.startsWith(rootDir)) throw Object.assign(new Error('outside the root'), { code: 'ENOENT' });
        body = await readFile(file);
      }
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    } catch (err) {
      const missing = (err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'EISDIR';
      res.writeHead(missing ? 404 : 500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(missing ? `not found: ${path}` : String((err as Error).stack ?? err));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
