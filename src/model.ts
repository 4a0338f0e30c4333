import type { Backend } from './backend/backend.ts';
import { getBackend } from './backend/create.ts';
import { Rng } from './backend/random.ts';
import { Tensor } from './tensor.ts';
import { Matrix, stage, type LabelsLike, type MatrixLike } from './matrix.ts';
import { Layer } from './layers/layer.ts';
import { LayerDense } from './layers/dense.ts';
import { ActivationSoftmax } from './layers/activations.ts';
import { Loss, LossCategoricalCrossentropy, checkLabelRows } from './losses/loss.ts';
import { stageLabels } from './losses/labels.ts';
import { ActivationSoftmaxLossCategoricalCrossentropy } from './losses/softmaxCce.ts';
import type { Optimizer } from './optimizers/optimizer.ts';
import { AccuracyBinary, AccuracyCategorical, AccuracyRegression, type Accuracy } from './accuracy.ts';
import { NnwasmError, ShapeError, TrainingDivergedError } from './errors.ts';

export interface CompileOptions {
  loss: Loss;
  optimizer: Optimizer;
  /** default: categorical for cross-entropy, binary for binary cross-entropy, regression otherwise */
  accuracy?: Accuracy | 'categorical' | 'binary' | 'regression';
}

export interface EpochLogs {
  epoch: number;
  /** data loss + regularization loss */
  loss: number;
  dataLoss: number;
  regLoss: number;
  accuracy: number;
  /** the learning rate used in the epoch's last step */
  lr: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface FitOptions {
  epochs?: number;
  /** samples per step; default: the whole data set in one step (the book's chapters 14–16) */
  batchSize?: number;
  /** reshuffle the samples every epoch (seeded by the backend) when there is more than one step */
  shuffle?: boolean;
  validationData?: [MatrixLike, LabelsLike];
  /** print the book-style line every N epochs (0 = never); validation is measured on those epochs */
  printEvery?: number;
  /** where printed lines go (default console.log) */
  log?: (line: string) => void;
  /** called after every epoch; return false to stop training */
  onEpochEnd?: (logs: EpochLogs) => void | boolean;
}

export interface History {
  epochs: EpochLogs[];
  /** the final validation result, when validationData was given */
  validation?: { loss: number; accuracy: number };
}

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
  private readonly shuffleRng: Rng;
  /** the trainable layers and every gradient with a readable name, listed once at compile */
  private trainable: Layer[] = [];
  private gradients: { grad: Tensor; name: string }[] = [];
  /** parameters and optimizer state with their snapshot before the current update (see step) */
  private guarded: { live: Tensor; copy: Tensor; name: string }[] = [];

  constructor(opts: { backend?: Backend } = {}) {
    this.backend = opts.backend ?? getBackend();
    this.shuffleRng = new Rng(this.backend.nextSeed(), 0x5f);
  }

  add(layer: Layer): this {
    if (layer.backend !== this.backend) throw new NnwasmError(`Model.add: ${layer} lives on backend ${layer.backend.variant}, the model on ${this.backend.variant}`);
    this.layers.push(layer);
    return this;
  }

  compile(opts: CompileOptions): this {
    const { loss, optimizer } = opts;
    if (!this.layers.length) throw new NnwasmError('Model.compile: the model has no layers; add some first');
    if (!(loss instanceof Loss)) throw new NnwasmError('Model.compile: loss must be a Loss (e.g. new LossCategoricalCrossentropy())');
    if (!optimizer || typeof optimizer.updateParams !== 'function') throw new NnwasmError('Model.compile: optimizer must be an Optimizer (e.g. new OptimizerAdam())');
    let width: number | undefined;
    let widthFrom = 'the input';
    for (const layer of this.layers) {
      if (layer instanceof LayerDense) {
        if (width !== undefined && layer.nInputs !== width)
          throw new ShapeError(`Model.compile: ${layer} expects ${layer.nInputs} inputs but ${widthFrom} gives ${width}`);
        width = layer.nNeurons;
        widthFrom = String(layer);
      }
    }
    this.loss = loss;
    this.optimizer = optimizer;
    const acc = opts.accuracy ?? (loss instanceof LossCategoricalCrossentropy ? 'categorical' : loss.toString() === 'LossBinaryCrossentropy' ? 'binary' : 'regression');
    this.accuracy = typeof acc === 'string' ? { categorical: () => new AccuracyCategorical(), binary: () => new AccuracyBinary(), regression: () => new AccuracyRegression() }[acc]() : acc;
    this.fused?.dispose();
    this.fused = this.layers.at(-1) instanceof ActivationSoftmax && loss instanceof LossCategoricalCrossentropy
      ? new ActivationSoftmaxLossCategoricalCrossentropy({ backend: this.backend }) : undefined;
    const first = this.layers[0];
    if (first instanceof LayerDense) first.computeDinputs = false;
    this.trainable = this.layers.filter((l) => l.parameters().length);
    this.gradients = this.trainable.flatMap((l) => l.parameters().map(([, grad], i) => ({ grad, name: `${l} ${i ? 'dbiases' : 'dweights'}` })));
    return this;
  }

  private compiled(who: string): { loss: Loss; optimizer: Optimizer; accuracy: Accuracy } {
    if (!this.loss || !this.optimizer || !this.accuracy) throw new NnwasmError(`Model.${who}: call compile({ loss, optimizer }) first`);
    return { loss: this.loss, optimizer: this.optimizer, accuracy: this.accuracy };
  }

  private buffer(role: string, rows: number, cols: number): Tensor {
    const t = this.backend.ensure(this.buffers.get(role), rows, cols);
    this.buffers.set(role, t);
    return t;
  }

  /** copy X and y into the model's own buffers, validating both */
  private stageData(X: MatrixLike, y: LabelsLike, role: string, who: string): [Tensor, Tensor] {
    const { loss } = this.compiled(who);
    const x = stage(this.backend, X, this.buffers.get(`${role} X`), `Model.${who} X`);
    if (x !== X) this.buffers.set(`${role} X`, x);
    const first = this.layers[0];
    if (first instanceof LayerDense && x.cols !== first.nInputs)
      throw new ShapeError(`Model.${who}: X is ${x} but the first layer ${first} expects ${first.nInputs} columns`);
    const outCols = this.outputWidth();
    checkLabelRows(`Model.${who}`, x.rows, y);
    const kind = loss instanceof LossCategoricalCrossentropy ? 'classes' : 'targets';
    const range: [number, number] | undefined = loss.toString() === 'LossBinaryCrossentropy' ? [0, 1] : undefined;
    const labels = stageLabels(this.backend, y, x.rows, outCols, kind, this.buffers.get(`${role} y`), `Model.${who}`, range);
    if (labels !== y) this.buffers.set(`${role} y`, labels);
    return [x, labels];
  }

  private outputWidth(): number {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const l = this.layers[i];
      if (l instanceof LayerDense) return l.nNeurons;
    }
    throw new NnwasmError('Model: cannot tell the output width: the model has no LayerDense');
  }

  private forward(x: Tensor, training: boolean): Tensor {
    let t = x;
    for (const layer of this.layers) {
      layer.forward(t, training);
      t = layer.output;
    }
    return t;
  }

  /** one optimization step on a batch; returns [data loss · rows, correct, judged] */
  private step(x: Tensor, y: Tensor, epoch: number, stepNo: number, out: { reg: number }): [number, number, number] {
    const { loss, optimizer, accuracy } = this.compiled('fit');
    const k = this.backend.kernels;
    const output = this.forward(x, true);
    const dataLoss = loss.calculate(output, y);
    let reg = 0;
    for (const layer of this.trainable) reg += loss.regularizationLoss(layer);
    if (!Number.isFinite(dataLoss) || !Number.isFinite(reg)) throw new TrainingDivergedError(epoch, stepNo, 'the loss');
    const [correct, judged] = accuracy.correct(k, output, y);
    const last = this.layers.length - 1;
    let dv: Tensor;
    if (this.fused) {
      this.fused.backward(output, y);
      dv = this.fused.dinputs;
    } else {
      loss.backward(output, y);
      this.layers[last].backward(loss.dinputs);
      dv = this.layers[last].dinputs;
    }
    for (let i = last - 1; i >= 0; i--) {
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
    return [dataLoss * x.rows, correct, judged];
  }

  fit(X: MatrixLike, y: LabelsLike, opts: FitOptions = {}): History {
    const { optimizer, accuracy } = this.compiled('fit');
    const { epochs = 1, shuffle = false, printEvery = 0, log = console.log, onEpochEnd } = opts;
    if (!Number.isInteger(epochs) || epochs < 0) throw new NnwasmError(`Model.fit: epochs must be an integer ≥ 0, got ${epochs}`);
    const [x, labels] = this.stageData(X, y, 'train', 'fit');
    const val = opts.validationData ? this.stageData(opts.validationData[0], opts.validationData[1], 'validation', 'fit validationData') : undefined;
    const n = x.rows, batch = opts.batchSize ?? n;
    if (!Number.isInteger(batch) || batch < 1) throw new NnwasmError(`Model.fit: batchSize must be a positive integer, got ${batch}`);
    const steps = Math.ceil(n / batch);
    accuracy.init?.(labels, this.backend.kernels);
    this.guard(optimizer);

    // batches: the data itself (one step), views into it (in order) or gathered copies (shuffled)
    const k = this.backend.kernels;
    const shuffled = shuffle && steps > 1;
    const order = shuffled ? this.buffer('order', 1, n) : undefined;
    if (order) new Int32Array(this.backend.buffer, order.ptr, n).forEach((_, i, a) => (a[i] = i));
    const view = (t: Tensor) => new Tensor(this.backend, t.ptr, batch, t.cols, batch * t.cols, false);
    const xb = shuffled ? this.buffer('batch X', batch, x.cols) : view(x);
    const yb = shuffled ? this.buffer('batch y', batch, labels.cols) : view(labels);

    const history: History = { epochs: [] };
    const out = { reg: 0 };
    for (let epoch = 1; epoch <= epochs; epoch++) {
      if (order) this.shuffleRng.shuffle(new Int32Array(this.backend.buffer, order.ptr, n));
      let lossSum = 0, correct = 0, judged = 0;
      for (let s = 0; s < steps; s++) {
        const start = s * batch, rows = Math.min(batch, n - start);
        let bx = x, by = labels;
        if (steps > 1) {
          if (order) {
            k.gatherRows(x.ptr, order.ptr + start * 4, xb.ptr, rows, x.cols);
            k.gatherRows(labels.ptr, order.ptr + start * 4, yb.ptr, rows, labels.cols);
          } else {
            xb.ptr = x.ptr + start * x.cols * 4;
            yb.ptr = labels.ptr + start * labels.cols * 4;
          }
          bx = xb.reshape(rows, x.cols);
          by = yb.reshape(rows, labels.cols);
        }
        const [l, c, j] = this.step(bx, by, epoch, s, out);
        lossSum += l;
        correct += c;
        judged += j;
      }
      const dataLoss = lossSum / n;
      const logs: EpochLogs = { epoch, loss: dataLoss + out.reg, dataLoss, regLoss: out.reg, accuracy: correct / judged, lr: optimizer.currentLearningRate };
      const printing = printEvery > 0 && (epoch % printEvery === 0 || epoch === 1);
      if (val && (printing || epoch === epochs)) {
        const r = this.evaluateTensors(val[0], val[1]);
        (logs.valLoss = r.loss), (logs.valAccuracy = r.accuracy);
      }
      history.epochs.push(logs);
      if (printing)
        log(`epoch: ${epoch}, acc: ${fmt(logs.accuracy)}, loss: ${fmt(logs.loss)} (data_loss: ${fmt(dataLoss)}, reg_loss: ${fmt(out.reg)}), lr: ${logs.lr}`);
      if (onEpochEnd?.(logs) === false) break;
    }
    if (val) {
      const last = history.epochs.at(-1);
      history.validation = last?.valLoss !== undefined ? { loss: last.valLoss, accuracy: last.valAccuracy! } : this.evaluateTensors(val[0], val[1]);
      if (printEvery > 0) log(`validation, acc: ${fmt(history.validation.accuracy)}, loss: ${fmt(history.validation.loss)}`);
    }
    return history;
  }

  /** list every parameter and optimizer-state tensor with a snapshot buffer of its own */
  private guard(optimizer: Optimizer): void {
    this.guarded = this.trainable.flatMap((layer) =>
      layer.parameters().flatMap(([param], i) => {
        const name = `${layer} ${i ? 'biases' : 'weights'}`;
        return [param, ...optimizer.stateFor(param)].map((live, j) => ({
          live,
          copy: this.buffer(`snapshot ${name} ${j}`, live.rows, live.cols),
          name: j ? `${optimizer} state of ${name}` : name,
        }));
      }),
    );
  }

  private evaluateTensors(x: Tensor, y: Tensor): { loss: number; accuracy: number } {
    const { loss, accuracy } = this.compiled('evaluate');
    const output = this.forward(x, false);
    const [c, j] = accuracy.correct(this.backend.kernels, output, y);
    return { loss: loss.calculate(output, y), accuracy: c / j };
  }

  /** data loss and accuracy on (X, y), with dropout off */
  evaluate(X: MatrixLike, y: LabelsLike): { loss: number; accuracy: number } {
    const [x, labels] = this.stageData(X, y, 'evaluate', 'evaluate');
    return this.evaluateTensors(x, labels);
  }

  /** the model's output for X (dropout off), copied out of backend memory */
  predict(X: MatrixLike): Matrix {
    this.compiled('predict');
    const x = stage(this.backend, X, this.buffers.get('predict X'), 'Model.predict X');
    if (x !== X) this.buffers.set('predict X', x);
    const first = this.layers[0];
    if (first instanceof LayerDense && x.cols !== first.nInputs)
      throw new ShapeError(`Model.predict: X is ${x} but the first layer ${first} expects ${first.nInputs} columns`);
    const out = this.forward(x, false);
    return new Matrix(out.toFloat32Array(), out.rows, out.cols);
  }

  /** release every tensor of the model, its layers, loss and optimizer */
  dispose(): void {
    for (const l of this.layers) l.dispose();
    this.loss?.dispose();
    this.optimizer?.dispose();
    this.fused?.dispose();
    for (const t of this.buffers.values()) t.dispose();
    this.buffers.clear();
  }
}
