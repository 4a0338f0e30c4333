/**
 * The package as a user gets it: the current source is built (scripts/build-dist.ts) and packed
 * with `npm pack`, the tarball is unpacked into a consumer folder's node_modules, and then
 * - Node imports it by name, and its .d.ts type-checks a user's code with no Node types,
 * - esbuild and Vite bundle a page that trains with it, with no configuration, and
 * - a plain <script type="module"> page loads dist/ straight from node_modules, with no bundler,
 * and each of those predicts in Chromium exactly what Node predicts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build as esbuild, transformSync } from 'esbuild';
import { build as viteBuild } from 'vite';
import { buildDist } from '../../scripts/build-dist.ts';
import { serveStatic, type StaticServer } from '../../scripts/static-server.ts';
import { launchChromium, openPage, type Chromium } from './chromium.ts';
import { chapter15, type NnwasmModule, type ScenarioOptions, type ScenarioResult } from './scenario.ts';
import * as source from '../../src/index.ts';
import * as nodeSource from '../../src/io/node.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const here = `${root}test/browser/`;
const work = `${root}test/.tmp/package-${process.pid}/`;
const consumer = `${work}consumer/`;
const RUN = { seed: 3, epochs: 20, hidden: 64 };
const BACKENDS = ['wasm', 'js'] as const;
const HEAD = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">';

let packedFiles: string[];
/** the modules each bundler took in */
const bundled: Record<'esbuild' | 'vite', string[]> = { esbuild: [], vite: [] };
let node: Record<(typeof BACKENDS)[number], ScenarioResult>;
let server: StaticServer, browser: Chromium;

const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const write = (path: string, text: string) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
};

beforeAll(async () => {
  rmSync(work, { recursive: true, force: true });
  const pkg = `${work}pkg/`;
  mkdirSync(pkg, { recursive: true });
  for (const file of ['package.json', 'README.md']) copyFileSync(`${root}${file}`, `${pkg}${file}`);
  buildDist(`${pkg}dist`);
  const [packed] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], pkg)) as { filename: string; files: { path: string }[] }[];
  packedFiles = packed.files.map((f) => f.path);
  mkdirSync(`${consumer}node_modules/nnwasm`, { recursive: true });
  run('tar', ['-xzf', `${work}${packed.filename}`, '-C', `${consumer}node_modules/nnwasm`, '--strip-components=1'], work);
  // what `npm install nnwasm` would add beside it: its one runtime dependency
  cpSync(`${root}node_modules/@assemblyscript/loader`, `${consumer}node_modules/@assemblyscript/loader`, { recursive: true });

  // the consumer: the scenario page (as in the repo), and what each way of loading it needs
  write(`${consumer}package.json`, JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  copyFileSync(`${here}scenario.ts`, `${consumer}scenario.ts`);
  write(`${consumer}scenario.js`, transformSync(readFileSync(`${here}scenario.ts`, 'utf8'), { loader: 'ts', format: 'esm' }).code);
  for (const file of ['scenario-page.ts', 'typecheck.ts']) write(`${consumer}pages/${file}`, readFileSync(`${here}pages/${file}`, 'utf8'));
  write(`${consumer}index.html`, `${HEAD}<script type="module" src="./pages/scenario-page.ts"></script>`);
  write(`${consumer}esbuild.html`, `${HEAD}<script type="module" src="./esbuild-dist/scenario-page.js"></script>`);
  write(`${consumer}plain.html`, `${HEAD}<script type="importmap">{ "imports": { "@assemblyscript/loader": "./node_modules/@assemblyscript/loader/index.js" } }</script>
<script type="module">
import * as nnwasm from './node_modules/nnwasm/dist/index.js';
import { chapter15 } from './scenario.js';
globalThis.runChapter15 = (opts) => chapter15(nnwasm, opts);
</script>`);

  // a consumer tsconfig of its own, or the bundlers would find the repo's (whose paths map nnwasm to src/)
  write(`${consumer}tsconfig.json`, JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler' } }));

  const esbuilt = await esbuild({ absWorkingDir: consumer, entryPoints: ['pages/scenario-page.ts'], bundle: true, format: 'esm', platform: 'browser', outdir: 'esbuild-dist', metafile: true, logLevel: 'error' });
  bundled.esbuild = Object.keys(esbuilt.metafile.inputs);
  await viteBuild({
    root: consumer, base: './', configFile: false, logLevel: 'error', build: { outDir: 'vite-dist', target: 'es2022' },
    plugins: [{ name: 'record-modules', transform(_code, id) { bundled.vite.push(id); } }],
  });

  const nnFromPackage = (await import(pathToFileURL(`${consumer}node_modules/nnwasm/dist/index.js`).href)) as NnwasmModule;
  node = {
    wasm: await chapter15(nnFromPackage, { backend: 'wasm', ...RUN }),
    js: await chapter15(nnFromPackage, { backend: 'js', ...RUN }),
  };
  server = await serveStatic({ root: consumer });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the compiled modules, their types and the wasm builds, and no sources', () => {
    for (const file of ['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/backend/create.js', 'dist/backend/wasmBytes.js', 'dist/wasm/nnwasm.wasm', 'dist/wasm/nnwasm-relaxed.wasm'])
      expect(packedFiles).toContain(file);
    expect(packedFiles.filter((f) => /^(src|test|assembly|build|scripts)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
  });

  it('holds every file its `exports` name', () => {
    const exportsMap = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).exports as Record<string, string | Record<string, string>>;
    const targets = Object.values(exportsMap).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)));
    const missing = targets.filter((t) => !t.includes('*')).map((t) => t.replace(/^\.\//, '')).filter((t) => !packedFiles.includes(t));
    expect(targets.length).toBeGreaterThan(3);
    expect(missing).toEqual([]);
  });

  it('embeds exactly the bytes of build/*.wasm', async () => {
    const embedded = await import(pathToFileURL(`${consumer}node_modules/nnwasm/dist/backend/wasmBytes.js`).href);
    expect(embedded.baselineWasm).toBe(readFileSync(`${root}build/nnwasm.wasm`).toString('base64'));
    expect(embedded.relaxedWasm).toBe(readFileSync(`${root}build/nnwasm-relaxed.wasm`).toString('base64'));
  });

  it('is imported by name in Node, through `exports`, with every export of the source (and nnwasm/node)', () => {
    const script = `
      const nn = await import('nnwasm');
      const files = await import('nnwasm/node');
      const wasmDir = new URL('./', import.meta.resolve('nnwasm/wasm/nnwasm.wasm'));
      const fetched = await nn.createBackend('wasm', { simd: 'baseline', wasmUrl: wasmDir });
      const embedded = await nn.createBackend('wasm');
      console.log(JSON.stringify({ exports: Object.keys(nn).sort(), nodeExports: Object.keys(files).sort(), fetched: fetched.variant, embedded: embedded.variant, resolved: import.meta.resolve('nnwasm') }));`;
    const out = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script], consumer));
    expect(out.resolved).toBe(pathToFileURL(`${consumer}node_modules/nnwasm/dist/index.js`).href);
    expect(out.exports).toEqual(Object.keys(source).sort());
    expect(out.nodeExports).toEqual(Object.keys(nodeSource).sort());
    expect(out.nodeExports).toContain('saveModelFile');
    expect(out.fetched).toBe('wasm-simd');
    expect(out.embedded).toBe('wasm-simd'); // Node 20 rejects relaxed SIMD without a flag
  });

  it.each(['Bundler', 'NodeNext'])('types a user’s code under moduleResolution %s, strict, without skipLibCheck or @types/node', (resolution) => {
    const config = `${consumer}tsconfig.${resolution}.json`;
    write(config, JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, types: [], target: 'ES2022', lib: ['ES2022', 'DOM'], module: resolution === 'Bundler' ? 'ESNext' : 'NodeNext', moduleResolution: resolution },
      files: ['pages/typecheck.ts'],
    }));
    let output = '';
    try {
      run(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', config], consumer);
    } catch (err) {
      output = String((err as { stdout?: string }).stdout) || String(err);
    }
    expect(output).toBe('');
  });

  it('the Node results are of a real run', () => {
    expect(node.wasm.variant).toBe('wasm-simd');
    expect(node.wasm.validationAccuracy).toBeGreaterThan(0.4);
    // the backends sum in different orders, so their weights differ: the checks below can tell
    expect(node.js.weightsSha256).not.toBe(node.wasm.weightsSha256);
  });
});

const bundles = {
  esbuild: { page: 'esbuild.html', files: () => ['esbuild-dist/scenario-page.js'] },
  vite: { page: 'vite-dist/index.html', files: () => readdirSync(`${consumer}vite-dist/assets`).filter((f) => f.endsWith('.js')).map((f) => `vite-dist/assets/${f}`) },
};

describe.each(Object.keys(bundles) as (keyof typeof bundles)[])('an %s bundle of the scenario page', (bundler) => {
  it('takes nnwasm from the package’s dist/ and pulls in no Node built-in', () => {
    expect(bundled[bundler].filter((id) => id.includes('node_modules/nnwasm/dist/index.js'))).toHaveLength(1);
    expect(bundled[bundler].filter((id) => id.includes('/src/'))).toEqual([]);
    const code = bundles[bundler].files().map((f) => readFileSync(`${consumer}${f}`, 'utf8')).join('\n');
    expect(code).toContain('runChapter15');
    expect(code.match(/(from\s*|import\s*\(\s*|require\s*\(\s*)["'](node:)?(fs|path|url|crypto|module)(\/[a-z]+)?["']/g) ?? []).toEqual([]);
  });

  it('predicts in Chromium exactly what Node predicts, on wasm and on js', async () => {
    const results = await inChromium(bundles[bundler].page, BACKENDS.map((backend) => ({ backend, ...RUN })));
    for (const [i, backend] of BACKENDS.entries()) {
      expect(results.results[i].variant).toBe(node[backend].variant);
      expect(results.results[i].firstPredictions).toEqual(node[backend].firstPredictions);
      expect(results.results[i].predictionsSha256).toBe(node[backend].predictionsSha256);
      expect(results.results[i].weightsSha256).toBe(node[backend].weightsSha256);
    }
    expect(results.errors).toEqual([]);
  });
});

describe('a plain <script type="module"> page, no bundler', () => {
  it('predicts exactly what Node predicts with the embedded builds, or fetching them with wasmUrl', async () => {
    const wasmUrl = './node_modules/nnwasm/dist/wasm/';
    const { results, errors } = await inChromium('plain.html', [
      { backend: 'wasm', ...RUN },
      { backend: 'js', ...RUN },
      { backend: 'wasm', ...RUN, backendOptions: { wasmUrl } },
    ]);
    expect(results.map((r) => r.predictionsSha256)).toEqual([node.wasm, node.js, node.wasm].map((r) => r.predictionsSha256));
    expect(results[2].weightsSha256).toBe(node.wasm.weightsSha256);
    expect(errors).toEqual([]);
  });

  it("picks the relaxed-SIMD build in Chromium under simd: 'auto', embedded or fetched", async () => {
    const { results, errors } = await inChromium('plain.html', [
      { backend: 'wasm', ...RUN, epochs: 1, backendOptions: { simd: 'auto' } },
      { backend: 'wasm', ...RUN, epochs: 1, backendOptions: { simd: 'auto', wasmUrl: './node_modules/nnwasm/dist/wasm/' } },
    ]);
    expect(results.map((r) => r.variant)).toEqual(['wasm-relaxed-simd', 'wasm-relaxed-simd']);
    expect(errors).toEqual([]);
  });
});

/** open `page` of the consumer and run the scenario there once per options, in order */
async function inChromium(page: string, runs: ScenarioOptions[]): Promise<{ results: ScenarioResult[]; errors: string[] }> {
  const tab = await openPage(browser, `${server.url}${page}`);
  try {
    await tab.page.waitForFunction(() => 'runChapter15' in globalThis);
    const results = await tab.page.evaluate(async (all) => {
      const results: ScenarioResult[] = [];
      for (const opts of all) results.push(await (globalThis as unknown as { runChapter15(o: ScenarioOptions): Promise<ScenarioResult> }).runChapter15(opts));
      return results;
    }, runs);
    return { results, errors: tab.errors };
  } finally {
    await tab.page.close();
  }
}
