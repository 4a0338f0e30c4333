/**
 * Batch norms folded into the Dense or Conv2D before them at inference (src/folding.ts): predict
 * and evaluate equal the unfolded model's (compile's fuse: false) to 1e-5 relative on both
 * backends, follow the weights as training moves them, and leave training's bits alone.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.ts';
import { backends, expectClose, expectSame, freshBackend } from './helpers.ts';

const images = (n: number, seed: number) => {
  const rng = new nn.Rng(seed);
  return new nn.Matrix(Float32Array.from({ length: n * 8 * 8 * 2 }, () => rng.normal()), [n, 8, 8, 2]);
};
const labels = (n: number) => Array.from({ length: n }, (_, i) => i % 3);

/** Conv2D → BN → ReLU → pool → Conv2D → BN → Flatten → Dense → BN → ReLU → Dense(3) softmax */
function network(backend: nn.Backend) {
  return nn.sequential({ backend, layers: [
    nn.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, padding: 'same' }),
    nn.layers.batchNormalization({ momentum: 0.5 }),
    nn.layers.activation({ activation: 'relu' }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.conv2d({ filters: 5, kernelSize: 2, useBias: false }),
    nn.layers.batchNormalization({ momentum: 0.5, center: false }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 7 }),
    nn.layers.batchNormalization({ momentum: 0.5, scale: false }),
    nn.layers.activation({ activation: 'relu' }),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
}
const compileWith = (model: nn.Model, fuse: boolean) => model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: new nn.OptimizerAdam({ learningRate: 0.01, backend: model.backend }), fuse });

describe('batch norm folded away at inference', () => {
  it.each(backends())('%s: predict and evaluate equal the unfolded model to 1e-5 before and after more training', async (name) => {
    const backend = await freshBackend(name, 21);
    const model = network(backend);
    compileWith(model, true);
    const x = images(24, 3), y = labels(24);
    for (let round = 0; round < 2; round++) {
      await model.fit(x, y, { epochs: 2, batchSize: 8 });
      const folded = model.predict(x).data, evalFolded = model.evaluate(x, y);
      compileWith(model, false); // the same weights, no folding (nor fusion)
      const plain = model.predict(x).data, evalPlain = model.evaluate(x, y);
      expectClose(folded, plain, 1e-5, `${name} round ${round}: folded vs unfolded predict`);
      expect(Math.abs(evalFolded.loss - evalPlain.loss)).toBeLessThanOrEqual(1e-5 * evalPlain.loss);
      compileWith(model, true);
    }
    model.dispose();
  });

  it('predict runs no batch-norm kernel when every batch norm folds; with fuse: false it runs one per batch norm', async () => {
    const backend = await freshBackend('js', 24);
    const model = network(backend);
    compileWith(model, true);
    const x = images(8, 6);
    await model.fit(x, labels(8), { epochs: 1, batchSize: 8 });
    const kernels = backend.kernels as unknown as Record<string, (...a: number[]) => void>, apply = kernels.batchNormApply;
    let calls = 0;
    kernels.batchNormApply = (...a) => void (calls++, apply(...a));
    try {
      model.predict(x);
      expect(calls, 'folded').toBe(0);
      compileWith(model, false);
      model.predict(x);
      expect(calls, 'unfolded').toBe(3);
    } finally {
      kernels.batchNormApply = apply;
      model.dispose();
    }
  });

  it('training is untouched: predict and evaluate between epochs leave the same bits as a run without them', async () => {
    const run = async (peek: boolean) => {
      const backend = await freshBackend('wasm', 22);
      const model = network(backend);
      compileWith(model, true);
      const x = images(16, 4), y = labels(16);
      await model.fit(x, y, { epochs: 3, batchSize: 8, onEpochEnd: () => void (peek && (model.predict(x), model.evaluate(x, y))) });
      const params = model.getParameters().map((p) => p.data.slice());
      const state = model.layers.flatMap((l) => l.stateTensors().map((t) => t.data.slice()));
      model.dispose();
      return [...params, ...state];
    };
    const [plain, peeked] = [await run(false), await run(true)];
    plain.forEach((p, i) => expectSame(peeked[i], p, `tensor ${i}`));
  });

  it('a Conv2D with its own ReLU is not folded (the ReLU comes before the batch norm), and its predictions stay exact', async () => {
    const backend = await freshBackend('wasm', 23);
    const model = nn.sequential({ backend, layers: [
      nn.layers.conv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, activation: 'relu' }),
      nn.layers.batchNormalization({ momentum: 0.5 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    compileWith(model, true);
    const x = images(8, 5), y = labels(8);
    await model.fit(x, y, { epochs: 2, batchSize: 4 });
    const a = model.predict(x).data;
    compileWith(model, false);
    expectSame(model.predict(x).data, a, 'nothing folded: the same bits');
    model.dispose();
  });
});
