/**
 * `npm run demo`: serves this folder on http://127.0.0.1:8080/ (or PORT), with demo.js and
 * worker.js bundled from the TypeScript beside them (and nnwasm from src/) on every page load,
 * so an edit shows on reload.
 */
import { fileURLToPath } from 'node:url';
import { serveStatic, type StaticServer } from '../../scripts/static-server.ts';
import { sourceBundler } from '../../scripts/source-bundler.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

export async function serveDemo(port = 0): Promise<StaticServer> {
  const bundler = await sourceBundler({ demo: `${here}demo.ts`, worker: `${here}worker.ts` });
  let outputs = await bundler.build();
  const server = await serveStatic({
    root: here,
    port,
    generated: async (path) => {
      if (path === '/index.html') outputs = await bundler.build();
      return outputs.get(path);
    },
  });
  return {
    url: server.url,
    close: async () => {
      await server.close();
      await bundler.dispose();
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { url } = await serveDemo(Number(process.env.PORT ?? 8080));
  console.log(`nnwasm demo: ${url}  (Ctrl-C to stop)`);
}
