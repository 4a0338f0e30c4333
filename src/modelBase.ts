import type { Backend } from './backend/backend.ts';
import { backendFrom } from './backend/create.ts';
import { Rng } from './backend/random.ts';
import { Tensor, shapeText } from './tensor.ts';
import { Matrix, checkInput, describe, stage, type LabelsLike, type MatrixLike } from './matrix.ts';
import { Layer } from './layers/layer.ts';
import { ActivationSoftmax } from './layers/activations.ts';
import { Loss, LossBinaryCrossentropy, LossCategoricalCrossentropy, checkLabelRows, lossSumOfStaged } from './losses/loss.ts';
import { stageLabels } from './losses/labels.ts';
import { ActivationSoftmaxLossCategoricalCrossentropy } from './losses/softmaxCce.ts';
import { Optimizer } from './optimizers/optimizer.ts';
import { accuracyFor, type Accuracy } from './accuracy.ts';
import { DisposedError, NnwasmError, ShapeError, ValueError } from './errors.ts';
import { checkBatchSize, checkPredictOptions, monteCarloMoments, type McPrediction, type PredictOptions } from './monteCarlo.ts';
import { FusionPlan } from './fusion.ts';
import { InferencePlan } from './inferencePlan.ts';
import { lossFrom, optimizerFrom, type LossName, type OptimizerName } from './byName.ts';
import { checkKeys } from './describe.ts';
import { metricsFrom, type Metric, type MetricName } from './metrics.ts';
import { checkWeightOptions, sampleWeightsFor } from './sampleWeights.ts';

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

/** evaluate's result: the data loss, the accuracy, and every metric compile was given, by name */
export type Evaluation = { loss: number; accuracy: number } & Record<string, number>;

/**
 * The part of a Model that is not its training loop: layers and their shapes, compile, the
 * forward pass, evaluate and predict, parameters in and out, the buffers a fit reuses.
 * src/model.ts's Model extends it with fit, save and restore.
 */
export abstract class ModelBase {
  readonly backend: Backend;
  readonly layers: Layer[] = [];
  loss?: Loss;
  optimizer?: Optimizer;
  accuracy?: Accuracy;
  /** Softmax + CCE at the end: backward takes the fused (y - t) / samples path */
  protected fused?: ActivationSoftmaxLossCategoricalCrossentropy;
  protected readonly buffers = new Map<string, Tensor>();
  /** fused layer runs (src/fusion.ts), planned at compile; undefined: layer by layer */
  protected plan?: FusionPlan;
  /** inference's plan (src/inferencePlan.ts): batch norms folded, Conv2D → 2×2 max pooling in one kernel (predict, evaluate; refreshed per call) */
  protected inferencePlan?: InferencePlan;
  /** draws the minibatch order; saved and restored with the model (src/io/model.ts) */
  shuffleRng: Rng;
  /** set it from a callback to stop training after the current batch (as TF.js and Keras) */
  stopTraining = false;
  /** a fit (or fitAsync) is running: a second one would overwrite its data buffers */
  protected fitting = false;
  protected disposed = false;
  /** how many layers the last compile planned for; add() after compile makes the plan stale */
  protected compiledLayers = 0;
  /** every layer built and the step planned (at compile with a known input shape, else at the first batch) */
  protected planned = false;
  /** compile's `fuse` option */
  protected fuse = true;
  /** compile's metrics beyond the accuracy */
  protected metrics: Metric[] = [];
  /**
   * whether Keras-style logs, history and verbose lines carry the accuracy: for classification
   * losses, or when compile asked for it (metrics ['accuracy'], or an accuracy); a regression's
   * book accuracy (|error| < std / 250) is not what a Keras user reads as accuracy
   */
  protected accuracyInLogs = true;
  /** one sample's input shape, from the last data staged (for summary) */
  protected sampleShape?: number[];
  /** the trainable layers and every gradient with a readable name, listed once at compile */
  protected trainable: Layer[] = [];
  protected gradients: { grad: Tensor; name: string }[] = [];
  /** layers with state a step moves outside their parameters (RNG counters, running statistics) */
  protected stateful: Layer[] = [];
  /** parameters and optimizer state with their snapshot before the current update (see step) */
  protected guarded: { live: Tensor; copy: Tensor; name: string }[] = [];
  /** the layers' state tensors (running statistics) with their snapshot before the current step */
  protected stateCopies: { live: Tensor; copy: Tensor }[] = [];

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
  protected prepare(inputs: readonly number[][]): void {
    this.layers.forEach((l, i) => l.build(inputs[i]));
    if (this.planned) return;
    this.layers.forEach((l, i) => l.onCompile?.(this.layers, i));
    this.plan = this.fuse ? FusionPlan.of(this.layers, (role, ...dims) => this.buffer(role, ...dims)) : undefined;
    this.inferencePlan = this.fuse ? InferencePlan.of(this.layers, (role, ...dims) => this.buffer(role, ...dims)) : undefined;
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
  protected walkShapes(sample: readonly number[], who: string, source: string): { inputs: number[][]; output: number[] } {
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
  protected shapesFor(x: Tensor, who: string, what: string): number[] {
    const sample = x.shape.slice(1), declared = this.layers[0].inputShape;
    if (declared && shapeText(sample) !== shapeText(declared))
      throw new ShapeError(`Model.${who}: ${what} is ${x}, ${shapeText(sample)} per sample, but the first layer ${this.layers[0]} declares inputShape ${shapeText(declared)}`);
    const { inputs, output } = this.walkShapes(sample, who, `${what}, ${x}`);
    this.prepare(inputs);
    this.sampleShape = sample;
    return output;
  }

  /**
   * One sample's shape at every layer's input and at the output, for the input shape the model
   * knows (the first layer's inputShape or width, or the data seen so far); every layer is built
   * for it (Conv2D allocates its kernel). A ValueError naming `who` when no input shape is known.
   */
  sampleShapes(who: string): { input: number[]; inputs: number[][]; output: number[] } {
    this.alive(who);
    this.checkLayers(who);
    const input = this.sampleShape ?? this.layers[0]?.impliedInputShape();
    if (!input) throw new ValueError(`${who}: the model's input shape is not known: give the first layer inputShape, or compile and fit (or predict) once`);
    const { inputs, output } = this.walkShapes(input, who, 'the input');
    this.layers.forEach((l, i) => l.build(inputs[i]));
    return { input: [...input], inputs, output };
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
  protected checkLayers(who: string): void {
    this.layers.forEach((l, i) => {
      if (l.disposed) throw new DisposedError(`Model.${who}: layer ${i} (${l}) was disposed; a disposed layer cannot be used, and the model must be rebuilt`);
    });
  }

  protected alive(who: string): void {
    if (this.disposed) throw new DisposedError(`Model.${who}: the model was disposed`);
  }

  /**
   * The entry check of every call that runs kernels: the model, each layer, the loss and the
   * optimizer alive, and the plan of the last compile still describing the layers. Nothing reaches
   * a kernel before this holds, so a misused model fails with a typed error before any write.
   */
  protected compiled(who: string): { loss: Loss; optimizer: Optimizer; accuracy: Accuracy } {
    this.alive(who);
    if (!this.loss || !this.optimizer || !this.accuracy) throw new NnwasmError(`Model.${who}: call compile({ loss, optimizer }) first`);
    if (this.compiledLayers !== this.layers.length)
      throw new NnwasmError(`Model.${who}: layers were added after compile (${this.compiledLayers} then, ${this.layers.length} now); call compile again`);
    this.checkLayers(who);
    if (this.loss.disposed) throw new DisposedError(`Model.${who}: the loss ${this.loss} was disposed`);
    if (this.optimizer.disposed) throw new DisposedError(`Model.${who}: the optimizer ${this.optimizer} was disposed`);
    return { loss: this.loss, optimizer: this.optimizer, accuracy: this.accuracy };
  }

  protected buffer(role: string, ...dims: number[]): Tensor {
    const t = this.backend.ensure(this.buffers.get(role), ...dims);
    this.buffers.set(role, t);
    return t;
  }

  /** copy X and y into the model's own buffers, validating both */
  protected stageData(X: MatrixLike, y: LabelsLike, role: string, who: string): [Tensor, Tensor] {
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

  /** the forward pass; at inference (training false) predict and evaluate have refreshed `inferencePlan` first */
  protected forward(x: Tensor, training: boolean): Tensor {
    if (!training && this.inferencePlan) return this.inferencePlan.forward(x);
    if (this.plan) return this.plan.forward(x, training);
    let t = x;
    for (const layer of this.layers) {
      layer.forward(t, training);
      t = layer.output;
    }
    return t;
  }

  /**
   * Views of `batch` rows of `t` at a time (the last one shorter): evaluation and prediction run
   * batch by batch, so their buffers (a convolution's columns) are sized for a batch, not the set.
   */
  protected *batchesOf(t: Tensor, batch: number): Generator<Tensor> {
    if (t.rows <= batch) return yield t;
    const sample = t.shape.slice(1), view = Tensor.viewAt(t, 0, batch, ...sample);
    for (let start = 0; start < t.rows; start += batch) yield view.moveView(start * t.cols, Math.min(batch, t.rows - start), ...sample);
  }

  /** data loss, accuracy and compile's metrics with dropout off, `batch` rows at a time; the sums run over all of them */
  protected evaluateTensors(x: Tensor, y: Tensor, batch: number, weights?: Tensor): Evaluation {
    const { loss, accuracy } = this.compiled('evaluate');
    const k = this.backend.kernels, ys = this.batchesOf(y, batch), ws = weights && this.batchesOf(weights, batch), sums = this.metrics.map(() => [0, 0]);
    let sum = 0, divisor = 0, correct = 0, judged = 0;
    this.inferencePlan?.refresh();
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
   * per pass) unless `batchSize` is given, then each batch makes its N passes in turn. Batch
   * normalization stays in inference mode in those passes (its moving statistics, unchanged).
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
    this.inferencePlan?.refresh();
    for (const xb of this.batchesOf(x, batch)) {
      if (mcSamples !== undefined) {
        const m = this.inMonteCarloPasses(() => monteCarloMoments(this.backend, mcSamples, () => this.forward(xb, true), (role, ...dims) => this.buffer(role, ...dims)));
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
   * `fn` with every layer's monteCarloPass set: its passes run forward in training mode so that
   * dropout draws, and layers whose training mode is more than noise (batch normalization) run as
   * at inference instead, leaving their state alone
   */
  private inMonteCarloPasses<T>(fn: () => T): T {
    for (const l of this.layers) l.monteCarloPass = true;
    try {
      return fn();
    } finally {
      for (const l of this.layers) l.monteCarloPass = false;
    }
  }

  /**
   * One sample given without its batch dimension (a flat array of a Dense model's width, or one
   * image [h, w, c]): a view of it as a batch of one; undefined for a batch.
   */
  protected singleSample(X: MatrixLike, x: Tensor): Tensor | undefined {
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
  protected parameterList(): { value: Tensor; grad: Tensor; key: string; name: string; gradName: string }[] {
    return this.layers.flatMap((l, i) => l.parameters().map(([value, grad], j) => {
      const what = l.parameterNames()[j];
      return { value, grad, key: `${i}.${j}`, name: `layer ${i} ${l} ${what}`, gradName: `layer ${i} ${l} d${what}` };
    }));
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
