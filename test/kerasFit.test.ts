/**
 * What a Keras or TF.js user expects of compile and fit, on the Model itself: losses and
 * optimizers by TF.js's names, validationSplit taken from the end, validation measured every
 * epoch, Keras's history keys, epoch durations, unknown option keys refused with the valid list,
 * summary() and a readable String(model).
 */
import { describe, expect, it } from 'vitest';
import {
  Model, LayerDense, ActivationReLU, ActivationSoftmax, LayerConv2D, LayerFlatten, LossCategoricalCrossentropy, LossMeanSquaredError,
  OptimizerAdam, OptimizerSGD, OptimizerRMSprop, OptimizerAdagrad, spiralData, ValueError, type Backend, type FitCallbacks,
} from '../src/index.ts';
import { backends, freshBackend, thrown } from './helpers.ts';

const data = spiralData(40, 3, 0); // 120 rows
const net = (backend: Backend) => new Model({ backend })
  .add(new LayerDense(2, 16, { backend })).add(new ActivationReLU({ backend })).add(new LayerDense(16, 3, { backend })).add(new ActivationSoftmax({ backend }));

describe.each(backends())('Keras-grade compile and fit on %s', (name) => {
  it('compile takes TF.js names for the loss and the optimizer (Keras defaults), and metrics: ["accuracy"]', async () => {
    const backend = await freshBackend(name);
    const m = net(backend).compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam', metrics: ['accuracy'] });
    expect(m.loss).toBeInstanceOf(LossCategoricalCrossentropy);
    expect(m.optimizer).toBeInstanceOf(OptimizerAdam);
    expect(m.optimizer!.learningRate).toBe(0.001);
    const classes: [string, unknown, number][] = [['sgd', OptimizerSGD, 0.01], ['RMSProp', OptimizerRMSprop, 0.001], ['adagrad', OptimizerAdagrad, 0.001]];
    for (const [optimizer, cls, lr] of classes) {
      m.compile({ loss: 'mse', optimizer: optimizer as never });
      expect(m.optimizer).toBeInstanceOf(cls);
      expect(m.optimizer!.learningRate).toBe(lr);
      expect(m.loss).toBeInstanceOf(LossMeanSquaredError);
    }
    for (const bad of [{ loss: 'hinge', optimizer: 'adam' }, { loss: 'mse', optimizer: 'lion' }, { loss: 'mse', optimizer: 'adam', metrics: ['auc'] }, { loss: 'mse', optimizer: 'adam', lossWeights: [1] }])
      expect(thrown(() => m.compile(bad as never)), JSON.stringify(bad)).toBeInstanceOf(ValueError);
    expect((thrown(() => m.compile({ loss: 'mse', optimizer: 'adam', metric: ['accuracy'] } as never)) as Error).message).toMatch(/unknown option 'metric'; the options are loss, optimizer, accuracy, metrics, fuse/);
  });

  it('validationSplit holds out the last fraction before shuffling; validation runs every epoch; history is keyed like Keras', async () => {
    const backend = await freshBackend(name);
    const m = net(backend).compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
    const h = m.fit(data.X, data.y, { epochs: 6, batchSize: 16, shuffle: true, validationSplit: 0.25 });
    expect(h.epoch).toEqual([1, 2, 3, 4, 5, 6]);
    for (const key of ['loss', 'accuracy', 'acc', 'val_loss', 'val_accuracy', 'val_acc']) expect(h.history[key], key).toHaveLength(6);
    expect(h.history.val_loss.every(Number.isFinite)).toBe(true);
    expect(h.epochs.every((e) => e.seconds > 0 && e.valLoss !== undefined)).toBe(true);
    // the held-out rows are the last 30 (120 · 0.25), untouched by training: evaluating them gives the last val_loss
    const tail = { X: data.X.toArray().slice(90), y: Array.from(data.y).slice(90) };
    expect(m.evaluate(tail.X, tail.y).loss).toBe(h.history.val_loss.at(-1));
    // and training saw the first 90 only: 90 / 16 → 6 steps per epoch
    expect(m.optimizer!.iterations).toBe(6 * 6);
  });

  it('bad validationSplit, both validation options, unknown fit keys: ValueErrors naming them', async () => {
    const backend = await freshBackend(name);
    const m = net(backend).compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
    for (const split of [0, 1, -0.1, '0.2', NaN]) expect(thrown(() => m.fit(data.X, data.y, { validationSplit: split as never })), String(split)).toBeInstanceOf(ValueError);
    expect((thrown(() => m.fit(data.X, data.y, { validationSplit: 0.2, validationData: [data.X, data.y] })) as Error).message).toMatch(/not both/);
    expect((thrown(() => m.fit([[1, 2]], [0], { validationSplit: 0.5 })) as Error).message).toMatch(/leaves 0 for training and 1 for validation; both need at least one/);
    expect((thrown(() => m.fit(data.X, data.y, { epoch: 3 } as never)) as Error).message).toMatch(/unknown option 'epoch'; the options are epochs, batchSize/);
    expect((thrown(() => m.fit(data.X, data.y, { validationSplit: 0.2, earlyStopping: { patience: 2, restoreBestWeights: true } } as never)) as Error).message).toMatch(/earlyStopping: unknown option 'restoreBestWeights'/);
    await expect(m.fitAsync(data.X, data.y, { epochs: 1, sliceMs: 5 })).resolves.toBeDefined(); // fitAsync's own key is known to it
  });

  it('summary(): layers, output shapes and parameter counts as Keras counts them; String(model) names the layers', async () => {
    const backend = await freshBackend(name);
    const m = new Model({ backend })
      .add(new LayerConv2D(4, 3, { activation: 'relu', inputShape: [8, 8, 2], backend })).add(new LayerFlatten({ backend })).add(new LayerDense(144, 3, { backend }))
      .compile({ loss: 'categoricalCrossentropy', optimizer: 'adam' });
    const lines: string[] = [];
    const text = m.summary((l) => lines.push(l));
    expect(lines).toEqual([text]);
    expect(text).toMatch(/input \[batch, 8, 8, 2\]/);
    expect(text).toMatch(/LayerConv2D\(4, 3×3\)\s+\[batch, 6, 6, 4\]\s+76\b/); // 3·3·2·4 + 4
    expect(text).toMatch(/LayerFlatten\s+\[batch, 144\]\s+0\b/);
    expect(text).toMatch(/LayerDense\(144, 3\)\s+\[batch, 3\]\s+435\b/);
    expect(text).toMatch(/parameters: 511 /);
    expect(String(m)).toBe('Model(LayerConv2D(4, 3×3) → LayerFlatten → LayerDense(144, 3); LossCategoricalCrossentropy, OptimizerAdam)');
    expect(m.summary(null)).toBe(text);
  });

  it('callbacks: TF.js hooks in order with Keras logs, epochs and batches from 0; false or stopTraining stops after the batch', async () => {
    const backend = await freshBackend(name);
    const m = net(backend).compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
    const seen: string[] = [];
    const epochLogs: Record<string, number>[] = [];
    const h = m.fit(data.X, data.y, {
      epochs: 2, batchSize: 60, validationSplit: 0.5, callbacks: [{
        onTrainBegin: () => void seen.push('trainBegin'),
        onEpochBegin: (e) => void seen.push(`epochBegin ${e}`),
        onBatchBegin: (b, l) => void seen.push(`batchBegin ${b} ${l!.size}`),
        onBatchEnd: (b, l) => void seen.push(`batchEnd ${b} ${Number.isFinite(l!.loss) && l!.acc >= 0}`),
        onEpochEnd: (e, l) => void (seen.push(`epochEnd ${e}`), epochLogs.push(l!)),
        onTrainEnd: (l) => void seen.push(`trainEnd ${l!.val_loss === h0()}`),
      }, { onEpochEnd: () => undefined }],
    });
    function h0() {
      return epochLogs.at(-1)!.val_loss;
    }
    expect(seen).toEqual(['trainBegin', 'epochBegin 0', 'batchBegin 0 60', 'batchEnd 0 true', 'epochEnd 0', 'epochBegin 1', 'batchBegin 0 60', 'batchEnd 0 true', 'epochEnd 1', 'trainEnd true']);
    expect(Object.keys(epochLogs[0]).sort()).toEqual(['acc', 'accuracy', 'loss', 'val_acc', 'val_accuracy', 'val_loss']);
    expect(epochLogs.map((l) => l.val_loss)).toEqual(h.history.val_loss);

    const stopAt = (stop: (model: Model) => FitCallbacks) => {
      const mm = net(backend).compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'sgd' });
      const r = mm.fit(data.X, data.y, { epochs: 5, batchSize: 20, callbacks: stop(mm) });
      return { r, iterations: mm.optimizer!.iterations };
    };
    const byFalse = stopAt(() => ({ onBatchEnd: (b) => (b === 2 ? false : undefined) }));
    expect(byFalse.r.stopReason).toBe('callback');
    expect(byFalse.iterations).toBe(3);
    const byFlag = stopAt((mm) => ({ onEpochEnd: (e) => void (e === 1 && (mm.stopTraining = true)) }));
    expect(byFlag.r.stopReason).toBe('callback');
    expect(byFlag.iterations).toBe(2 * 6);
    expect(byFlag.r.epochs).toHaveLength(2);
    for (const bad of [{ onEpochEnd: 3 }, { onEpochStart: () => {} }, 'log'])
      expect(thrown(() => m.fit(data.X, data.y, { callbacks: bad as never })), JSON.stringify(bad)).toBeInstanceOf(ValueError);
  });

  it('predict takes one sample without its batch dimension; argMax turns probabilities into classes', async () => {
    const backend = await freshBackend(name);
    const m = net(backend).compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
    m.fit(data.X, data.y, { epochs: 20 });
    const batch = m.predict(data.X);
    const one = m.predict(Array.from(data.X.row(7)));
    expect(one.shape).toEqual([1, 3]);
    expect(Array.from(one.data)).toEqual(Array.from(batch.row(7)));
    expect(batch.argMax()).toEqual(Int32Array.from({ length: batch.rows }, (_, r) => { const row = Array.from(batch.row(r)); return row.indexOf(Math.max(...row)); }));
    const image = new Model({ backend }).add(new LayerConv2D(2, 3, { inputShape: [5, 5, 1], backend })).add(new LayerFlatten({ backend }))
      .compile({ loss: 'mse', optimizer: 'sgd' });
    const pixels = Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, (_, j) => [i - j]));
    expect(image.predict(pixels).shape).toEqual([1, 18]);
    expect(Array.from(image.predict(pixels).data)).toEqual(Array.from(image.predict([pixels]).data));
  });

  it('verbose: 1 draws a progress bar per epoch on a terminal (batches, running loss), lines elsewhere; 2 a line per epoch; 0 nothing', async () => {
    const backend = await freshBackend(name);
    const m = net(backend).compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
    const chunks: string[] = [];
    const tty = { isTTY: true, columns: 100, write: (t: string) => chunks.push(t) };
    const lines: string[] = [];
    m.fit(data.X, data.y, { epochs: 2, batchSize: 20, verbose: 1, progressStream: tty, log: (l) => lines.push(l) });
    const drawn = chunks.join('');
    expect(drawn).toMatch(/Epoch 1\/2 \[[=-]+\] \d\/6 batches \| ETA \d+s \| loss/); // the bar, in place (escape codes around it)
    expect(drawn).toMatch(/Epoch 2\/2 \[=+\] 6\/6 batches \| ETA 0s \| loss: \d\.\d{4} - acc: \d\.\d{4}/);
    expect(drawn).toMatch(/Epoch 2\/2 - \d+\.\ds - loss: \d\.\d{4} - acc: \d\.\d{4}\n$/); // and the epoch's line stays
    expect(lines).toEqual([]);
    const pipe = { isTTY: false, write: (t: string) => chunks.push(t) };
    m.fit(data.X, data.y, { epochs: 2, batchSize: 20, verbose: 1, progressStream: pipe, log: (l) => lines.push(l) });
    m.fit(data.X, data.y, { epochs: 2, batchSize: 20, verbose: 2, validationSplit: 0.2, log: (l) => lines.push(l) });
    m.fit(data.X, data.y, { epochs: 2, batchSize: 20, verbose: 0, log: (l) => lines.push(l) });
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatch(/^Epoch 2\/2 - \d+\.\ds - loss: \d\.\d{4} - acc: \d\.\d{4} - val_loss: \d\.\d{4} - val_acc: \d\.\d{4}$/);
    expect(thrown(() => m.fit(data.X, data.y, { verbose: 3 as never }))).toBeInstanceOf(ValueError);
  });

  it('metrics by TF.js name: counted every epoch (and on validation), returned by evaluate, checked against the labels', async () => {
    const backend = await freshBackend(name);
    const m = net(backend).compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam', metrics: ['accuracy', 'sparseCategoricalAccuracy', 'topKCategoricalAccuracy'] });
    const h = m.fit(data.X, data.y, { epochs: 3, batchSize: 30, validationSplit: 0.25 });
    for (const key of ['sparseCategoricalAccuracy', 'topKCategoricalAccuracy', 'val_sparseCategoricalAccuracy', 'val_topKCategoricalAccuracy']) expect(h.history[key], key).toHaveLength(3);
    expect(h.history.sparseCategoricalAccuracy).toEqual(h.history.accuracy); // the same count, by another name
    expect(h.history.topKCategoricalAccuracy.every((v) => v === 1)).toBe(true); // 3 classes: always among the top 5
    const e = m.evaluate(data.X, data.y);
    expect(Object.keys(e).sort()).toEqual(['accuracy', 'loss', 'sparseCategoricalAccuracy', 'topKCategoricalAccuracy']);
    expect(e.sparseCategoricalAccuracy).toBe(e.accuracy);
    expect(thrown(() => m.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam', metrics: ['auc' as never] }))).toBeInstanceOf(ValueError);
    m.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam', metrics: ['mae'] });
    expect((thrown(() => m.fit(data.X, data.y)) as Error).message).toMatch(/metric mae compares each output with a target/);

    // regression and binary: mae, mse, binaryAccuracy, precision, recall against values computed here
    const reg = new Model({ backend }).add(new LayerDense(2, 1, { backend })).compile({ loss: 'mse', optimizer: 'sgd', metrics: ['mae', 'mse', 'binaryAccuracy', 'precision', 'recall'] });
    const X = [[0.1, 0.9], [0.8, 0.2], [0.5, 0.5], [0.9, 0.8]], t = [[1], [0], [1], [0]];
    const out = Array.from(reg.predict(X).data), r = reg.evaluate(X, t);
    const n = out.length, pos = out.map((v) => v > 0.5), act = t.map(([v]) => v > 0.5), tp = pos.filter((p, i) => p && act[i]).length;
    expect(r.mae).toBeCloseTo(out.reduce((a, v, i) => a + Math.abs(v - t[i][0]), 0) / n, 6);
    expect(r.mse).toBeCloseTo(r.loss, 12);
    expect(r.binaryAccuracy).toBe(pos.filter((p, i) => p === act[i]).length / n);
    expect(r.precision).toBe(pos.some(Boolean) ? tp / pos.filter(Boolean).length : 0);
    expect(r.recall).toBe(tp / act.filter(Boolean).length);
  });

  it("a regression's logs carry no accuracy unless asked (Keras's); verbose lines show every metric", async () => {
    const backend = await freshBackend(name);
    const X = Array.from({ length: 40 }, (_, i) => [i / 40, 1 - i / 40]), t = X.map(([a, b]) => [a - b]);
    const lines: string[] = [];
    const reg = new Model({ backend }).add(new LayerDense(2, 1, { backend })).compile({ loss: 'mse', optimizer: 'sgd', metrics: ['mae'] });
    const h = reg.fit(X, t, { epochs: 2, validationSplit: 0.25, verbose: 2, log: (l) => lines.push(l) });
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'mae', 'val_loss', 'val_mae']);
    expect(h.epochs[0].accuracy).toBeGreaterThanOrEqual(0); // the book's figure stays in EpochLogs
    expect(lines[1]).toMatch(/^Epoch 2\/2 - \d+\.\ds - loss: \d\.\d{4} - mae: \d\.\d{4} - val_loss: \d\.\d{4} - val_mae: \d\.\d{4}$/);
    reg.compile({ loss: 'mse', optimizer: 'sgd', metrics: ['accuracy'] });
    expect(Object.keys(reg.fit(X, t).history).sort()).toEqual(['acc', 'accuracy', 'loss']);
  });
});
