/**
 * "The same model in both environments", literally: one seeded chapter-15 run (50 epochs, full
 * batch, dropout on) trained in Node and in Chromium ends with bit-identical weights, on the
 * baseline SIMD build and on the js backend alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import * as nnwasm from '../../src/index.ts';
import { chapter15, type ScenarioOptions, type ScenarioResult } from './scenario.ts';
import { launchChromium, openPage, type Chromium, type WatchedPage } from './chromium.ts';
import { serveStatic, type StaticServer } from '../../scripts/static-server.ts';
import { sourceBundler, type SourceBundler } from '../../scripts/source-bundler.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const EPOCHS = 50;

let bundler: SourceBundler, server: StaticServer, browser: Chromium, tab: WatchedPage;

beforeAll(async () => {
  bundler = await sourceBundler({ scenario: `${here}pages/scenario-page.ts` });
  const bundle = await bundler.build();
  server = await serveStatic({
    root: here,
    generated: async (path) => (path === '/index.html' ? '<!doctype html><link rel="icon" href="data:,"><script type="module" src="/scenario.js"></script>' : bundle.get(path)),
  });
  browser = await launchChromium();
  tab = await openPage(browser, server.url);
  await tab.page.waitForFunction(() => 'runChapter15' in globalThis);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await bundler?.dispose();
});

const inChromium = (opts: ScenarioOptions): Promise<ScenarioResult> =>
  tab.page.evaluate((o) => (globalThis as unknown as { runChapter15(o: ScenarioOptions): Promise<ScenarioResult> }).runChapter15(o), opts);

describe.each(['wasm', 'js'] as const)('the %s backend, Node vs Chromium', (backend) => {
  const opts: ScenarioOptions = { backend, seed: 7, epochs: EPOCHS };
  let node: ScenarioResult, chromium: ScenarioResult;

  beforeAll(async () => {
    [node, chromium] = await Promise.all([chapter15(nnwasm, opts), inChromium(opts)]);
  });

  it('runs the same build in both', () => {
    expect(node.variant).toBe(backend === 'wasm' ? 'wasm-simd' : 'js');
    expect(chromium.variant).toBe(node.variant);
  });

  it(`ends ${EPOCHS} seeded epochs with the same SHA-256 over the weights`, () => {
    expect(chromium.weightsSha256).toBe(node.weightsSha256);
  });

  it('predicts the same, bit for bit', () => {
    expect(chromium.firstPredictions).toEqual(node.firstPredictions);
    expect(chromium.predictionsSha256).toBe(node.predictionsSha256);
  });

  it('has learned something (so the hashes are of a real run)', () => {
    expect(node.finalLoss).toBeLessThan(Math.log(3) - 0.05);
    expect(node.validationAccuracy).toBeGreaterThan(0.45);
  });

  it('hashes what the seed decides: another seed gives other weights', async () => {
    const other = await inChromium({ ...opts, seed: 8, epochs: 2 });
    const same = await inChromium({ ...opts, epochs: 2 });
    expect(other.weightsSha256).not.toBe(same.weightsSha256);
  });
});

it('no page errors', () => expect(tab.errors).toEqual([]));
