/**
 * Keras's learning-rate schedules and built-in callbacks: the schedules' formulas (the book's
 * decay as InverseTimeDecay, bit for bit), a scheduled optimizer saved and resumed, EarlyStopping
 * (monitor, mode, baseline, restoreBestWeights), LearningRateScheduler and ReduceLROnPlateau with
 * the rates they set recorded in the history, a misspelt monitor refused before the first step,
 * TF.js's train.* factories.
 */
import { describe, expect, it } from 'vitest';
import {
  Model, LayerDense, ActivationReLU, ActivationSoftmax, OptimizerAdam, OptimizerSGD, OptimizerRMSprop, LossCategoricalCrossentropy, spiralData, ValueError,
  setBackend, schedules, callbacks, train, Callback, ExponentialDecay, InverseTimeDecay, CosineDecay, PiecewiseConstantDecay, type Backend, type Logs, type Optimizer,
} from '../src/index.ts';
import { backends, freshBackend, thrown } from './helpers.ts';

const data = spiralData(40, 3, 0); // 120 rows
const net = (backend: Backend, optimizer: Optimizer) => new Model({ backend })
  .add(new LayerDense(2, 16, { backend })).add(new ActivationReLU({ backend })).add(new LayerDense(16, 3, { backend })).add(new ActivationSoftmax({ backend }))
  .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer });
const bits = (m: Model) => m.getParameters().map((p) => Array.from(new Uint32Array(p.data.buffer, p.data.byteOffset, p.data.length)));

describe('learning-rate schedules', () => {
  it('follow Keras formulas at chosen steps', () => {
    const e = schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expect([e.at(0), e.at(10), e.at(5)]).toEqual([0.1, 0.05, 0.1 * 0.5 ** 0.5]);
    const stair = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    expect([stair.at(9), stair.at(10), stair.at(25)]).toEqual([0.1, 0.05, 0.025]);
    const inv = schedules.inverseTimeDecay({ initialLearningRate: 1, decayRate: 0.5, decaySteps: 2 });
    expect([inv.at(0), inv.at(2), inv.at(4)]).toEqual([1, 1 / 1.5, 0.5]);
    const cos = schedules.cosineDecay({ initialLearningRate: 0.2, decaySteps: 100, alpha: 0.1 });
    expect(cos.at(0)).toBeCloseTo(0.2, 15);
    expect(cos.at(50)).toBeCloseTo(0.2 * (0.9 * 0.5 + 0.1), 15);
    expect([cos.at(100), cos.at(1000)]).toEqual([cos.at(100), 0.2 * 0.1].map((v) => expect.closeTo(v, 15)) as never);
    const pw = schedules.piecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
    expect([0, 10, 11, 20, 21, 1e6].map((s) => pw.at(s))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
    expect(String(pw)).toBe('PiecewiseConstantDecay(boundaries: [10, 20], values: [1, 0.5, 0.1])');
  });

  it('refuse bad arguments with the schedule and the argument named', async () => {
    const backend = await freshBackend('js');
    const bad: [() => unknown, RegExp][] = [
      [() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 }), /ExponentialDecay: decaySteps must be a finite number > 0, got 0/],
      [() => new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10, alpha: 2 }), /CosineDecay: alpha must be a number in \[0, 1\]/],
      [() => new PiecewiseConstantDecay({ boundaries: [5, 3], values: [1, 2, 3] }), /boundaries must be increasing/],
      [() => new PiecewiseConstantDecay({ boundaries: [5], values: [1] }), /values must hold one more entry than boundaries \(2\)/],
      [() => new InverseTimeDecay({ initialLearningRate: 1, decayRate: 0.5, decay_steps: 2 } as never), /unknown option 'decay_steps'/],
      [() => new OptimizerAdam({ learningRate: new InverseTimeDecay({ initialLearningRate: 1, decayRate: 0.5 }), decay: 0.1, backend }), /give a schedule or decay, not both/],
    ];
    for (const [f, message] of bad) {
      const e = thrown(f);
      expect(e, String(message)).toBeInstanceOf(ValueError);
      expect((e as Error).message).toMatch(message);
    }
  });
});

describe.each(backends())('schedules and callbacks in fit on %s', (name) => {
  it("the book's decay and InverseTimeDecay train the same bits; a scheduled optimizer's rate per step is the schedule's", async () => {
    const backend = await freshBackend(name, 7);
    const book = net(backend, new OptimizerSGD({ learningRate: 0.5, decay: 0.01, backend }));
    const backend2 = await freshBackend(name, 7);
    const scheduled = net(backend2, new OptimizerSGD({ learningRate: schedules.inverseTimeDecay({ initialLearningRate: 0.5, decayRate: 0.01 }), backend: backend2 }));
    const [h1, h2] = [book, scheduled].map((m) => m.fit(data.X, data.y, { epochs: 3, batchSize: 40 }));
    expect(bits(scheduled)).toEqual(bits(book));
    expect(h2.epochs.map((e) => e.lr)).toEqual(h1.epochs.map((e) => e.lr));
    const exp = schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5 });
    const m = net(backend, new OptimizerAdam({ learningRate: exp, backend }));
    const h = m.fit(data.X, data.y, { epochs: 2, batchSize: 40 }); // 3 steps an epoch: the last steps are 2 and 5
    expect(h.epochs.map((e) => e.lr)).toEqual([exp.at(2), exp.at(5)]);
    expect(m.optimizer!.learningRate).toBe(exp.at(6)); // the next update's
    expect(thrown(() => (m.optimizer!.learningRate = 0.1))).toBeInstanceOf(ValueError);
  });

  it('a scheduled optimizer saves, loads and resumes on the same rates and bits; restore brings the learning rate back', async () => {
    const sched = () => schedules.cosineDecay({ initialLearningRate: 0.01, decaySteps: 10, alpha: 0.1 });
    const make = async () => {
      const backend = await freshBackend(name, 3);
      return net(backend, new OptimizerAdam({ learningRate: sched(), backend }));
    };
    const whole = await make();
    whole.fit(data.X, data.y, { epochs: 4, batchSize: 40 });
    const half = await make();
    half.fit(data.X, data.y, { epochs: 2, batchSize: 40 });
    const resumed = Model.load(half.save(), { backend: half.backend });
    expect(resumed.optimizer!.schedule).toBeInstanceOf(CosineDecay);
    expect(resumed.optimizer!.schedule!.getConfig()).toEqual(sched().getConfig());
    resumed.fit(data.X, data.y, { epochs: 2, batchSize: 40 });
    expect(bits(resumed)).toEqual(bits(whole));

    // restore: the learning rate is state, moved by callbacks, and comes back with the file
    const backend = await freshBackend(name, 4);
    const m = net(backend, new OptimizerSGD({ learningRate: 0.5, decay: 0.01, backend }));
    m.fit(data.X, data.y, { epochs: 1, batchSize: 40 });
    const saved = m.save();
    m.optimizer!.learningRate = 0.05; // with decay: the current rate follows, so the file stays loadable
    expect(Model.load(m.save(), { backend }).optimizer!.learningRate).toBe(0.05);
    m.restore(saved);
    expect(m.optimizer!.learningRate).toBe(0.5);
  });

  it('EarlyStopping stops on its monitor after `patience` epochs without improvement and puts the best weights back', async () => {
    const backend = await freshBackend(name, 11);
    const m = net(backend, new OptimizerAdam({ learningRate: 0.2, backend }));
    const seen: { acc: number; weights: number[][] }[] = [];
    const spy = { onEpochEnd: (_: number, logs?: Logs) => void seen.push({ acc: logs!.val_accuracy, weights: bits(m) }) };
    const es = callbacks.earlyStopping({ monitor: 'val_accuracy', patience: 2, restoreBestWeights: true });
    const h = m.fit(data.X, data.y, { epochs: 40, batchSize: 20, shuffle: true, validationSplit: 0.3, callbacks: [es, spy] });
    expect(es.mode).toBe('auto'); // val_accuracy: rising is better
    const accs = seen.map((s) => s.acc);
    let best = 0;
    accs.forEach((a, i) => (a > accs[best] ? (best = i) : 0));
    expect(es.bestEpoch).toBe(best);
    expect(h.stopReason).toBe('early-stopping');
    expect(es.stoppedEpoch).toBe(accs.length - 1);
    expect(accs.length - 1 - best).toBe(2); // stopped after two epochs without a higher accuracy
    expect(bits(m)).toEqual(seen[best].weights);
    expect(h.validation!.accuracy).toBe(accs[best]); // measured again on the restored weights
  });

  it('EarlyStopping: baseline, min mode on the training loss; a monitor missing from the logs is refused before any step', async () => {
    const backend = await freshBackend(name, 5);
    const m = net(backend, new OptimizerAdam({ learningRate: 0.01, backend }));
    // minDelta 1: only the first epoch improves (on nothing). Without a baseline it resets the wait
    // and three more epochs stop training; a baseline it does not beat leaves the wait at 1 (Keras)
    for (const [baseline, epochs] of [[undefined, 4], [1e-9, 3]] as const) {
      const es = callbacks.earlyStopping({ monitor: 'loss', patience: 3, minDelta: 1, baseline });
      const h = m.fit(data.X, data.y, { epochs: 20, batchSize: 40, callbacks: es });
      expect(h.epochs, `baseline ${baseline}`).toHaveLength(epochs);
      expect(h.stopReason).toBe('early-stopping');
      expect([es.bestEpoch, es.stoppedEpoch]).toEqual([0, epochs - 1]);
    }
    const before = bits(m);
    for (const c of [callbacks.earlyStopping({ monitor: 'val_loss' }), callbacks.reduceLROnPlateau({ monitor: 'accuracyy' })]) {
      const e = thrown(() => m.fit(data.X, data.y, { epochs: 2, callbacks: c }));
      expect(e).toBeInstanceOf(ValueError);
      expect((e as Error).message).toMatch(/monitor '(val_loss|accuracyy)' is not among this fit's epoch logs \(loss, acc, accuracy\)/);
    }
    expect(bits(m)).toEqual(before);
    expect(thrown(() => callbacks.earlyStopping({ patience: -1 }))).toBeInstanceOf(ValueError);
    expect(thrown(() => callbacks.earlyStopping({ mode: 'up' as never }))).toBeInstanceOf(ValueError);
    expect(thrown(() => callbacks.earlyStopping({ restore_best_weights: true } as never))).toBeInstanceOf(ValueError);
  });

  it('LearningRateScheduler sets the rate every epoch, recorded as learning_rate; a scheduled optimizer is refused', async () => {
    const backend = await freshBackend(name, 6);
    const m = net(backend, new OptimizerSGD({ learningRate: 1, backend }));
    const h = m.fit(data.X, data.y, { epochs: 4, batchSize: 60, callbacks: callbacks.learningRateScheduler((epoch, lr) => (epoch < 2 ? lr : lr / 2)) });
    expect(h.history.learning_rate).toEqual([1, 1, 0.5, 0.25]);
    expect(h.epochs.map((e) => e.lr)).toEqual([1, 1, 0.5, 0.25]);
    const bad = thrown(() => m.fit(data.X, data.y, { callbacks: callbacks.learningRateScheduler(() => -1) }));
    expect((bad as Error).message).toMatch(/LearningRateScheduler: schedule\(0, 0.25\) must be a finite number > 0, got -1/);
    const s = net(backend, new OptimizerAdam({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.9 }), backend }));
    const before = bits(s);
    expect((thrown(() => s.fit(data.X, data.y, { callbacks: callbacks.learningRateScheduler((_, lr) => lr) })) as Error).message).toMatch(/follows ExponentialDecay\(.*\); a callback cannot set it/);
    expect(bits(s)).toEqual(before);
  });

  it('ReduceLROnPlateau multiplies the rate by factor after patience epochs without improvement, waits out cooldown, stops at minLr', async () => {
    const backend = await freshBackend(name, 8);
    const m = net(backend, new OptimizerSGD({ learningRate: 0.1, backend }));
    // minDelta this large: nothing after the first epoch counts as an improvement
    const r = callbacks.reduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 1, minDelta: 1e9, cooldown: 2, minLr: 0.02 });
    const h = m.fit(data.X, data.y, { epochs: 7, batchSize: 120, callbacks: [r] });
    // logged before each epoch's decision: reduce after epoch 1; cooldown 2 counts down first, so epoch 2
    // is skipped and epoch 3 reduces again (Keras's order); then the floor
    expect(h.history.learning_rate).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02]);
    expect(m.optimizer!.learningRate).toBe(0.02);
    expect(thrown(() => callbacks.reduceLROnPlateau({ factor: 1 }))).toBeInstanceOf(ValueError);
  });

  it('a Callback subclass sees its model and params; hooks run with `this` bound', async () => {
    const backend = await freshBackend(name);
    const m = net(backend, new OptimizerAdam({ backend }));
    class StopAtTwo extends Callback {
      epochs: number[] = [];
      override onEpochEnd(epoch: number) {
        this.epochs.push(epoch);
        if (epoch === 1) this.model!.stopTraining = true;
      }
    }
    const c = new StopAtTwo();
    const h = m.fit(data.X, data.y, { epochs: 5, validationSplit: 0.2, callbacks: [c] });
    expect(c.epochs).toEqual([0, 1]);
    expect(h.stopReason).toBe('callback');
    expect(c.model).toBe(m);
    expect(c.params).toEqual({ epochs: 5, steps: 1, samples: 96, metrics: ['loss', 'acc', 'accuracy', 'val_loss', 'val_acc', 'val_accuracy'] });
  });
});

describe("TF.js's optimizer factories", () => {
  it('train.* build the library classes with TF.js argument order and defaults', async () => {
    setBackend(await freshBackend('js'));
    const adam = train.adam(0.01);
    expect(adam).toBeInstanceOf(OptimizerAdam);
    expect([adam.learningRate, adam.beta1, adam.beta2, adam.epsilon]).toEqual([0.01, 0.9, 0.999, 1e-7]);
    const momentum = train.momentum(0.1, 0.9);
    expect([momentum.learningRate, momentum.momentum]).toEqual([0.1, 0.9]);
    const rms = train.rmsprop(0.001, 0.8);
    expect(rms).toBeInstanceOf(OptimizerRMSprop);
    expect(rms.rho).toBe(0.8);
    expect(thrown(() => train.rmsprop(0.001, 0.9, 0.5))).toBeInstanceOf(ValueError);
    expect(train.sgd(schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 })).schedule).toBeInstanceOf(ExponentialDecay);
  });
});
