/**
 * nnwasm/browser's TF.js layers-model helpers in Chromium: loadTfjsLayers reads the committed
 * converter-style folder (model.json + two shards) from a URL and from picked files and predicts
 * TF.js's prediction; downloadTfjsLayers offers name.json + name.weights.bin as TF.js's
 * downloads:// does, and Node's loadTfjsLayers reads the two files back to the same prediction.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as nn from '../../src/index.ts';
import { loadTfjsLayers } from '../../src/io/node.ts';
import { launchChromium, openPage, type Chromium, type WatchedPage } from './chromium.ts';
import { serveStatic, type StaticServer } from '../../scripts/static-server.ts';
import { sourceBundler, type SourceBundler } from '../../scripts/source-bundler.ts';
import { expectClose } from '../helpers.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/tfjs-sharded/', import.meta.url));
const WORK = fileURLToPath(new URL(`../.tmp/interop-${process.pid}/`, import.meta.url));

interface InteropPage {
  importFromUrl(): Promise<{ ours: number[]; theirs: number[] }>;
  importFromFiles(): Promise<number[]>;
  downloadTiny(): Promise<number[]>;
}
const call = <K extends keyof InteropPage>(name: K) => tab.page.evaluate((n) => (globalThis as unknown as Record<string, () => unknown>)[n](), name) as ReturnType<InteropPage[K]>;

let bundler: SourceBundler, server: StaticServer, browser: Chromium, tab: WatchedPage;

beforeAll(async () => {
  mkdirSync(WORK, { recursive: true });
  bundler = await sourceBundler({ interop: `${here}pages/interop-page.ts` });
  const bundle = await bundler.build();
  server = await serveStatic({
    root: here,
    generated: async (path) => {
      if (path === '/index.html') return '<!doctype html><link rel="icon" href="data:,"><script type="module" src="/interop.js"></script>';
      if (path.startsWith('/fixture/')) return new Uint8Array(readFileSync(fixture + path.slice('/fixture/'.length)));
      return bundle.get(path);
    },
  });
  browser = await launchChromium();
  tab = await openPage(browser, server.url);
  await tab.page.waitForFunction(() => 'downloadTiny' in globalThis);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await bundler?.dispose();
  rmSync(WORK, { recursive: true, force: true });
});

it("loadTfjsLayers(url) reads the converter's shards beside model.json and predicts TF.js's prediction", async () => {
  const { ours, theirs } = await call('importFromUrl');
  expectClose(ours, theirs, 1e-5, 'the page on the sharded fixture');
});

it('loadTfjsLayers(files) reads the same folder from picked files, in any order', async () => {
  const { theirs } = await call('importFromUrl');
  expectClose(await call('importFromFiles'), theirs, 1e-5, 'picked files');
});

it('downloadTfjsLayers offers tiny.json and tiny.weights.bin, which Node reads back to the same prediction', async () => {
  const downloads: { name: string; path: string }[] = [];
  const done = new Promise<void>((resolve) => {
    tab.page.on('download', async (d) => {
      const path = WORK + d.suggestedFilename();
      await d.saveAs(path);
      downloads.push({ name: d.suggestedFilename(), path });
      if (downloads.length === 2) resolve();
    });
  });
  const inPage = await call('downloadTiny');
  await done;
  expect(downloads.map((d) => d.name).sort()).toEqual(['tiny.json', 'tiny.weights.bin']);
  const backend = await nn.createBackend('wasm');
  const model = await loadTfjsLayers(`${WORK}tiny.json`, { backend });
  expect(Array.from(model.predict([[0.1, 0.2, 0.3]]).data)).toEqual(inPage);
  model.dispose();
});

it('no page errors', () => expect(tab.errors).toEqual([]));
