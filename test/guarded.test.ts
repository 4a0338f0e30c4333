/**
 * Guarded training: a non-finite loss or gradient never reaches the weights ('stop' throws,
 * 'skip-batch' drops the batch), early stopping watches the validation loss and can restore the
 * best weights, and an AbortSignal cancels fit between two steps, leaving whole steps applied.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  Model, LayerDense, LayerDropout, ActivationReLU, ActivationSoftmax, ActivationLinear, LossCategoricalCrossentropy,
  LossMeanSquaredError, OptimizerAdam, OptimizerSGD, Matrix, spiralData, NnwasmError, ValueError, TrainingDivergedError,
  type Backend, type BackendName,
} from '../src/index.ts';
import { backends, freshBackend, memoryWatch, thrown } from './helpers.ts';

const sha256 = (model: Model) => {
  const h = createHash('sha256');
  for (const p of model.getParameters()) h.update(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength));
  return h.digest('hex');
};
const allFinite = (model: Model) => model.getParameters().every((p) => p.data.every(Number.isFinite));

/**
 * Hidden layers of `hidden`, `hidden`, `hidden`: the two Dense(hidden, hidden) have the same shape,
 * which snapshot buffers named after a layer's text once confused (restoreBest, the guard).
 */
function classifier(backend: Backend, hidden = 8, lr = 0.02): Model {
  return new Model({ backend })
    .add(new LayerDense(2, hidden, { backend }))
    .add(new ActivationReLU({ backend }))
    .add(new LayerDense(hidden, hidden, { backend }))
    .add(new ActivationReLU({ backend }))
    .add(new LayerDense(hidden, hidden, { backend }))
    .add(new ActivationReLU({ backend }))
    .add(new LayerDense(hidden, 3, { backend }))
    .add(new ActivationSoftmax({ backend }))
    .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerAdam({ learningRate: lr, backend }) });
}

const data = spiralData(20, 3, 0); // 60 rows

describe.each(backends())('non-finite values on %s', (name: BackendName) => {
  /** y = 2x + 1 on 60 points; rows 20..39 (the second batch of 20) have x = 3e38, whose gradient overflows float32 */
  const line = Array.from({ length: 60 }, (_, i) => [i / 60]);
  const targets = line.map(([x]) => [2 * x + 1]);
  const poisoned = line.map((row, r) => (r >= 20 && r < 40 ? [3e38] : row));
  const keep = (_: unknown, r: number) => r < 20 || r >= 40;
  /**
   * 1 → 4 → 4 → 4 → 1 with a dropout layer: the same-shaped Dense(4, 4) pair tests that every layer
   * rolls back from its own snapshot, the dropout that a rolled-back step leaves its counter alone
   */
  const regression = (backend: Backend) =>
    new Model({ backend }).add(new LayerDense(1, 4, { backend })).add(new LayerDropout(0.25, { backend }))
      .add(new LayerDense(4, 4, { backend })).add(new LayerDense(4, 4, { backend })).add(new LayerDense(4, 1, { backend })).add(new ActivationLinear({ backend }))
      .compile({ loss: new LossMeanSquaredError({ backend }), optimizer: new OptimizerAdam({ learningRate: 0.01, backend }) });

  it("'stop' (default): TrainingDivergedError naming epoch, batch and tensor; weights are the last good ones; the save holds no NaN", async () => {
    const backend = await freshBackend(name, 1);
    const model = regression(backend);
    const before = sha256(model);
    const e = thrown(() => model.fit(poisoned, targets, { epochs: 3, batchSize: 20 }));
    expect(e).toBeInstanceOf(TrainingDivergedError);
    expect(e).toMatchObject({ epoch: 1, step: 1, tensor: 'layer 0 LayerDense(1, 4) dweights' });
    // batch 0 was applied, batch 1 was not
    const firstBatchOnly = regression(await freshBackend(name, 1));
    firstBatchOnly.fit(line.slice(0, 20), targets.slice(0, 20), { epochs: 1 });
    expect(sha256(model)).toBe(sha256(firstBatchOnly));
    expect(sha256(model)).not.toBe(before);
    expect(allFinite(Model.load(model.save(), { backend }))).toBe(true);
  });

  it("'skip-batch': the poisoned batch is dropped every epoch, exactly as if it were not in the data", async () => {
    const model = regression(await freshBackend(name, 2));
    const h = model.fit(poisoned, targets, { epochs: 5, batchSize: 20, onNonFinite: 'skip-batch' });
    expect(h.epochs.map((l) => l.skippedBatches)).toEqual([1, 1, 1, 1, 1]);
    expect(h.epochs.every((l) => Number.isFinite(l.loss) && Number.isFinite(l.accuracy))).toBe(true);
    expect(model.optimizer!.iterations).toBe(10);
    const clean = regression(await freshBackend(name, 2));
    const hc = clean.fit(line.filter(keep), targets.filter(keep), { epochs: 5, batchSize: 20 });
    expect(sha256(model)).toBe(sha256(clean));
    expect(h.epochs.at(-1)!.dataLoss).toBe(hc.epochs.at(-1)!.dataLoss);
  });

  it("'skip-batch' also rolls back an update that overflows although the gradients are finite", async () => {
    const backend = await freshBackend(name, 3);
    const model = new Model({ backend }).add(new LayerDense(1, 1, { backend })).add(new ActivationLinear({ backend }))
      .compile({ loss: new LossMeanSquaredError({ backend }), optimizer: new OptimizerSGD({ learningRate: 1e30, backend }) });
    const before = sha256(model);
    const h = model.fit([[1], [2]], [[1e9], [2e9]], { epochs: 4, onNonFinite: 'skip-batch' });
    expect(h.epochs.map((l) => l.skippedBatches)).toEqual([1, 1, 1, 1]);
    expect(Number.isNaN(h.epochs[0].dataLoss)).toBe(true); // nothing was learned, and the log says so
    expect(sha256(model)).toBe(before);
    expect(model.optimizer!.iterations).toBe(0);
  });
});

describe.each(backends())('early stopping on %s', (name: BackendName) => {
  // validation labels are the training labels rotated by one class: learning the training set
  // makes the validation loss rise, so it has a minimum early on
  const wrong = Int32Array.from(data.y, (c) => (c + 1) % 3);

  it('stops `patience` epochs after the best validation loss and restores the best weights', async () => {
    const model = classifier(await freshBackend(name, 4), 16, 0.05);
    const snapshots: string[] = [];
    const h = model.fit(data.X, data.y, {
      epochs: 200, validationData: [data.X, wrong], earlyStopping: { patience: 4, restoreBest: true },
      onEpochEnd: () => void snapshots.push(sha256(model)),
    });
    const losses = h.epochs.map((l) => l.valLoss!);
    expect(losses.every(Number.isFinite)).toBe(true); // validation ran every epoch
    const best = losses.indexOf(Math.min(...losses)) + 1;
    expect(h.stopReason).toBe('early-stopping');
    expect(h.bestEpoch).toBe(best);
    expect(h.epochs).toHaveLength(best + 4);
    expect(h.epochs.length).toBeLessThan(200);
    expect(sha256(model)).toBe(snapshots[best - 1]);
    expect(sha256(model)).not.toBe(snapshots.at(-1));
    expect(h.validation!.loss).toBeCloseTo(losses[best - 1], 10);
  });

  it('without restoreBest the last weights stay; minDelta makes an improvement count only when large enough', async () => {
    const model = classifier(await freshBackend(name, 4), 16, 0.05);
    let last = '';
    const h = model.fit(data.X, data.y, { epochs: 200, validationData: [data.X, wrong], earlyStopping: { patience: 4 }, onEpochEnd: () => void (last = sha256(model)) });
    expect(h.stopReason).toBe('early-stopping');
    expect(sha256(model)).toBe(last);

    const strict = classifier(await freshBackend(name, 4), 16, 0.05);
    const hs = strict.fit(data.X, data.y, { epochs: 200, validationData: [data.X, wrong], earlyStopping: { patience: 4, minDelta: 1e9 } });
    expect(hs.bestEpoch).toBe(1); // only the first epoch beats Infinity by 1e9
    expect(hs.epochs).toHaveLength(5);
  });

  it('a validation loss that keeps falling runs every epoch', async () => {
    const model = classifier(await freshBackend(name, 5), 16, 0.02);
    const h = model.fit(data.X, data.y, { epochs: 30, validationData: [data.X, data.y], earlyStopping: { patience: 3, restoreBest: true } });
    expect(h.stopReason).toBeUndefined();
    expect(h.epochs).toHaveLength(30);
    expect(h.bestEpoch).toBe(30);
  });
});

describe.each(backends())('cancellation on %s', (name: BackendName) => {
  it('an AbortSignal stops fit between steps; the model equals one trained for the completed steps', async () => {
    const model = classifier(await freshBackend(name, 6));
    const controller = new AbortController();
    const h = model.fit(data.X, data.y, { epochs: 50, batchSize: 20, onEpochEnd: (l) => void (l.epoch === 3 && controller.abort()), signal: controller.signal });
    expect(h.stopReason).toBe('aborted');
    expect(h.epochs).toHaveLength(3);
    expect(model.optimizer!.iterations).toBe(9);
    const three = classifier(await freshBackend(name, 6));
    three.fit(data.X, data.y, { epochs: 3, batchSize: 20 });
    expect(sha256(model)).toBe(sha256(three));
    // an aborted signal stops before the first step
    const untouched = sha256(model);
    expect(model.fit(data.X, data.y, { epochs: 5, signal: controller.signal }).epochs).toEqual([]);
    expect(sha256(model)).toBe(untouched);
  });

  it('fitAsync lets timers run, so a timeout aborts it; the model holds exactly the completed steps and can go on', async () => {
    const backend = await freshBackend(name, 7);
    const model = classifier(backend, 64);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const h = await model.fitAsync(data.X, data.y, { epochs: 1_000_000, signal: AbortSignal.timeout(150), sliceMs: 5 });
    clearInterval(timer);
    expect(h.stopReason).toBe('aborted');
    expect(ticks).toBeGreaterThan(0);
    const steps = model.optimizer!.iterations;
    expect(steps).toBeGreaterThan(0);
    expect(steps).toBeLessThan(1_000_000);
    expect(h.epochs).toHaveLength(steps); // one step per epoch: no half epoch
    const same = classifier(await freshBackend(name, 7), 64);
    same.fit(data.X, data.y, { epochs: steps });
    expect(sha256(model)).toBe(sha256(same));
    model.fit(data.X, data.y, { epochs: 2 });
    expect(model.optimizer!.iterations).toBe(steps + 2);
  });

  it('dispose() from a callback stops fit with a typed error and nothing is written through freed tensors', async () => {
    const backend = await freshBackend(name, 11);
    const check = memoryWatch(backend);
    const model = classifier(backend);
    const e = thrown(() => model.fit(data.X, data.y, {
      epochs: 5, batchSize: 20, shuffle: true, validationData: [data.X, data.y], earlyStopping: { patience: 3, restoreBest: true },
      onEpochEnd: (l) => void (l.epoch === 2 && model.dispose()),
    }));
    expect(e).toBeInstanceOf(NnwasmError);
    expect((e as Error).message).toMatch(/disposed while training/);
    check();
  });

  it('fit while fitAsync runs is refused; dispose during fitAsync rejects it with a typed error', async () => {
    const model = classifier(await freshBackend(name, 8));
    const running = model.fitAsync(data.X, data.y, { epochs: 1_000_000, sliceMs: 0 });
    await new Promise((r) => setTimeout(r, 5));
    expect(thrown(() => model.fit(data.X, data.y))).toBeInstanceOf(NnwasmError);
    expect(thrown(() => model.restore(model.save()))).toBeInstanceOf(NnwasmError);
    model.dispose();
    await expect(running).rejects.toThrow(/disposed while training/);
    expect(thrown(() => model.predict(data.X))).toBeInstanceOf(NnwasmError);
  });
});

describe.each(backends())('fit options are checked before anything changes on %s', (name: BackendName) => {
  it('each bad option is a ValueError/NnwasmError naming it, and the weights stay', async () => {
    const backend = await freshBackend(name, 9);
    const model = classifier(backend).add(new LayerDropout(0.1, { backend }));
    model.layers.pop();
    const before = sha256(model);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ onNonFinite: 'ignore' }, /onNonFinite must be 'stop' or 'skip-batch'/],
      [{ earlyStopping: { patience: 0 }, validationData: [data.X, data.y] }, /patience must be an integer ≥ 1/],
      [{ earlyStopping: { patience: 2, minDelta: -1 }, validationData: [data.X, data.y] }, /minDelta/],
      [{ earlyStopping: { patience: 2 } }, /pass validationData/],
      [{ signal: 'stop' }, /signal must be an AbortSignal/],
      [{ printEvery: 1.5 }, /printEvery/],
      [{ log: 3 }, /log must be a function/],
      [{ validationData: [data.X] }, /validationData must be \[X, y\]/],
      [{ shuffle: 'yes' }, /shuffle must be a boolean/],
      [{ epochs: -1 }, /epochs/],
      [{ batchSize: 0 }, /batchSize/],
    ];
    for (const [opts, msg] of bad) {
      const e = thrown(() => model.fit(data.X, data.y, opts));
      expect(e, JSON.stringify(opts)).toBeInstanceOf(NnwasmError);
      expect((e as Error).message).toMatch(msg);
    }
    expect(thrown(() => model.fit(data.X, data.y, { onNonFinite: 'x' } as never))).toBeInstanceOf(ValueError);
    await expect(model.fitAsync(data.X, data.y, { sliceMs: -1 })).rejects.toBeInstanceOf(ValueError);
    expect(sha256(model)).toBe(before);
    expect(model.optimizer!.iterations).toBe(0);
  });
});
