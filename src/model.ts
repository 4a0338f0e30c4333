import type { Backend } from './backend/backend.ts';
import { backendFrom } from './backend/create.ts';
import { Tensor } from './tensor.ts';
import { describe, type LabelsLike, type MatrixLike } from './matrix.ts';
import { Loss, LossBinaryCrossentropy, backwardStaged, lossOfStaged } from './losses/loss.ts';
import { softmaxCceBackwardStaged } from './losses/softmaxCce.ts';
import { Optimizer } from './optimizers/optimizer.ts';
import { DisposedError, NnwasmError, TrainingDivergedError, ValueError } from './errors.ts';
import { PREDICT_BATCH } from './monteCarlo.ts';
import { buildModel, checkSameArchitecture, copyModelState, readModel, saveModel } from './io/model.ts';
import { progressFor } from './progress.ts';
import { Callback, EarlyStopping } from './callbacks.ts';
import { sampleWeightsFor } from './sampleWeights.ts';
import { ModelBase, type CompileOptions, type Evaluation } from './modelBase.ts';
import { callbackList, checkFitOptions, type EpochLogs, type FitCallbacks, type FitOptions, type History, type Logs } from './fitOptions.ts';

export type { CompileOptions, EpochLogs, Evaluation, FitCallbacks, FitOptions, History, Logs };

/** what a step hands back beside its return value: the regularization loss, the metrics' counts */
interface StepOut {
  reg: number;
  metrics: number[][];
}

/**
 * validationSplit: the last `share` of the staged samples (Keras takes them from the end, before
 * any shuffling) as validation data, views of the same blocks; the rest for training
 */
function splitTail(x: Tensor, y: Tensor, share: number): [Tensor, Tensor, [Tensor, Tensor]] {
  const train = splitRows(x.rows, share), held = x.rows - train;
  const part = (t: Tensor, start: number, rows: number) => Tensor.viewAt(t, start * t.cols, rows, ...t.shape.slice(1));
  return [part(x, 0, train), part(y, 0, train), [part(x, train, held), part(y, train, held)]];
}

/** the samples validationSplit leaves for training */
function splitRows(rows: number, share: number): number {
  const train = Math.floor(rows * (1 - share)), held = rows - train;
  if (train < 1 || held < 1) throw new ValueError(`Model.fit: validationSplit ${share} of ${rows} samples leaves ${train} for training and ${held} for validation; both need at least one`);
  return train;
}

/** lets the event loop run (timers, abort events, rendering) before training goes on */
const macrotask = (): Promise<void> => new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

const fmt = (v: number) => v.toFixed(3);

/**
 * A sequential model in the book's chapter-19 style: add layers, compile with a loss, an optimizer
 * and an accuracy, then fit / evaluate / predict. Data is copied into the backend once per fit;
 * every buffer a step needs is allocated before the first step and reused afterwards.
 */
export class Model extends ModelBase {
  /**
   * One optimization step on a batch; returns [data loss · rows, correct, judged]. A step that
   * fails (a TrainingDivergedError, say) leaves no trace: the parameters, the optimizer state and
   * every layer's non-tensor state (the dropout layers' RNG counters) are as before it.
   */
  private step(x: Tensor, y: Tensor, w: Tensor | undefined, epoch: number, stepNo: number, out: StepOut): [number, number, number] {
    const states = this.stateful.map((l) => l.getState());
    const k = this.backend.kernels;
    for (const s of this.stateCopies) k.copy(s.live.ptr, s.copy.ptr, s.live.size);
    try {
      return this.stepUnguarded(x, y, w, epoch, stepNo, out);
    } catch (e) {
      // whatever failed, the step never happened
      this.stateful.forEach((l, i) => l.setState(states[i]));
      for (const s of this.stateCopies) k.copy(s.copy.ptr, s.live.ptr, s.live.size);
      throw e;
    }
  }

  /** `w`: one weight per sample (fit's sampleWeight, classWeight) or undefined */
  private stepUnguarded(x: Tensor, y: Tensor, w: Tensor | undefined, epoch: number, stepNo: number, out: StepOut): [number, number, number] {
    const { loss, optimizer, accuracy } = this.compiled('fit');
    const k = this.backend.kernels;
    const output = this.forward(x, true);
    const dataLoss = lossOfStaged(loss, output, y, w);
    let reg = 0;
    for (const layer of this.trainable) reg += loss.regularizationLoss(layer);
    if (!Number.isFinite(dataLoss) || !Number.isFinite(reg)) throw new TrainingDivergedError(epoch, stepNo, 'the loss');
    // a clipped loss (the cross-entropies) stays finite even when the output has overflowed
    if (k.countNonFinite(output.ptr, output.size)) throw new TrainingDivergedError(epoch, stepNo, 'the output');
    const [correct, judged] = accuracy.correct(k, output, y);
    // counted before backward, which may reuse the output's block
    const metricCounts = this.metrics.map((m) => m.count(k, output, y));
    const last = this.layers.length - 1;
    let dv: Tensor;
    if (this.fused) {
      softmaxCceBackwardStaged(this.fused, output, y, w);
      dv = this.fused.dinputs;
    } else {
      backwardStaged(loss, output, y, w);
      this.layers[last].backward(loss.dinputs);
      dv = this.layers[last].dinputs;
    }
    if (this.plan) dv = this.plan.backward(dv, last - 1);
    else for (let i = last - 1; i >= 0; i--) {
      this.layers[i].backward(dv);
      dv = this.layers[i].dinputs;
    }
    // check every gradient before touching any weight, so divergence leaves the last good weights
    for (const { grad, name } of this.gradients)
      if (k.countNonFinite(grad.ptr, grad.size)) throw new TrainingDivergedError(epoch, stepNo, name);
    // finite gradients can still overflow an update: keep a copy, check, and roll back
    for (const g of this.guarded) k.copy(g.live.ptr, g.copy.ptr, g.live.size);
    const [iterations, lr] = [optimizer.iterations, optimizer.currentLearningRate];
    optimizer.preUpdateParams();
    for (const layer of this.trainable) optimizer.updateParams(layer);
    optimizer.postUpdateParams();
    for (const g of this.guarded)
      if (k.countNonFinite(g.live.ptr, g.live.size)) {
        for (const h of this.guarded) k.copy(h.copy.ptr, h.live.ptr, h.live.size);
        [optimizer.iterations, optimizer.currentLearningRate] = [iterations, lr];
        throw new TrainingDivergedError(epoch, stepNo, `${g.name} after the update`);
      }
    out.reg = reg;
    out.metrics = metricCounts;
    return [dataLoss * x.rows, correct, judged];
  }

  fit(X: MatrixLike, y: LabelsLike, opts: FitOptions = {}): History {
    const run = this.training(X, y, opts);
    for (;;) {
      const r = run.next();
      if (r.done) return r.value;
    }
  }

  /**
   * fit that hands the event loop a turn every `sliceMs` milliseconds (default 20), so a page
   * stays responsive and an AbortSignal can fire from a button or a timer
   * (`signal: AbortSignal.timeout(60_000)`). Resolves with the History, like fit.
   */
  async fitAsync(X: MatrixLike, y: LabelsLike, opts: FitOptions & { sliceMs?: number } = {}): Promise<History> {
    const sliceMs = (opts as { sliceMs?: unknown } | null)?.sliceMs ?? 20;
    if (typeof sliceMs !== 'number' || !(sliceMs >= 0)) throw new ValueError(`Model.fitAsync: sliceMs must be a number ≥ 0, got ${describe(sliceMs)}`);
    const run = this.training(X, y, opts, ['sliceMs']);
    let sliceStart = performance.now();
    for (;;) {
      const r = run.next();
      if (r.done) return r.value;
      if (performance.now() - sliceStart >= sliceMs) {
        await macrotask();
        sliceStart = performance.now();
      }
    }
  }

  /** the training loop of fit and fitAsync: yields after every step, returns the History */
  private *training(X: MatrixLike, y: LabelsLike, opts: FitOptions, extraKeys: readonly string[] = []): Generator<void, History, void> {
    const { optimizer, accuracy, loss } = this.compiled('fit');
    checkFitOptions(opts, extraKeys);
    const { epochs = 1, shuffle = false, printEvery = 0, log = console.log, onEpochEnd, onNonFinite = 'stop', earlyStopping, signal } = opts;
    // fit's earlyStopping option is an EarlyStopping callback on val_loss, first in line
    const early = earlyStopping && new EarlyStopping({ monitor: 'val_loss', patience: earlyStopping.patience, minDelta: earlyStopping.minDelta, restoreBestWeights: earlyStopping.restoreBest });
    const callbacks: FitCallbacks[] = [...(early ? [early] : []), ...callbackList(opts.callbacks, 'Model.fit')];
    const progress = progressFor(opts.verbose ?? 0, log, opts.progressStream);
    const batchOpt = opts.batchSize;
    if (this.fitting) throw new NnwasmError('Model.fit: this model is already training (fit called from a callback, or while fitAsync runs)');
    let [x, labels] = this.stageData(X, y, 'train', 'fit');
    let val = opts.validationData ? this.stageData(opts.validationData[0], opts.validationData[1], 'validation', 'fit validationData') : undefined;
    const trainRows = opts.validationSplit === undefined ? x.rows : splitRows(x.rows, opts.validationSplit);
    let weights = this.stageWeights(x, labels, opts, trainRows, loss);
    let valWeights: Tensor | undefined;
    if (opts.validationSplit !== undefined) {
      [x, labels, val] = splitTail(x, labels, opts.validationSplit);
      if (weights) [weights, valWeights] = [Tensor.viewAt(weights, 0, trainRows), Tensor.viewAt(weights, trainRows, val[0].rows)];
    }
    const n = x.rows, batch = batchOpt ?? n;
    const steps = Math.ceil(n / batch);
    accuracy.init?.(labels, this.backend.kernels);
    this.guard(optimizer);

    // batches: the data itself (one step), views into it (in order) or gathered copies (shuffled)
    const k = this.backend.kernels;
    const shuffled = shuffle && steps > 1;
    const order = shuffled ? this.buffer('order', 1, n) : undefined;
    // a batch of N-D data is the same rows with the same per-sample shape
    const [xSample, ySample] = [x.shape.slice(1), labels.shape.slice(1)];
    const view = (t: Tensor, sample: number[]) => Tensor.viewAt(t, 0, Math.min(batch, n), ...sample);
    const xb = shuffled ? this.buffer('batch X', batch, ...xSample) : view(x, xSample);
    const yb = shuffled ? this.buffer('batch y', batch, ...ySample) : view(labels, ySample);
    const wb = weights && (shuffled ? this.buffer('batch weights', batch) : view(weights, []));
    // the keys of every epoch's logs, for the callbacks that watch one (checked before the first step)
    const accKeys = this.accuracyInLogs ? ['acc', 'accuracy'] : [];
    const metricKeys = ['loss', ...accKeys, ...this.metrics.map((m) => m.key)];
    /** Keras's logs: the loss, the accuracy (when reported) under both names, the metrics */
    const kerasLogs = (loss: number, acc: number, metrics?: Record<string, number>, prefix = ''): Logs =>
      Object.fromEntries([[`${prefix}loss`, loss], ...accKeys.map((key) => [`${prefix}${key}`, acc]), ...Object.entries(metrics ?? {}).map(([key, v]) => [`${prefix}${key}`, v])]);
    const params = { epochs, steps, samples: n, metrics: [...metricKeys, ...(val ? metricKeys.map((key) => `val_${key}`) : [])] };
    for (const c of callbacks) if (c instanceof Callback) (c.setModel(this), c.setParams(params));

    const history: History = { epochs: [], epoch: [], history: {} };
    const record = (key: string, value: number) => (history.history[key] ??= []).push(value);
    const out: StepOut = { reg: 0, metrics: [] };
    const stillAlive = () => {
      if (this.disposed) throw new DisposedError('Model.fit: the model was disposed while training');
      this.compiled('fit'); // a callback may have disposed a layer, the loss or the optimizer
    };
    /** call `hook` of every callback (TF.js's); false from any, or stopTraining, asks to stop */
    const call = <K extends keyof FitCallbacks>(hook: K, ...args: Parameters<NonNullable<FitCallbacks[K]>>): boolean => {
      let stop = false;
      for (const c of callbacks) if ((c[hook] as ((...a: unknown[]) => unknown) | undefined)?.(...args) === false) stop = true;
      stillAlive();
      return stop || this.stopTraining;
    };
    let lastLogs: Logs = {};
    const stopByCallback = () => {
      history.stopReason = 'callback';
      return true;
    };
    this.fitting = true;
    this.stopTraining = false;
    try {
      if (call('onTrainBegin', {})) stopByCallback();
      training: for (let epoch = 1; epoch <= epochs && !history.stopReason; epoch++) {
        for (const layer of this.layers) layer.onEpochBegin?.(epoch, epochs);
        if (call('onEpochBegin', epoch - 1, {}) && stopByCallback()) break;
        progress?.epochBegin(epoch, epochs, steps);
        // each epoch shuffles 0..n-1 afresh, so the order depends on the shuffle stream's counter
        // alone: that counter is all a saved model needs to resume the same batches
        if (order) this.shuffleRng.permutation(new Int32Array(this.backend.buffer, order.ptr, n));
        let lossSum = 0, rowsSeen = 0, correct = 0, judged = 0, skipped = 0;
        const metricSums = this.metrics.map(() => [0, 0]);
        const epochStart = performance.now();
        for (let s = 0; s < steps; s++) {
          if (signal?.aborted) {
            history.stopReason = 'aborted';
            break training;
          }
          const start = s * batch, rows = Math.min(batch, n - start);
          if (call('onBatchBegin', s, { batch: s, size: rows }) && stopByCallback()) break training;
          let bx = x, by = labels, bw = weights;
          if (steps > 1) {
            if (order) {
              k.gatherRows(x.ptr, order.ptr + start * 4, xb.ptr, rows, x.cols);
              k.gatherRows(labels.ptr, order.ptr + start * 4, yb.ptr, rows, labels.cols);
              bx = xb.reshape(rows, ...xSample);
              by = yb.reshape(rows, ...ySample);
              if (weights && wb) (k.gatherRows(weights.ptr, order.ptr + start * 4, wb.ptr, rows, 1), (bw = wb.reshape(rows)));
            } else {
              bx = xb.moveView(start * x.cols, rows, ...xSample);
              by = yb.moveView(start * labels.cols, rows, ...ySample);
              bw = wb?.moveView(start, rows);
            }
          }
          let batchLogs: Logs;
          try {
            const [l, c, j] = this.step(bx, by, bw, epoch, s, out);
            (lossSum += l), (rowsSeen += rows), (correct += c), (judged += j);
            out.metrics.forEach((counts, m) => counts.forEach((v, i) => (metricSums[m][i] += v)));
            batchLogs = { batch: s, size: rows, ...kerasLogs(l / rows + out.reg, c / j) };
          } catch (e) {
            if (onNonFinite === 'stop' || !(e instanceof TrainingDivergedError)) throw e;
            skipped++;
            batchLogs = { batch: s, size: rows, ...kerasLogs(NaN, NaN) };
          }
          yield;
          stillAlive();
          progress?.batchEnd(s, kerasLogs(lossSum / rowsSeen + out.reg, correct / judged)); // the epoch's running figures
          if (call('onBatchEnd', s, batchLogs) && stopByCallback()) break training;
        }
        const dataLoss = lossSum / rowsSeen; // NaN when every batch of the epoch was skipped
        const seconds = (performance.now() - epochStart) / 1e3;
        const logs: EpochLogs = { epoch, loss: dataLoss + out.reg, dataLoss, regLoss: out.reg, accuracy: correct / judged, lr: optimizer.currentLearningRate, seconds };
        if (skipped) logs.skippedBatches = skipped;
        if (this.metrics.length) logs.metrics = Object.fromEntries(this.metrics.map((m, i) => [m.key, m.value(metricSums[i])]));
        const printing = printEvery > 0 && (epoch % printEvery === 0 || epoch === 1);
        if (val) {
          const { loss: vl, accuracy: va, ...vm } = this.evaluateTensors(val[0], val[1], PREDICT_BATCH, valWeights);
          (logs.valLoss = vl), (logs.valAccuracy = va);
          if (this.metrics.length) logs.valMetrics = vm;
        }
        history.epochs.push(logs);
        history.epoch.push(epoch);
        lastLogs = kerasLogs(logs.loss, logs.accuracy, logs.metrics);
        if (val) Object.assign(lastLogs, kerasLogs(logs.valLoss!, logs.valAccuracy!, logs.valMetrics, 'val_'));
        for (const [key, v] of Object.entries(lastLogs)) record(key, v);
        if (printing)
          log(`epoch: ${epoch}, acc: ${fmt(logs.accuracy)}, loss: ${fmt(logs.loss)} (data_loss: ${fmt(dataLoss)}, reg_loss: ${fmt(out.reg)}), lr: ${logs.lr}`);
        const verdict = onEpochEnd?.(logs);
        stillAlive();
        progress?.epochEnd(epoch, epochs, lastLogs, seconds);
        const ours = new Set(Object.keys(lastLogs));
        const stop = call('onEpochEnd', epoch - 1, lastLogs) || verdict === false;
        // what callbacks add to the logs (a learning rate) goes into the history, as Keras's History runs last
        for (const [key, v] of Object.entries(lastLogs)) if (!ours.has(key) && typeof v === 'number') record(key, v);
        if (callbacks.some((c) => c instanceof EarlyStopping && c.stoppedEpoch === epoch - 1)) {
          history.stopReason = 'early-stopping';
          break;
        }
        if (stop && stopByCallback()) break;
      }
    } finally {
      this.fitting = false;
    }
    if (early && early.bestEpoch >= 0) history.bestEpoch = early.bestEpoch + 1;
    // TF.js names its accuracy `acc`: the same arrays under both names
    if (history.history.accuracy) history.history.acc = history.history.accuracy;
    if (history.history.val_accuracy) history.history.val_acc = history.history.val_accuracy;
    this.fitting = true; // a callback may not start another fit from onTrainEnd either
    try {
      call('onTrainEnd', lastLogs); // EarlyStopping puts the best weights back here
    } finally {
      this.fitting = false;
    }
    const restored = callbacks.some((c) => c instanceof EarlyStopping && c.restored);
    if (val) {
      const last = history.epochs.at(-1);
      history.validation = last?.valLoss !== undefined && !restored && history.stopReason !== 'aborted' ? { loss: last.valLoss, accuracy: last.valAccuracy! } : this.evaluateTensors(val[0], val[1], PREDICT_BATCH, valWeights);
      if (printEvery > 0) log(`validation, acc: ${fmt(history.validation.accuracy)}, loss: ${fmt(history.validation.loss)}`);
    }
    return history;
  }

  /** list every parameter and optimizer-state tensor with a snapshot buffer of its own (named by position) */
  private guard(optimizer: Optimizer): void {
    this.stateCopies = this.layers.flatMap((layer, i) =>
      layer.stateTensors().map((live, j) => ({ live, copy: this.buffer(`state snapshot ${i}.${j}`, ...live.shape) })));
    this.guarded = this.parameterList().flatMap(({ value, key, name }) =>
      [value, ...optimizer.stateFor(value)].map((live, j) => ({
        live,
        copy: this.buffer(`snapshot ${key} ${j}`, live.rows, live.cols),
        name: j ? `${optimizer} state ${j} of ${name}` : name,
      })),
    );
  }

  /** fit's sampleWeight and classWeight as a weight per sample in the model's buffer (see src/sampleWeights.ts) */
  private stageWeights(x: Tensor, labels: Tensor, opts: FitOptions, trainRows: number, loss: Loss): Tensor | undefined {
    const outCols = this.shapesFor(x, 'fit', 'X').reduce((a, b) => a * b, 1);
    const classes = loss.labelKind === 'classes' ? outCols : loss instanceof LossBinaryCrossentropy && outCols === 1 ? 2 : 0;
    const w = sampleWeightsFor(labels.data, labels.rows, labels.cols, opts, classes, trainRows, 'Model.fit');
    if (!w) return undefined;
    const t = this.buffer('train weights', w.length);
    t.data.set(w);
    return t;
  }

  /**
   * A copy of every parameter and layer state tensor in the model's own buffers, named by `role`
   * and position (never by a layer's text: same-shaped layers share that): `take()` copies the live
   * weights in, `putBack()` copies them back. What EarlyStopping's restoreBestWeights keeps; taking
   * allocates nothing after the first time.
   */
  weightCopy(role: string): { take(): void; putBack(): void } {
    this.alive('weightCopy');
    const live = [...this.parameterList().map(({ value, key }) => ({ value, key })), ...this.layers.flatMap((l, i) => l.stateTensors().map((value, j) => ({ value, key: `state ${i}.${j}` })))];
    const pairs = live.map(({ value, key }) => ({ value, copy: this.buffer(`${role} ${key}`, ...value.shape) }));
    const k = this.backend.kernels;
    return {
      take: () => pairs.forEach(({ value, copy }) => k.copy(value.ptr, copy.ptr, value.size)),
      putBack: () => pairs.forEach(({ value, copy }) => k.copy(copy.ptr, value.ptr, value.size)),
    };
  }

  /**
   * The whole model as bytes (format in src/io/format.ts): architecture and hyperparameters,
   * weights, optimizer state, RNG state and a checksum. Model.load rebuilds it on either backend;
   * resumed training follows the uninterrupted run exactly. Refuses non-finite weights.
   */
  save(): Uint8Array {
    if (this.loss) this.compiled('save');
    else (this.alive('save'), this.checkLayers('save'));
    return saveModel(this);
  }

  /** rebuild a saved model on `backend` (default: the current one); FormatError for bad bytes */
  static load(bytes: Uint8Array | ArrayBuffer, opts: { backend?: Backend } = {}): Model {
    const backend = backendFrom(opts, 'Model.load');
    return buildModel(readModel(bytes), backend, () => new Model({ backend }));
  }

  /**
   * Replace this model's weights, optimizer state and RNG state with those saved in `bytes`, which
   * must hold the same architecture (layers, loss, optimizer and hyperparameters). Everything is
   * checked on a scratch copy first: on any error this model is untouched.
   */
  restore(bytes: Uint8Array | ArrayBuffer): this {
    this.alive('restore');
    this.checkLayers('restore');
    if (this.fitting) throw new NnwasmError('Model.restore: the model is training');
    const saved = Model.load(bytes, { backend: this.backend });
    try {
      checkSameArchitecture(saved, this, 'Model.restore');
      copyModelState(saved, this);
    } finally {
      saved.dispose();
    }
    return this;
  }

}
