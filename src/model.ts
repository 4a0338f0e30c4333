import type { Backend } from './backend/backend.ts';
import { backendFrom } from './backend/create.ts';
import { Rng } from './backend/random.ts';
import { Tensor, shapeText } from './tensor.ts';
import { Matrix, checkInput, describe, stage, type LabelsLike, type MatrixLike } from './matrix.ts';
import { Layer } from './layers/layer.ts';
import { ActivationSoftmax } from './layers/activations.ts';
import { Loss, LossBinaryCrossentropy, LossCategoricalCrossentropy, backwardStaged, checkLabelRows, lossOfStaged, lossSumOfStaged } from './losses/loss.ts';
import { stageLabels } from './losses/labels.ts';
import { ActivationSoftmaxLossCategoricalCrossentropy, softmaxCceBackwardStaged } from './losses/softmaxCce.ts';
import { Optimizer } from './optimizers/optimizer.ts';
import { accuracyFor, type Accuracy } from './accuracy.ts';
import { DisposedError, NnwasmError, ShapeError, TrainingDivergedError, ValueError } from './errors.ts';
import { PREDICT_BATCH, checkBatchSize, checkPredictOptions, monteCarloMoments, type McPrediction, type PredictOptions } from './monteCarlo.ts';
import { buildModel, checkSameArchitecture, copyModelState, readModel, saveModel } from './io/model.ts';
import { FusionPlan } from './fusion.ts';
import { lossFrom, optimizerFrom, type LossName, type OptimizerName } from './byName.ts';
import { checkKeys } from './describe.ts';
import { progressFor } from './progress.ts';
import { metricsFrom, type Metric, type MetricName } from './metrics.ts';
import { Callback, EarlyStopping } from './callbacks.ts';
import { checkWeightOptions, sampleWeightsFor } from './sampleWeights.ts';
import { callbackList, checkFitOptions, type EpochLogs, type FitCallbacks, type FitOptions, type History, type Logs } from './fitOptions.ts';

export type { EpochLogs, FitCallbacks, FitOptions, History, Logs };

export interface CompileOptions {
  /** a Loss, or its TF.js name ('sparseCategoricalCrossentropy', 'meanSquaredError', …) */
  loss: Loss | LossName;
  /** an Optimizer, or its TF.js name ('adam', 'sgd', …) with Keras's default learning rate */
  optimizer: Optimizer | OptimizerName;
  /** default: categorical for cross-entropy, binary for binary cross-entropy, regression otherwise */
  accuracy?: Accuracy | 'categorical' | 'binary' | 'regression';
  /**
   * TF.js's metrics, counted every epoch and by evaluate, keyed by their names in logs and history:
   * 'accuracy' / 'acc' (the accuracy above, always reported), 'mae', 'mse', 'binaryAccuracy',
   * 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'precision', 'recall', 'topKCategoricalAccuracy'
   */
  metrics?: MetricName[];
  /** run Dense → ReLU [→ Dropout] chains through fused kernels (default true; see src/fusion.ts) */
  fuse?: boolean;
}

const COMPILE_KEYS = ['loss', 'optimizer', 'accuracy', 'metrics', 'fuse'];

/** what a step hands back beside its return value: the regularization loss, the metrics' counts */
interface StepOut {
  reg: number;
  metrics: number[][];
}

/** evaluate's result: the data loss, the accuracy, and every metric compile was given, by name */
export type Evaluation = { loss: number; accuracy: number } & Record<string, number>;

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
export class Model {
  readonly backend: Backend;
  readonly layers: Layer[] = [];
  loss?: Loss;
  optimizer?: Optimizer;
  accuracy?: Accuracy;
  /** Softmax + CCE at the end: backward takes the fused (y - t) / samples path */
  private fused?: ActivationSoftmaxLossCategoricalCrossentropy;
  private readonly buffers = new Map<string, Tensor>();
  /** fused layer runs (src/fusion.ts), planned at compile; undefined: layer by layer */
  private plan?: FusionPlan;
  /** draws the minibatch order; saved and restored with the model (src/io/model.ts) */
  shuffleRng: Rng;
  /** set it from a callback to stop training after the current batch (as TF.js and Keras) */
  stopTraining = false;
  /** a fit (or fitAsync) is running: a second one would overwrite its data buffers */
  private fitting = false;
  private disposed = false;
  /** how many layers the last compile planned for; add() after compile makes the plan stale */
  private compiledLayers = 0;
  /** every layer built and the step planned (at compile with a known input shape, else at the first batch) */
  private planned = false;
  /** compile's `fuse` option */
  private fuse = true;
  /** compile's metrics beyond the accuracy */
  private metrics: Metric[] = [];
  /**
   * whether Keras-style logs, history and verbose lines carry the accuracy: for classification
   * losses, or when compile asked for it (metrics ['accuracy'], or an accuracy); a regression's
   * book accuracy (|error| < std / 250) is not what a Keras user reads as accuracy
   */
  private accuracyInLogs = true;
  /** one sample's input shape, from the last data staged (for summary) */
  private sampleShape?: number[];
  /** the trainable layers and every gradient with a readable name, listed once at compile */
  private trainable: Layer[] = [];
  private gradients: { grad: Tensor; name: string }[] = [];
  /** layers with state a step moves outside their parameters (RNG counters, running statistics) */
  private stateful: Layer[] = [];
  /** parameters and optimizer state with their snapshot before the current update (see step) */
  private guarded: { live: Tensor; copy: Tensor; name: string }[] = [];
  /** the layers' state tensors (running statistics) with their snapshot before the current step */
  private stateCopies: { live: Tensor; copy: Tensor }[] = [];

  constructor(opts: { backend?: Backend } = {}) {
    this.backend = backendFrom(opts, 'Model');
    this.shuffleRng = new Rng(this.backend.nextSeed(), 0x5f);
  }

  /**
   * Append a layer. A layer belongs to one model (adding it twice, or to a second model, is a
   * ValueError); after compile, adding a layer means compiling again before fit or predict.
   */
  add(layer: Layer): this {
    this.alive('add');
    if (!(layer instanceof Layer)) throw new ValueError(`Model.add: expected a Layer (e.g. new LayerDense(2, 64)), got ${describe(layer)}`);
    layer.checkAlive('Model.add');
    if (layer.backend !== this.backend) throw new ValueError(`Model.add: ${layer} lives on backend ${layer.backend.variant}, the model on ${this.backend.variant}`);
    if (layer.model === this) throw new ValueError(`Model.add: ${layer} is already layer ${this.layers.indexOf(layer)} of this model; a layer can appear once (build another)`);
    if (layer.model !== undefined) throw new ValueError(`Model.add: ${layer} already belongs to another model; layers cannot be shared (build a new one and copy its parameters)`);
    layer.model = this;
    this.layers.push(layer);
    return this;
  }

  /**
   * Fix the loss, the optimizer and the accuracy, and plan the training step. The model takes
   * ownership of the loss and the optimizer: dispose() releases them, and compiling again with
   * another one releases the one it replaces. Everything is checked before anything changes.
   */
  compile(opts: CompileOptions): this {
    this.alive('compile');
    if (this.fitting) throw new NnwasmError('Model.compile: the model is training');
    if (opts === null || typeof opts !== 'object') throw new ValueError(`Model.compile: expected { loss, optimizer, accuracy? }, got ${describe(opts)}`);
    checkKeys(opts, COMPILE_KEYS, 'Model.compile');
    const loss = lossFrom(opts.loss, this.backend, 'Model.compile'), optimizer = optimizerFrom(opts.optimizer, this.backend, 'Model.compile');
    const metrics = metricsFrom(opts.metrics, 'Model.compile');
    if (!this.layers.length) throw new NnwasmError('Model.compile: the model has no layers; add some first');
    this.checkLayers('compile');
    const owned = (part: Loss | Optimizer, what: string) => {
      if (part.disposed) throw new DisposedError(`Model.compile: the ${what} ${part} was disposed`);
      if (part.backend !== this.backend) throw new ValueError(`Model.compile: the ${what} ${part} lives on backend ${part.backend.variant}, the model on ${this.backend.variant}`);
      if (part.model !== undefined && part.model !== this) throw new ValueError(`Model.compile: the ${what} ${part} belongs to another model; build one per model`);
    };
    owned(loss, 'loss');
    owned(optimizer, 'optimizer');
    const accuracy = accuracyFor(opts.accuracy, loss);
    if (opts.fuse !== undefined && typeof opts.fuse !== 'boolean') throw new ValueError(`Model.compile: fuse must be a boolean, got ${describe(opts.fuse)}`);
    // with an input shape known now (declared, or implied by a first Dense) every layer's shapes
    // are checked here; otherwise the first batch's shape is walked through them at fit or predict
    const implied = this.layers[0].impliedInputShape();
    const inputs = implied ? this.walkShapes(implied, 'compile', 'the input').inputs : undefined;
    // checked: from here on nothing throws but running out of memory while building layers
    if (this.loss && this.loss !== loss) this.loss.dispose();
    if (this.optimizer && this.optimizer !== optimizer) this.optimizer.dispose();
    [this.loss, this.optimizer, this.accuracy, this.metrics] = [loss, optimizer, accuracy, metrics];
    this.accuracyInLogs = loss.labelKind === 'classes' || loss instanceof LossBinaryCrossentropy || opts.accuracy !== undefined
      || (Array.isArray(opts.metrics) && opts.metrics.some((m) => m === 'accuracy' || m === 'acc'));
    loss.model = optimizer.model = this;
    this.fused?.dispose();
    this.fused = this.layers.at(-1) instanceof ActivationSoftmax && loss instanceof LossCategoricalCrossentropy
      ? new ActivationSoftmaxLossCategoricalCrossentropy({ backend: this.backend }) : undefined;
    this.layers[0].computeDinputs = false; // nothing needs the gradient of the data
    this.fuse = opts.fuse !== false;
    this.compiledLayers = this.layers.length;
    this.planned = false;
    if (inputs) this.prepare(inputs);
    return this;
  }

  /**
   * Build the layers for these per-layer input shapes (parameters that depend on the input are
   * allocated now) and, the first time every layer is built, plan the step: the fused runs, the
   * trainable layers, the gradients to guard, the layers with state to roll back.
   */
  private prepare(inputs: readonly number[][]): void {
    this.layers.forEach((l, i) => l.build(inputs[i]));
    if (this.planned) return;
    this.layers.forEach((l, i) => l.onCompile?.(this.layers, i));
    this.plan = this.fuse ? FusionPlan.of(this.layers, (role, ...dims) => this.buffer(role, ...dims)) : undefined;
    this.trainable = this.layers.filter((l) => l.parameters().length);
    this.gradients = this.parameterList().map(({ grad, gradName }) => ({ grad, name: gradName }));
    this.stateful = this.layers.filter((l) => Object.keys(l.getState()).length > 0);
    this.planned = true;
  }

  /**
   * Walk one sample's input shape through the layers (each states its `outputShape`): the output
   * shape per sample, or a ShapeError naming the first layer that does not fit, the shape it got
   * and the layer (or the input) that shape comes from.
   */
  private walkShapes(sample: readonly number[], who: string, source: string): { inputs: number[][]; output: number[] } {
    let shape = [...sample], from = source;
    const inputs: number[][] = [];
    this.layers.forEach((layer, i) => {
      inputs.push(shape);
      let next: number[];
      try {
        next = layer.outputShape(shape);
      } catch (e) {
        throw e instanceof ShapeError ? new ShapeError(`Model.${who}: layer ${i}: ${e.message} (that shape comes from ${from})`) : e;
      }
      if (shapeText(next) !== shapeText(shape)) from = `layer ${i} ${layer}`;
      shape = next;
    });
    return { inputs, output: shape };
  }

  /**
   * The per-sample output shape for data `x`: its shape walked through the layers (checked
   * against a declared input shape), which builds and plans the model the first time.
   */
  private shapesFor(x: Tensor, who: string, what: string): number[] {
    const sample = x.shape.slice(1), declared = this.layers[0].inputShape;
    if (declared && shapeText(sample) !== shapeText(declared))
      throw new ShapeError(`Model.${who}: ${what} is ${x}, ${shapeText(sample)} per sample, but the first layer ${this.layers[0]} declares inputShape ${shapeText(declared)}`);
    const { inputs, output } = this.walkShapes(sample, who, `${what}, ${x}`);
    this.prepare(inputs);
    this.sampleShape = sample;
    return output;
  }

  /** "Model(LayerDense(2, 64) → ActivationReLU → …; LossCategoricalCrossentropy, OptimizerAdam)" */
  toString(): string {
    const parts = [this.loss, this.optimizer].filter(Boolean).map(String);
    return `Model(${this.layers.map(String).join(' → ') || 'no layers'}${parts.length ? `; ${parts.join(', ')}` : ''})`;
  }

  /**
   * A table of the layers (output shape per sample, parameters) and the totals, as Keras's and
   * TF.js's summary(): printed through `print` (default console.log; null prints nothing) and
   * returned. Output shapes need an input shape: the first layer's inputShape, a first Dense's
   * width, or the data of a fit or predict so far.
   */
  summary(print: ((line: string) => void) | null = console.log): string {
    this.alive('summary');
    this.checkLayers('summary');
    const input = this.sampleShape ?? this.layers[0]?.impliedInputShape();
    let shapes: number[][] | undefined;
    if (input) {
      try {
        const { inputs, output } = this.walkShapes(input, 'summary', 'the input');
        shapes = [...inputs.slice(1), output]; // each layer's output is the next one's input
      } catch {
        shapes = undefined; // a misfit: compile or fit names it; the table shows what it can
      }
    }
    const count = (l: Layer) => l.parameters().reduce((n, [p]) => n + p.size, 0);
    const rows = this.layers.map((l, i) => [`${i} ${l}`, shapes ? `[batch, ${shapes[i].join(', ')}]` : '?', count(l).toLocaleString('en')]);
    const head = ['layer', 'output shape', 'parameters'];
    const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    const line = (r: string[]) => r.map((v, c) => (c === 2 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('   ');
    const rule = '─'.repeat(widths.reduce((a, b) => a + b + 3, -3));
    const total = this.layers.reduce((n, l) => n + count(l), 0);
    const text = [
      `Model: ${this.layers.length} layers, input ${input ? `[batch, ${input.join(', ')}]` : 'not known yet (no inputShape, no data)'}`,
      rule, line(head), rule, ...rows.map(line), rule,
      `parameters: ${total.toLocaleString('en')} (${(total * 4 / 1024).toFixed(1)} KiB as float32)${this.loss ? `; loss ${this.loss}, optimizer ${this.optimizer}` : '; not compiled'}`,
    ].join('\n');
    print?.(text);
    return text;
  }

  /** a DisposedError naming the first disposed layer */
  private checkLayers(who: string): void {
    this.layers.forEach((l, i) => {
      if (l.disposed) throw new DisposedError(`Model.${who}: layer ${i} (${l}) was disposed; a disposed layer cannot be used, and the model must be rebuilt`);
    });
  }

  private alive(who: string): void {
    if (this.disposed) throw new DisposedError(`Model.${who}: the model was disposed`);
  }

  /**
   * The entry check of every call that runs kernels: the model, each layer, the loss and the
   * optimizer alive, and the plan of the last compile still describing the layers. Nothing reaches
   * a kernel before this holds, so a misused model fails with a typed error before any write.
   */
  private compiled(who: string): { loss: Loss; optimizer: Optimizer; accuracy: Accuracy } {
    this.alive(who);
    if (!this.loss || !this.optimizer || !this.accuracy) throw new NnwasmError(`Model.${who}: call compile({ loss, optimizer }) first`);
    if (this.compiledLayers !== this.layers.length)
      throw new NnwasmError(`Model.${who}: layers were added after compile (${this.compiledLayers} then, ${this.layers.length} now); call compile again`);
    this.checkLayers(who);
    if (this.loss.disposed) throw new DisposedError(`Model.${who}: the loss ${this.loss} was disposed`);
    if (this.optimizer.disposed) throw new DisposedError(`Model.${who}: the optimizer ${this.optimizer} was disposed`);
    return { loss: this.loss, optimizer: this.optimizer, accuracy: this.accuracy };
  }

  private buffer(role: string, ...dims: number[]): Tensor {
    const t = this.backend.ensure(this.buffers.get(role), ...dims);
    this.buffers.set(role, t);
    return t;
  }

  /** copy X and y into the model's own buffers, validating both */
  private stageData(X: MatrixLike, y: LabelsLike, role: string, who: string): [Tensor, Tensor] {
    const { loss } = this.compiled(who);
    const x = stage(this.backend, X, this.buffers.get(`${role} X`), `Model.${who} X`);
    if (x !== X) this.buffers.set(`${role} X`, x);
    const outCols = this.shapesFor(x, who, 'X').reduce((a, b) => a * b, 1);
    checkLabelRows(`Model.${who}`, x.rows, y);
    const labels = stageLabels(this.backend, y, x.rows, outCols, loss.labelKind, this.buffers.get(`${role} y`), `Model.${who}`, loss.targetRange);
    for (const m of this.metrics)
      if (m.labels === 'targets' && labels.cols !== outCols)
        throw new ValueError(`Model.${who}: the metric ${m.key} compares each output with a target, but y is ${labels} for outputs of ${outCols} values (class indices?)`);
    if (labels !== y) this.buffers.set(`${role} y`, labels);
    return [x, labels];
  }

  private forward(x: Tensor, training: boolean): Tensor {
    if (this.plan) return this.plan.forward(x, training);
    let t = x;
    for (const layer of this.layers) {
      layer.forward(t, training);
      t = layer.output;
    }
    return t;
  }

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
   * Views of `batch` rows of `t` at a time (the last one shorter): evaluation and prediction run
   * batch by batch, so their buffers (a convolution's columns) are sized for a batch, not the set.
   */
  private *batchesOf(t: Tensor, batch: number): Generator<Tensor> {
    if (t.rows <= batch) return yield t;
    const sample = t.shape.slice(1), view = Tensor.viewAt(t, 0, batch, ...sample);
    for (let start = 0; start < t.rows; start += batch) yield view.moveView(start * t.cols, Math.min(batch, t.rows - start), ...sample);
  }

  /** data loss, accuracy and compile's metrics with dropout off, `batch` rows at a time; the sums run over all of them */
  private evaluateTensors(x: Tensor, y: Tensor, batch: number, weights?: Tensor): Evaluation {
    const { loss, accuracy } = this.compiled('evaluate');
    const k = this.backend.kernels, ys = this.batchesOf(y, batch), ws = weights && this.batchesOf(weights, batch), sums = this.metrics.map(() => [0, 0]);
    let sum = 0, divisor = 0, correct = 0, judged = 0;
    for (const xb of this.batchesOf(x, batch)) {
      const yb = ys.next().value as Tensor, output = this.forward(xb, false);
      const part = lossSumOfStaged(loss, output, yb, ws?.next().value as Tensor | undefined), [c, j] = accuracy.correct(k, output, yb);
      (sum += part.sum), (divisor += part.divisor), (correct += c), (judged += j);
      this.metrics.forEach((m, i) => m.count(k, output, yb).forEach((v, n) => (sums[i][n] += v)));
    }
    return { loss: sum / divisor, accuracy: correct / judged, ...Object.fromEntries(this.metrics.map((m, i) => [m.key, m.value(sums[i])])) };
  }

  /**
   * data loss, accuracy and compile's metrics on (X, y), with dropout off, `batchSize` samples at a
   * time (default 256, as fit measures its validation data, so the two give the same bits);
   * `sampleWeight` weighs each sample's loss as fit's does
   */
  evaluate(X: MatrixLike, y: LabelsLike, opts?: { batchSize?: number; sampleWeight?: ArrayLike<number> }): Evaluation {
    const batch = checkBatchSize(opts, 'Model.evaluate');
    if (opts) checkKeys(opts, ['batchSize', 'sampleWeight'], 'Model.evaluate');
    checkWeightOptions(opts?.sampleWeight, undefined, 'Model.evaluate');
    const [x, labels] = this.stageData(X, y, 'evaluate', 'evaluate');
    // the loss weighted as fit weighs it (Σ w · loss / rows); accuracy and metrics unweighted
    const w = sampleWeightsFor(labels.data, labels.rows, labels.cols, { sampleWeight: opts?.sampleWeight }, 0, 0, 'Model.evaluate');
    const weights = w && this.buffer('evaluate weights', w.length);
    weights?.data.set(w!);
    return this.evaluateTensors(x, labels, batch, weights);
  }

  /**
   * The model's output for X (dropout off), copied out of backend memory, computed `batchSize`
   * samples at a time (default 256). X may also be one sample without its batch dimension (an
   * array of the input's width, one image): the output is then a batch of one. With `{ mcSamples: N }`: Monte Carlo dropout, the mean and
   * standard deviation of N passes with dropout on; each pass covers the whole set (one mask draw
   * per pass) unless `batchSize` is given, then each batch makes its N passes in turn.
   */
  predict(X: MatrixLike, opts?: { mcSamples?: undefined; batchSize?: number }): Matrix;
  predict(X: MatrixLike, opts: { mcSamples: number; batchSize?: number }): McPrediction;
  predict(X: MatrixLike, opts?: PredictOptions): Matrix | McPrediction {
    this.compiled('predict');
    const mcSamples = checkPredictOptions(opts, 'Model.predict');
    // a Monte Carlo pass draws its masks over the whole set unless a batch size bounds it
    const batch = mcSamples !== undefined && (opts as PredictOptions).batchSize === undefined ? Infinity : checkBatchSize(opts, 'Model.predict');
    let x = stage(this.backend, X, this.buffers.get('predict X'), 'Model.predict X');
    if (x !== X) this.buffers.set('predict X', x);
    const single = this.singleSample(X, x);
    if (single) x = single;
    const outShape = this.shapesFor(x, 'predict', 'X'), per = outShape.reduce((a, b) => a * b, 1);
    const shape = [x.rows, ...outShape], [mean, std] = [new Float32Array(x.rows * per), new Float32Array(mcSamples === undefined ? 0 : x.rows * per)];
    let at = 0;
    for (const xb of this.batchesOf(x, batch)) {
      if (mcSamples !== undefined) {
        const m = monteCarloMoments(this.backend, mcSamples, () => this.forward(xb, true), (role, ...dims) => this.buffer(role, ...dims));
        mean.set(m.mean.data, at);
        std.set(m.std.data, at);
      } else {
        const out = this.forward(xb, false);
        if (this.backend.kernels.countNonFinite(out.ptr, out.size))
          throw new ValueError(`Model.predict: the output for X (${x}) holds NaN or Infinity: the weights or inputs overflow float32 (a diverged model?)`);
        mean.set(out.data, at);
      }
      at += xb.rows * per;
    }
    if (mcSamples !== undefined) return { mean: new Matrix(mean, shape), std: new Matrix(std, shape), samples: mcSamples };
    return new Matrix(mean, shape);
  }

  /**
   * One sample given without its batch dimension (a flat array of a Dense model's width, or one
   * image [h, w, c]): a view of it as a batch of one; undefined for a batch.
   */
  private singleSample(X: MatrixLike, x: Tensor): Tensor | undefined {
    const sample = this.sampleShape ?? this.layers[0]?.impliedInputShape();
    if (!sample) return undefined;
    const flat = !(X instanceof Tensor) && !(X instanceof Matrix) && typeof (X as ArrayLike<unknown>)[0] === 'number';
    if (flat && sample.length === 1 && sample[0] > 1 && x.rows === sample[0] && x.cols === 1) return x.view(1, sample[0]);
    if (x.rank === sample.length && x.shape.every((d, i) => d === sample[i]) && sample.length > 1) return x.view(1, ...sample);
    return undefined;
  }

  /**
   * Every trainable tensor in order (each LayerDense's weights, then biases) with its gradient, a
   * key by position (`layer.parameter`, unique even when layers have the same shape) and a
   * readable name for messages (`layer 2 LayerDense(64, 64) weights`).
   */
  private parameterList(): { value: Tensor; grad: Tensor; key: string; name: string; gradName: string }[] {
    return this.layers.flatMap((l, i) => l.parameters().map(([value, grad], j) => {
      const what = l.parameterNames()[j];
      return { value, grad, key: `${i}.${j}`, name: `layer ${i} ${l} ${what}`, gradName: `layer ${i} ${l} d${what}` };
    }));
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

  /** copies of every trainable tensor, in order: each LayerDense's weights, then its biases */
  getParameters(): Matrix[] {
    this.alive('getParameters');
    this.checkLayers('getParameters');
    return this.parameterList().map(({ value }) => new Matrix(value.toFloat32Array(), value.shape));
  }

  /** load what getParameters returned: same count and shapes, finite values, all checked before any is written */
  setParameters(params: readonly MatrixLike[]): void {
    this.alive('setParameters');
    this.checkLayers('setParameters');
    if (this.fitting) throw new NnwasmError('Model.setParameters: the model is training');
    const list = this.parameterList();
    if (!Array.isArray(params)) throw new ValueError(`Model.setParameters: expected an array of ${list.length} matrices (as getParameters returns), got ${describe(params)}`);
    if (params.length !== list.length) throw new ShapeError(`Model.setParameters: expected ${list.length} parameter tensors (${list.map((p) => `${p.name} ${p.value}`).join(', ')}), got ${params.length}`);
    list.forEach(({ value, name }, i) => {
      const who = `Model.setParameters ${name}`;
      const p = params[i];
      const shape = checkInput(p, who);
      if (shapeText(shape) !== shapeText(value.shape)) throw new ShapeError(`${who}: expected ${value}, got ${shapeText(shape)}`);
      if (p instanceof Tensor && p.backend !== this.backend) throw new ValueError(`${who}: the tensor lives on another backend (${p.backend.variant}), the model on ${this.backend.variant}`);
    });
    const k = this.backend.kernels;
    list.forEach(({ value, name }, i) => {
      const staged = stage(this.backend, params[i], value, `Model.setParameters ${name}`);
      if (staged !== value) k.copy(staged.ptr, value.ptr, value.size);
    });
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

  /** release every tensor of the model, its layers, loss and optimizer; the model is unusable after */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const l of this.layers) l.dispose();
    this.loss?.dispose();
    this.optimizer?.dispose();
    this.fused?.dispose();
    for (const t of this.buffers.values()) t.dispose();
    this.buffers.clear();
  }
}
