/**
 * Memory that stays flat: a long chapter-15-style run does not grow WASM memory, the arena or the
 * JS heap; dispose() gives every byte back (1,000 models created, trained and disposed end where
 * they began); several models on one backend, and both backends, in one process do not disturb
 * each other's results.
 */
import { createHash } from 'node:crypto';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import {
  Model, LayerDense, ActivationReLU, LayerDropout, ActivationSoftmax, LossCategoricalCrossentropy, OptimizerAdam, OptimizerSGD,
  spiralData, type Backend, type BackendName,
} from '../src/index.ts';
import { backends, freshBackend, chapter15 } from './helpers.ts';

const sha256 = (model: Model) => {
  const h = createHash('sha256');
  for (const p of model.getParameters()) h.update(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength));
  return h.digest('hex');
};


/** what the backend holds: linear memory size, the arena's top and its live bytes */
const footprint = (backend: Backend) => ({ memory: backend.buffer.byteLength, highWater: backend.arena.highWater, live: backend.arena.liveBytes });

/**
 * The JS heap's live size without --expose-gc: taking a heap snapshot (a public Node API) runs a
 * full garbage collection first, so heapUsed right after it counts only what is retained. (The
 * minimum of heapUsed samples does not work: garbage promoted to the old generation stays counted
 * until a major GC, which a few thousand epochs may never trigger.)
 */
function retainedHeap(): number {
  v8.getHeapSnapshot().destroy();
  return process.memoryUsage().heapUsed;
}

const MB = 2 ** 20;
/**
 * How much the retained heap may grow over the 3,000 measured epochs. Measured here: −0.1 to
 * +0.25 MB on either backend (code and inline caches settling). A leak of 350 bytes per epoch
 * exceeds it; the self-check shows a 1 KB-per-epoch leak failing it threefold.
 */
const HEAP_BOUND = 1 * MB;

/** train `epochs` in fits of 100 with validation, as npm start does; `onEpoch` lets the self-check leak */
function run(model: Model, epochs: number, onEpoch?: () => void): void {
  const train = spiralData(100, 3, 0), test = spiralData(30, 3, 1);
  for (let done = 0; done < epochs; done += 100)
    model.fit(train.X, train.y, { epochs: 100, validationData: [test.X, test.y], printEvery: 100, log: () => {}, onEpochEnd: onEpoch });
}

/** hidden layers 8, 8, 8 (two Dense(8, 8) of one shape, whose snapshots must not be confused) */
function sameShaped(backend: Backend): Model {
  return new Model({ backend })
    .add(new LayerDense(2, 8, { weightRegularizerL2: 5e-4, backend })).add(new ActivationReLU({ backend })).add(new LayerDropout(0.1, { backend }))
    .add(new LayerDense(8, 8, { backend })).add(new ActivationReLU({ backend }))
    .add(new LayerDense(8, 8, { backend })).add(new ActivationReLU({ backend }))
    .add(new LayerDense(8, 3, { backend })).add(new ActivationSoftmax({ backend }))
    .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerAdam({ learningRate: 0.02, backend }) });
}

describe.each(backends())('memory on %s', (name: BackendName) => {
  it('a reduced chapter-15 run (3,000 epochs after warm-up) keeps WASM memory, the arena and the JS heap flat', async () => {
    const backend = await freshBackend(name, 1);
    const model = chapter15(backend, name === 'wasm' ? 128 : 32);
    run(model, 300); // warm-up: buffers sized, code optimized
    const [before, heapBefore] = [footprint(backend), retainedHeap()];
    run(model, 3000);
    const heapAfter = retainedHeap();
    expect(footprint(backend)).toEqual(before);
    expect(heapAfter - heapBefore, `retained heap ${(heapBefore / MB).toFixed(2)} → ${(heapAfter / MB).toFixed(2)} MB`).toBeLessThan(HEAP_BOUND);
    expect(model.getParameters().every((p) => p.data.every(Number.isFinite))).toBe(true);
  });

  it('1,000 small models created, trained, recompiled, saved, restored and disposed: live bytes back to baseline, memory not grown', async () => {
    const backend = await freshBackend(name, 3);
    const data = spiralData(20, 3, 4);
    const cycle = () => {
      const model = sameShaped(backend);
      model.fit(data.X, data.y, { epochs: 3, batchSize: 16, shuffle: true, validationData: [data.X, data.y], earlyStopping: { patience: 2, restoreBest: true } });
      // a recompile replaces (and disposes) the loss and the optimizer with their state
      model.compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerSGD({ learningRate: 0.1, momentum: 0.9, backend }) });
      model.fit(data.X, data.y, { epochs: 2, batchSize: 16, shuffle: true });
      model.predict(data.X);
      model.restore(model.save());
      model.dispose();
    };
    const baseline = footprint(backend);
    for (let i = 0; i < 10; i++) cycle();
    const warmed = footprint(backend);
    expect(warmed.live).toBe(baseline.live);
    for (let i = 10; i < 1000; i++) cycle();
    expect(footprint(backend)).toEqual(warmed);
  });

  it('dispose() gives back every block of a model, its layers, loss, optimizer and staged data', async () => {
    const backend = await freshBackend(name, 5);
    const before = backend.arena.liveBytes;
    const model = sameShaped(backend);
    const data = spiralData(30, 3, 6);
    model.fit(data.X, data.y, { epochs: 2, batchSize: 32, shuffle: true, validationData: [data.X, data.y], earlyStopping: { patience: 5, restoreBest: true } });
    model.compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerAdam({ backend }) });
    model.fit(data.X, data.y, { epochs: 2, batchSize: 32 });
    model.evaluate(data.X, data.y);
    expect(backend.arena.liveBytes).toBeGreaterThan(before);
    model.dispose();
    expect(backend.arena.liveBytes).toBe(before);
  });
});

describe('the heap measurement', () => {
  it('self-check: it catches a leak of 1 KB per epoch', async () => {
    const model = chapter15(await freshBackend(backends()[0], 2), 8);
    run(model, 300);
    const kept: number[][] = [];
    const before = retainedHeap();
    run(model, 3000, () => void kept.push(new Array(128).fill(1.5)));
    expect(kept).toHaveLength(3000);
    expect(retainedHeap() - before).toBeGreaterThan(HEAP_BOUND);
  });
});

describe('several models and both backends in one process', () => {
  it('interleaved training (epoch by epoch, across backends) gives the same weights as training each alone', async () => {
    const names = backends();
    const data = spiralData(30, 3, 7);
    const opts = { batchSize: 32, shuffle: true } as const;
    // alone: each backend builds its two models in the same order, then trains one after the other
    const alone: string[] = [];
    for (const name of names) {
      const backend = await freshBackend(name, 8);
      const [a, b] = [chapter15(backend, 16), chapter15(backend, 24)];
      a.fit(data.X, data.y, { epochs: 20, ...opts });
      b.fit(data.X, data.y, { epochs: 20, ...opts });
      alone.push(sha256(a), sha256(b));
    }
    // interleaved: all models of all backends take turns, one epoch each
    const models: Model[] = [];
    for (const name of names) {
      const backend = await freshBackend(name, 8);
      models.push(chapter15(backend, 16), chapter15(backend, 24));
    }
    for (let epoch = 0; epoch < 20; epoch++) for (const m of models) m.fit(data.X, data.y, { epochs: 1, ...opts });
    expect(models.map(sha256)).toEqual(alone);
    expect(new Set(alone).size).toBe(alone.length);
  });

  it('two fitAsync runs on one backend at the same time give the results of running them in turn', async () => {
    const name = backends().at(-1)!;
    const data = spiralData(30, 3, 9);
    const opts = { epochs: 40, batchSize: 16, shuffle: true, sliceMs: 0 } as const;
    const backend = await freshBackend(name, 10);
    const [a, b] = [chapter15(backend, 16), chapter15(backend, 16)];
    await a.fitAsync(data.X, data.y, opts);
    await b.fitAsync(data.X, data.y, opts);
    const together = await freshBackend(name, 10);
    const [c, d] = [chapter15(together, 16), chapter15(together, 16)];
    const order: string[] = [];
    await Promise.all([
      c.fitAsync(data.X, data.y, { ...opts, onEpochEnd: () => void order.push('c') }),
      d.fitAsync(data.X, data.y, { ...opts, onEpochEnd: () => void order.push('d') }),
    ]);
    expect([sha256(c), sha256(d)]).toEqual([sha256(a), sha256(b)]);
    expect(order.indexOf('d')).toBeLessThan(order.lastIndexOf('c')); // they really ran at the same time
  });
});
