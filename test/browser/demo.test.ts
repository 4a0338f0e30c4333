/**
 * The demo (examples/browser, `npm run demo`) in Chromium, used as a person would: it trains 200
 * epochs on wasm in its worker and shows it, starts, pauses and resets, measures JS against WASM,
 * and exchanges saved models with Node: a model trained in Node loads in the page and predicts
 * the same, bit for bit, and a model downloaded from the page loads in Node and does too.
 * A screenshot goes to test/artifacts/demo.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { createBackend, LayerDense, LossCategoricalCrossentropy, Model, OptimizerAdam } from '../../src/index.ts';
import { serveDemo } from '../../examples/browser/serve.ts';
import { BACKEND_OPTIONS, DEFAULTS, GRID, buildModel, regionGrid, spiralSets, type Hyperparameters } from '../../examples/browser/spiral.ts';
import type { EpochPoint } from '../../examples/browser/protocol.ts';
import { launchChromium, openPage, type Chromium, type WatchedPage } from './chromium.ts';
import { sha256Hex } from './scenario.ts';
import type { StaticServer } from '../../scripts/static-server.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = `${root}test/artifacts/`;
const WORK = `${root}test/.tmp/demo-${process.pid}/`;

/** the page's `demo` object, as far as the tests read it */
interface DemoState {
  params: Hyperparameters;
  variant: string;
  running: boolean;
  epoch: number;
  train: EpochPoint[];
  regions: Float32Array;
  speed?: { js: number; wasm: number };
}

let server: StaticServer, browser: Chromium, tab: WatchedPage, page: Page;

const demo = (): Promise<Omit<DemoState, 'regions'> & { regions: number[] }> =>
  page.evaluate(() => {
    const d = (globalThis as unknown as { demo: DemoState }).demo;
    return { ...d, train: d.train.slice(-1), regions: Array.from(d.regions) };
  });
const text = (selector: string) => page.locator(selector).innerText();
const regionsHash = (regions: ArrayLike<number>) => sha256Hex(new Uint8Array(Float32Array.from(regions).buffer));

/** set a number field and let the page react, as typing and leaving the field does */
async function setField(selector: string, value: string): Promise<void> {
  await page.fill(selector, value);
  await page.dispatchEvent(selector, 'change');
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  mkdirSync(WORK, { recursive: true });
  server = await serveDemo();
  browser = await launchChromium();
  tab = await openPage(browser, server.url);
  page = tab.page;
  // ready: a model exists and the JS-vs-WASM measurement the page starts with is done
  await page.waitForFunction(() => {
    const d = (globalThis as unknown as { demo?: DemoState }).demo;
    return d?.variant && d.speed;
  }, null, { timeout: 60_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(WORK, { recursive: true, force: true });
});

describe('the demo page', () => {
  it('trains 200 epochs on wasm in its worker and shows accuracy above chance', async () => {
    await setField('#epochs', '200');
    await page.waitForFunction(() => (globalThis as unknown as { demo: DemoState }).demo.params.epochs === 200);
    await page.click('#run');
    await page.waitForFunction(() => {
      const d = (globalThis as unknown as { demo: DemoState }).demo;
      return d.epoch === 200 && !d.running;
    }, null, { timeout: 60_000 });

    const state = await demo();
    expect(state.variant).toBe('wasm-simd');
    expect(page.workers()).toHaveLength(1);
    expect(await text('#epoch')).toBe('200');
    expect(await text('#run')).toBe('Done');
    expect(Number(await text('#accuracy'))).toBeGreaterThan(0.45); // chance is 1/3
    expect(Number(await text('#val-accuracy'))).toBeGreaterThan(0.45);
    expect(Number(await text('#loss'))).toBeLessThan(Math.log(3));
    expect(Number(await text('#ms'))).toBeGreaterThan(0);
  });

  it('draws decision regions for every class under the points, and both curves', async () => {
    const { regions } = await demo();
    const votes = [0, 0, 0];
    for (let i = 0; i < GRID * GRID; i++) {
      const p = regions.slice(3 * i, 3 * i + 3);
      votes[p.indexOf(Math.max(...p))]++;
    }
    for (const share of votes) expect(share / (GRID * GRID)).toBeGreaterThan(0.05);

    const pixels = await page.evaluate(() => {
      const count = (id: string, test: (r: number, g: number, b: number) => boolean) => {
        const canvas = document.getElementById(id) as HTMLCanvasElement;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && test(data[i], data[i + 1], data[i + 2])) n++;
        return n / (canvas.width * canvas.height);
      };
      return {
        tinted: count('regions', (r, g, b) => Math.max(r, g, b) - Math.min(r, g, b) > 20),
        // the points' own colours, at full strength
        points: count('regions', (r, g, b) => (r === 228 && g === 87 && b === 46) || (r === 23 && g === 163 && b === 95) || (r === 46 && g === 120 && b === 222)),
        lossCurve: count('loss-chart', (r, g, b) => r === 53 && g === 89 && b === 214),
        accuracyCurve: count('accuracy-chart', (r, g, b) => r === 53 && g === 89 && b === 214),
        validationCurve: count('accuracy-chart', (r, g, b) => r === 224 && g === 138 && b === 30),
      };
    });
    expect(pixels.tinted).toBeGreaterThan(0.5);
    expect(pixels.points).toBeGreaterThan(0.005);
    expect(pixels.lossCurve).toBeGreaterThan(0.001);
    expect(pixels.accuracyCurve).toBeGreaterThan(0.001);
    expect(pixels.validationCurve).toBeGreaterThan(0.001);
    await page.screenshot({ path: `${ARTIFACTS}demo.png`, fullPage: true });
  });

  it('trains on to a clean spiral, exactly as the same run in Node does', async () => {
    await setField('#epochs', '3000');
    await page.waitForFunction(() => (globalThis as unknown as { demo: DemoState }).demo.params.epochs === 3000);
    await page.click('#run');
    await page.waitForFunction(() => {
      const d = (globalThis as unknown as { demo: DemoState }).demo;
      return d.epoch === 3000 && !d.running;
    }, null, { timeout: 90_000 });
    const inPage = (await demo()).train.at(-1)!;
    await page.screenshot({ path: `${ARTIFACTS}demo-3000-epochs.png`, fullPage: true });

    const model = buildModel(await createBackend('wasm', { ...BACKEND_OPTIONS, seed: DEFAULTS.seed }), { ...DEFAULTS, epochs: 3000 });
    const { train } = spiralSets();
    const inNode = model.fit(train.X, train.y, { epochs: 3000 }).epochs.at(-1)!;
    model.dispose();
    expect(inPage).toEqual({ epoch: 3000, loss: inNode.loss, accuracy: inNode.accuracy });
    expect(inPage.accuracy).toBeGreaterThan(0.85);
  });

  it('shows JS and WASM speed side by side', async () => {
    for (const id of ['#speed-js', '#speed-wasm']) expect(await text(id)).toMatch(/^\d+(\.\d+)? ms\/epoch$/);
    expect(await text('#speedup')).toMatch(/^(WASM|JS) \d+(\.\d+)?× faster \(hidden 128\)$/);
  });

  it('pauses, resumes and resets', async () => {
    await setField('#epochs', '1000000');
    await page.click('#run');
    await page.waitForFunction(() => (globalThis as unknown as { demo: DemoState }).demo.epoch > 200);
    await page.click('#run');
    await page.waitForFunction(() => !(globalThis as unknown as { demo: DemoState }).demo.running);
    const paused = (await demo()).epoch;
    await page.waitForTimeout(300);
    expect((await demo()).epoch).toBe(paused);
    expect(await text('#run')).toBe('Resume');

    await page.click('#reset');
    await page.waitForFunction(() => (globalThis as unknown as { demo: DemoState }).demo.epoch === 0);
    // the page draws on the next animation frame, after the state has changed
    await page.waitForFunction(() => document.querySelector('#epoch')?.textContent === '0', null, { timeout: 5_000 }).catch(() => undefined);
    expect(await text('#epoch')).toBe('0');
    expect(await text('#run')).toBe('Start');
  });

  it('trains on the js backend when asked', async () => {
    await page.check('input[name=backend][value=js]');
    await setField('#epochs', '20');
    // both restarts (backend, then epochs) have come back before Start is clicked, as in the tests above
    await page.waitForFunction(() => {
      const d = (globalThis as unknown as { demo: DemoState }).demo;
      return d.variant === 'js' && d.params.epochs === 20 && d.epoch === 0 && !d.running;
    });
    await page.click('#run');
    await page.waitForFunction(() => (globalThis as unknown as { demo: DemoState }).demo.epoch === 20, null, { timeout: 60_000 });
    expect(await text('#variant')).toBe('(js)');
    await page.check('input[name=backend][value=wasm]');
    await page.waitForFunction(() => (globalThis as unknown as { demo: DemoState }).demo.variant === 'wasm-simd');
  });
});

describe('saved models between Node and the page', () => {
  const params: Hyperparameters = { ...DEFAULTS, hidden: 32, dropout: 0.2, l2: 1e-4, learningRate: 0.02, seed: 5 };
  const grid = regionGrid();

  it('a model trained in Node loads in the page and predicts the same, bit for bit', async () => {
    const backend = await createBackend('wasm', { ...BACKEND_OPTIONS, seed: params.seed });
    const model = buildModel(backend, params);
    const { train } = spiralSets();
    model.fit(train.X, train.y, { epochs: 150 });
    const file = `${WORK}trained-in-node.nnwasm`;
    writeFileSync(file, model.save());
    const nodeRegions = model.predict(grid).data;
    model.dispose();

    await page.setInputFiles('#file', file);
    await page.waitForFunction(() => document.getElementById('source')!.textContent!.includes('trained-in-node.nnwasm'));
    const state = await demo();
    expect(state.epoch).toBe(150);
    expect(state.params).toMatchObject({ hidden: 32, dropout: 0.2, l2: 1e-4, learningRate: 0.02 });
    expect(await page.locator('output[for=hidden]').innerText()).toBe('32');
    expect(state.regions.slice(0, 6)).toEqual(Array.from(nodeRegions.subarray(0, 6)));
    expect(await regionsHash(state.regions)).toBe(await regionsHash(nodeRegions));
  });

  it('a model downloaded from the page loads in Node and predicts the same, bit for bit', async () => {
    await setField('#epochs', '180'); // a fresh model, trained in the page this time
    await page.waitForFunction(() => (globalThis as unknown as { demo: DemoState }).demo.params.epochs === 180);
    await page.click('#run');
    await page.waitForFunction(() => (globalThis as unknown as { demo: DemoState }).demo.epoch === 180, null, { timeout: 60_000 });
    const pageRegions = (await demo()).regions;

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toMatch(/^spiral-\d+-epoch180\.nnwasm$/);
    const file = `${WORK}${download.suggestedFilename()}`;
    await download.saveAs(file);
    const backend = await createBackend('wasm', { ...BACKEND_OPTIONS });
    const loaded = Model.load(readFileSync(file), { backend });
    expect(await regionsHash(loaded.predict(grid).data)).toBe(await regionsHash(pageRegions));
    loaded.dispose();
  });

  it('refuses a model that is not a spiral model, and keeps its own', async () => {
    const before = await demo();
    const backend = await createBackend('js');
    const other = new Model({ backend })
      .add(new LayerDense(4, 3, { backend }))
      .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerAdam({ backend }) });
    const file = `${WORK}four-inputs.nnwasm`;
    writeFileSync(file, other.save());
    await page.setInputFiles('#file', file);
    await page.waitForFunction(() => document.getElementById('message')!.textContent !== '');
    expect(await text('#message')).toBe('four-inputs.nnwasm is not a spiral model: this page draws 2 inputs and 3 classes');
    expect(await regionsHash((await demo()).regions)).toBe(await regionsHash(before.regions));
  });

  it('had no page errors', () => expect(tab.errors).toEqual([]));
});
