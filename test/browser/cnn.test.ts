/**
 * A CNN trained in Node and saved loads in Chromium and predicts the same bits (baseline build).
 * The model (test/browser/scenario.ts, cnnModel) uses every image layer: Conv2D, MaxPooling2D,
 * SpatialDropout2D, a strided Conv2D, AveragePooling2D, GlobalAveragePooling2D and Flatten, then
 * Dense and Softmax. It is trained in Node on the baseline wasm build over seeded blurred shapes,
 * saved, and its bytes are loaded in the page on the baseline wasm build and on the js backend; the
 * predictions must equal Node's for the same bytes on the same backend, bit for bit. The same
 * seeded training run in the page must end with the same weights (and the same saved bytes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import * as nnwasm from '../../src/index.ts';
import { predictSavedCnn, trainCnn, type CnnOptions, type CnnPredictions, type CnnTrained } from './scenario.ts';
import { launchChromium, openPage, type Chromium, type WatchedPage } from './chromium.ts';
import { serveStatic, type StaticServer } from '../../scripts/static-server.ts';
import { sourceBundler, type SourceBundler } from '../../scripts/source-bundler.ts';
import type { BackendName } from '../../src/index.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const OPTS: CnnOptions = { seed: 1, epochs: 60 };

interface CnnPage {
  trainCnn(o: CnnOptions): Promise<CnnTrained>;
  predictSavedCnn(saved: number[], backend: BackendName): Promise<CnnPredictions>;
}

let bundler: SourceBundler, server: StaticServer, browser: Chromium, tab: WatchedPage;
let node: CnnTrained;
const nodePredictions = {} as Record<BackendName, CnnPredictions>;
const pagePredictions = {} as Record<BackendName, CnnPredictions>;

beforeAll(async () => {
  bundler = await sourceBundler({ cnn: `${here}pages/cnn-page.ts` });
  const bundle = await bundler.build();
  server = await serveStatic({
    root: here,
    generated: async (path) => (path === '/index.html' ? '<!doctype html><link rel="icon" href="data:,"><script type="module" src="/cnn.js"></script>' : bundle.get(path)),
  });
  browser = await launchChromium();
  tab = await openPage(browser, server.url);
  await tab.page.waitForFunction(() => 'predictSavedCnn' in globalThis);

  node = await trainCnn(nnwasm, OPTS);
  for (const backend of ['wasm', 'js'] as const) {
    nodePredictions[backend] = await predictSavedCnn(nnwasm, node.saved, backend);
    pagePredictions[backend] = await tab.page.evaluate(
      ([saved, b]) => (globalThis as unknown as CnnPage).predictSavedCnn(saved, b), [node.saved, backend] as const);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await bundler?.dispose();
});

const asFloats = (bits: readonly number[]) => new Float32Array(Uint32Array.from(bits).buffer);

/** how two runs of bit patterns differ: how many values, and the first few as numbers and as bits */
function difference(expected: readonly number[], actual: readonly number[]): string {
  const e = asFloats(expected), a = asFloats(actual);
  const hex = (b: number) => `0x${(b >>> 0).toString(16).padStart(8, '0')}`;
  const lines = [`Node has ${e.length} outputs, Chromium ${a.length}`, `first values, Node: ${Array.from(e.subarray(0, 6)).join(', ')}`, `first values, Chromium: ${Array.from(a.subarray(0, 6)).join(', ')}`];
  let differing = 0;
  for (let i = 0; i < Math.max(e.length, a.length); i++)
    if (expected[i] !== actual[i] && differing++ < 5) lines.push(`  [${i}] Node ${e[i]} (${hex(expected[i])}) vs Chromium ${a[i]} (${hex(actual[i])})`);
  return `${differing} of the float32 outputs differ in their bits\n${lines.join('\n')}`;
}

describe('the CNN trained in Node on the baseline build', () => {
  it('is saved with every image layer in it', async () => {
    const model = nnwasm.Model.load(Uint8Array.from(node.saved), { backend: await nnwasm.createBackend('js') });
    const { LayerConv2D, LayerMaxPooling2D, LayerAveragePooling2D, LayerGlobalAveragePooling2D, LayerFlatten, LayerSpatialDropout2D } = nnwasm;
    for (const image of [LayerConv2D, LayerMaxPooling2D, LayerAveragePooling2D, LayerGlobalAveragePooling2D, LayerFlatten, LayerSpatialDropout2D])
      expect(model.layers.some((l) => l instanceof image), `${image.name} in ${model.layers.join(' → ')}`).toBe(true);
    expect(model.layers.filter((l) => l instanceof LayerConv2D).map((l) => (l as InstanceType<typeof LayerConv2D>).strides)).toEqual([[1, 1], [2, 2]]);
    model.dispose();
  });

  it('has learned (well above the chance of 1/3), so the bits compared are those of a real model', () => {
    expect(node.variant).toBe('wasm-simd');
    expect(node.loss).toBeLessThan(Math.log(3) - 0.3);
    expect(node.trainAccuracy).toBeGreaterThan(0.6);
    expect(node.testAccuracy).toBeGreaterThan(0.5);
  });

  it('predicts nearly the same on the js backend as on wasm (the same model on both)', () => {
    const wasm = asFloats(nodePredictions.wasm.bits), js = asFloats(nodePredictions.js.bits);
    expect(js.length).toBe(30 * 3);
    let worst = 0;
    for (let i = 0; i < wasm.length; i++) worst = Math.max(worst, Math.abs(wasm[i] - js[i]));
    expect(worst).toBeLessThan(1e-4);
  });
});

describe.each(['wasm', 'js'] as const)('the saved bytes loaded in Chromium on the %s backend', (backend) => {
  it('run the same build as in Node', () => {
    expect(nodePredictions[backend].variant).toBe(backend === 'wasm' ? 'wasm-simd' : 'js');
    expect(pagePredictions[backend].variant).toBe(nodePredictions[backend].variant);
  });

  it('predict the same bits as in Node', () => {
    const n = nodePredictions[backend], c = pagePredictions[backend];
    expect(c.bits, difference(n.bits, c.bits)).toEqual(n.bits);
    expect(c.sha256).toBe(n.sha256);
  });
});

describe('the same seeded training run in Chromium', () => {
  let page: CnnTrained;
  beforeAll(async () => {
    page = await tab.page.evaluate((o) => (globalThis as unknown as CnnPage).trainCnn(o), OPTS);
    console.log(`the CNN's ${OPTS.epochs} epochs on 150 images: ${node.ms.toFixed(0)} ms in Node, ${page.ms.toFixed(0)} ms in Chromium`);
  });

  it('trains on the same images with the same build', () => {
    expect(page.variant).toBe('wasm-simd');
    expect(page.dataSha256).toBe(node.dataSha256);
  });

  it(`ends ${OPTS.epochs} epochs with the same SHA-256 over the weights, and saves the same bytes`, () => {
    expect(page.weightsSha256).toBe(node.weightsSha256);
    expect(page.savedSha256).toBe(node.savedSha256);
    expect([page.loss, page.trainAccuracy, page.testAccuracy]).toEqual([node.loss, node.trainAccuracy, node.testAccuracy]);
  });
});

it('no page errors', () => expect(tab.errors).toEqual([]));
