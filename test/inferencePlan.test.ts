/**
 * Inference's plan (src/inferencePlan.ts). Batch norms folded into the Dense or Conv2D before them:
 * predict and evaluate equal the unfolded model's (compile's fuse: false) to 1e-5 relative on both
 * backends, follow the weights as training moves them, and leave training's bits alone. A Conv2D
 * and the 2×2 max pooling after it in one kernel: the same bits as layer by layer.
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

/**
 * The seeds' CNN in small: Conv2D relu → 2×2 pool → Dropout → Conv2D → ReLU → 2×2 pool of an odd
 * 5×5 → Dropout → Conv2D 1×1 relu → 'same' 2×2 pool → Flatten → Dense → ReLU → Dropout → Dense
 * softmax: a linear Conv2D whose ReLU is a layer of its own, and a pooling the fused kernel does
 * not take ('same' padding)
 */
function cnn(backend: nn.Backend) {
  return nn.sequential({ backend, layers: [
    nn.layers.conv2d({ inputShape: [16, 16, 1], filters: 12, kernelSize: 3, activation: 'relu' }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.dropout({ rate: 0.25 }),
    nn.layers.conv2d({ filters: 9, kernelSize: 3 }),
    nn.layers.activation({ activation: 'relu' }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.dropout({ rate: 0.25 }),
    nn.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'relu' }),
    nn.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 16, activation: 'relu' }),
    nn.layers.dropout({ rate: 0.5 }),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
}
const digits = (n: number, seed: number) => {
  const rng = new nn.Rng(seed);
  return new nn.Matrix(Float32Array.from({ length: n * 16 * 16 }, () => rng.normal()), [n, 16, 16, 1]);
};

describe('Conv2D (+ ReLU) → 2×2 max pooling in one kernel at inference', () => {
  it.each(backends())('%s: predict and evaluate give the bits of the layer-by-layer forward, before and after more training', async (name) => {
    const backend = await freshBackend(name, 25);
    const model = cnn(backend);
    compileWith(model, true);
    const x = digits(20, 7), y = labels(20);
    for (let round = 0; round < 2; round++) {
      await model.fit(x, y, { epochs: 2, batchSize: 8 });
      const fused = model.predict(x, { batchSize: 8 }).data, evalFused = model.evaluate(x, y);
      compileWith(model, false); // the same weights, layer by layer
      const plain = model.predict(x, { batchSize: 8 }).data, evalPlain = model.evaluate(x, y);
      expectSame(fused, plain, `${name} round ${round}: fused vs layer-by-layer predict`);
      expect(evalFused).toEqual(evalPlain);
      compileWith(model, true);
    }
    model.dispose();
  });

  it('predict pools the two 2×2 \'valid\' poolings in their convolutions and runs the \'same\' one on its own', async () => {
    const backend = await freshBackend('js', 27);
    const model = cnn(backend);
    compileWith(model, true);
    const x = digits(20, 9);
    await model.fit(x, labels(20), { epochs: 1, batchSize: 8 });
    const kernels = backend.kernels as unknown as Record<string, (...a: number[]) => void>;
    const counted = ['conv2dMaxPoolForward', 'maxPoolForward', 'conv2dForward'], calls: Record<string, number> = {};
    const originals = counted.map((k) => kernels[k]);
    counted.forEach((k, i) => (kernels[k] = (...a) => void ((calls[k] = (calls[k] ?? 0) + 1), originals[i](...a))));
    try {
      model.predict(x, { batchSize: 8 }); // three batches
      expect(calls).toEqual({ conv2dMaxPoolForward: 6, maxPoolForward: 3 });
      counted.forEach((k) => (calls[k] = 0));
      compileWith(model, false);
      model.predict(x, { batchSize: 8 });
      expect(calls).toEqual({ conv2dMaxPoolForward: 0, maxPoolForward: 9, conv2dForward: 6 });
    } finally {
      counted.forEach((k, i) => (kernels[k] = originals[i]));
      model.dispose();
    }
  });

  it('training is untouched: predictions between epochs leave the same bits as a run without them', async () => {
    const run = async (peek: boolean) => {
      const backend = await freshBackend('wasm', 26);
      const model = cnn(backend);
      compileWith(model, true);
      const x = digits(16, 8), y = labels(16);
      await model.fit(x, y, { epochs: 3, batchSize: 8, onEpochEnd: () => void (peek && (model.predict(x), model.evaluate(x, y))) });
      const params = model.getParameters().map((p) => p.data.slice());
      model.dispose();
      return params;
    };
    const [plain, peeked] = [await run(false), await run(true)];
    plain.forEach((p, i) => expectSame(peeked[i], p, `tensor ${i}`));
  });
});
