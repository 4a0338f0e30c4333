// The TF.js layers-model helpers of nnwasm/browser on the page; test/browser/interop.test.ts calls them.
import * as nn from 'nnwasm';
import { downloadTfjsLayers, loadTfjsLayers } from '../../../src/io/browser.ts';

const FIXTURE = '/fixture/';

/** the committed converter-style folder: its input and TF.js's prediction */
async function expected(): Promise<{ input: { shape: number[]; values: number[] }; prediction: number[][] }> {
  return (await fetch(`${FIXTURE}expected.json`)).json();
}

async function predictWith(model: nn.Sequential): Promise<number[]> {
  const { input } = await expected();
  model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
  const out = Array.from(model.predict(new nn.Matrix(Float32Array.from(input.values), input.shape)).data);
  model.dispose();
  return out;
}

Object.assign(globalThis, {
  /** the fixture through loadTfjsLayers(url): model.json and its two shards fetched beside it */
  async importFromUrl(): Promise<{ ours: number[]; theirs: number[] }> {
    const backend = await nn.createBackend('wasm');
    const ours = await predictWith(await loadTfjsLayers(`${FIXTURE}model.json`, { backend }));
    return { ours, theirs: (await expected()).prediction.flat() };
  },
  /** the fixture through loadTfjsLayers(files), as an <input type=file multiple> gives them (in another order) */
  async importFromFiles(): Promise<number[]> {
    const backend = await nn.createBackend('wasm');
    const names = ['group1-shard2of2.bin', 'model.json', 'group1-shard1of2.bin'];
    const files = await Promise.all(names.map(async (n) => new File([await (await fetch(FIXTURE + n)).arrayBuffer()], n)));
    return predictWith(await loadTfjsLayers(files, { backend }));
  },
  /** a small seeded model, offered as TF.js's downloads:// offers one; returns its prediction for [[0.1, 0.2, 0.3]] */
  async downloadTiny(): Promise<number[]> {
    const backend = await nn.createBackend('wasm', { seed: 3 });
    const model = nn.sequential({ backend, layers: [nn.layers.dense({ inputShape: [3], units: 4, activation: 'tanh' }), nn.layers.dense({ units: 2, activation: 'softmax' })] });
    model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
    downloadTfjsLayers(model, 'tiny');
    const out = Array.from(model.predict([[0.1, 0.2, 0.3]]).data);
    model.dispose();
    return out;
  },
});
