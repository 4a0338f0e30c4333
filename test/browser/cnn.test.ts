/**
 * A CNN, and a recurrent model, trained in Node and saved load in Chromium and predict the same
 * bits (baseline build). The recurrent model (LSTM → TemporalDropout → GRU → Dense, reading each
 * image row by row) is put through the same checks as the CNN below.
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
const KINDS = ['cnn', 'rnn'] as const;
type Kind = (typeof KINDS)[number];
const OPTS: Record<Kind, CnnOptions> = { cnn: { seed: 1, epochs: 60 }, rnn: { seed: 2, epochs: 40, model: 'rnn' } };

interface CnnPage {
  trainCnn(o: CnnOptions): Promise<CnnTrained>;
  predictSavedCnn(saved: number[], backend: BackendName, kind: Kind): Promise<CnnPredictions>;
}

let bundler: SourceBundler, server: StaticServer, browser: Chromium, tab: WatchedPage;
const node = {} as Record<Kind, CnnTrained>;
const nodePredictions = { cnn: {}, rnn: {} } as Record<Kind, Record<BackendName, CnnPredictions>>;
const pagePredictions = { cnn: {}, rnn: {} } as Record<Kind, Record<BackendName, CnnPredictions>>;

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

  for (const kind of KINDS) {
    node[kind] = await trainCnn(nnwasm, OPTS[kind]);
    for (const backend of ['wasm', 'js'] as const) {
      nodePredictions[kind][backend] = await predictSavedCnn(nnwasm, node[kind].saved, backend, kind);
      pagePredictions[kind][backend] = await tab.page.evaluate(
        ([saved, b, k]) => (globalThis as unknown as CnnPage).predictSavedCnn(saved, b, k), [node[kind].saved, backend, kind] as const);
    }
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
    const model = nnwasm.Model.load(Uint8Array.from(node.cnn.saved), { backend: await nnwasm.createBackend('js') });
    const { LayerConv2D, LayerMaxPooling2D, LayerAveragePooling2D, LayerGlobalAveragePooling2D, LayerFlatten, LayerSpatialDropout2D } = nnwasm;
    for (const image of [LayerConv2D, LayerMaxPooling2D, LayerAveragePooling2D, LayerGlobalAveragePooling2D, LayerFlatten, LayerSpatialDropout2D])
      expect(model.layers.some((l) => l instanceof image), `${image.name} in ${model.layers.join(' → ')}`).toBe(true);
    expect(model.layers.filter((l) => l instanceof LayerConv2D).map((l) => (l as InstanceType<typeof LayerConv2D>).strides)).toEqual([[1, 1], [2, 2]]);
    model.dispose();
  });

  it('(the recurrent model: saved with its LSTM, temporal dropout and GRU)', async () => {
    const model = nnwasm.Model.load(Uint8Array.from(node.rnn.saved), { backend: await nnwasm.createBackend('js') });
    expect(model.layers.map(String).slice(0, 3)).toEqual(['LayerLSTM(12)', 'LayerTemporalDropout(0.1)', 'LayerGRU(8)']);
    model.dispose();
  });
});

describe.each(KINDS)('the %s trained in Node on the baseline build', (kind) => {
  it('has learned (well above the chance of 1/3), so the bits compared are those of a real model', () => {
    expect(node[kind].variant).toBe('wasm-simd');
    expect(node[kind].loss).toBeLessThan(Math.log(3) - 0.3);
    expect(node[kind].trainAccuracy).toBeGreaterThan(0.6);
    expect(node[kind].testAccuracy).toBeGreaterThan(0.5);
  });

  it('predicts nearly the same on the js backend as on wasm (the same model on both)', () => {
    const wasm = asFloats(nodePredictions[kind].wasm.bits), js = asFloats(nodePredictions[kind].js.bits);
    expect(js.length).toBe(30 * 3);
    let worst = 0;
    for (let i = 0; i < wasm.length; i++) worst = Math.max(worst, Math.abs(wasm[i] - js[i]));
    expect(worst).toBeLessThan(1e-4);
  });
});

describe.each(KINDS.flatMap((kind) => (['wasm', 'js'] as const).map((backend) => [kind, backend] as const)))('the saved %s loaded in Chromium on the %s backend', (kind, backend) => {
  it('run the same build as in Node', () => {
    expect(nodePredictions[kind][backend].variant).toBe(backend === 'wasm' ? 'wasm-simd' : 'js');
    expect(pagePredictions[kind][backend].variant).toBe(nodePredictions[kind][backend].variant);
  });

  it('predict the same bits as in Node', () => {
    const n = nodePredictions[kind][backend], c = pagePredictions[kind][backend];
    expect(c.bits, difference(n.bits, c.bits)).toEqual(n.bits);
    expect(c.sha256).toBe(n.sha256);
  });
});

describe.each(KINDS)('the same seeded training run of the %s in Chromium', (kind) => {
  let page: CnnTrained;
  beforeAll(async () => {
    page = await tab.page.evaluate((o) => (globalThis as unknown as CnnPage).trainCnn(o), OPTS[kind]);
    console.log(`the ${kind}'s ${OPTS[kind].epochs} epochs on 150 images: ${node[kind].ms.toFixed(0)} ms in Node, ${page.ms.toFixed(0)} ms in Chromium`);
  });

  it('trains on the same images with the same build', () => {
    expect(page.variant).toBe('wasm-simd');
    expect(page.dataSha256).toBe(node[kind].dataSha256);
  });

  it(`ends its epochs with the same SHA-256 over the weights, and saves the same bytes`, () => {
    expect(page.weightsSha256).toBe(node[kind].weightsSha256);
    expect(page.savedSha256).toBe(node[kind].savedSha256);
    expect([page.loss, page.trainAccuracy, page.testAccuracy]).toEqual([node[kind].loss, node[kind].trainAccuracy, node[kind].testAccuracy]);
  });
});

it('no page errors', () => expect(tab.errors).toEqual([]));
