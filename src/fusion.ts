/**
 * Layer-chain fusion for Model: at compile, runs of layers that are always used together are
 * replaced by fused kernels, so the hidden activations are walked once forward and once backward
 * instead of once per layer (DECISIONS.md, "Fusion that changes the speed, not the numbers"):
 *
 *   Dense → ReLU [→ Dropout] → Dense, first Dense with ≤ 4 inputs, last with ≤ 3 outputs, ≥ 8
 *     hidden units (the book's spiral models): denseChainForward / denseChainBackward, one pass
 *     each way over the rows; the hidden layer's gradient never touches memory.
 *   Dense → ReLU [→ Dropout] otherwise: denseReluForward (ReLU and the mask in the GEMM's
 *     epilogue) and reluDropoutGate (the mask, the ReLU and dbiases in one pass) + gemmTN/gemmNT.
 *   BatchNormalization → ReLU: the ReLU in batchNormApply's output pass, its gradient read
 *     through batchNormBackward (Conv2D → BN → ReLU walks a CNN's largest activations twice
 *     less each way).
 *
 * The fused kernels compute every value with the unfused kernels' operations in the same order, so
 * weights, gradients, outputs and dropout masks equal the layer-by-layer path (test/fusion.test.ts).
 * What changes is what gets materialized: inside a fused run only the run's output (and what its
 * backward reads) is written; the `output`/`dinputs` of the inner layers and the dropout layer's
 * `binaryMask` are not updated by a fused Model (the layers used on their own are untouched).
 * `compile({ fuse: false })` keeps the layer-by-layer path.
 */
import type { Kernels } from './backend/kernels.ts';
import { dropThreshold } from './backend/random.ts';
import type { Tensor } from './tensor.ts';
import type { Layer } from './layers/layer.ts';
import { LayerDense } from './layers/dense.ts';
import { ActivationReLU } from './layers/activations.ts';
import { LayerBatchNormalization } from './layers/batchNormalization.ts';
import { LayerDropout } from './layers/dropout.ts';

/** a model-owned buffer for `role`, reused whenever it has room (Model's buffer()) */
export type BufferFn = (role: string, ...dims: number[]) => Tensor;

/** one step of the plan: a single layer or a fused run of layers [first, last] */
interface Step {
  readonly first: number;
  readonly last: number;
  forward(x: Tensor, training: boolean): Tensor;
  backward(dv: Tensor): Tensor;
}

/** the dropout arguments of the fused kernels for this pass (threshold 0, scale 1: none) */
function dropoutArgs(d: LayerDropout | undefined, training: boolean): [seed: number, counter: number, threshold: number, scale: number] {
  if (!d || !training) return [0, 0, 0, 1];
  return [d.seed, d.counter++, dropThreshold(d.rate), Math.fround(1 / (1 - d.rate))];
}

/** the dense layer's L1/L2 gradient terms, as LayerDense.backward adds them */
function regularize(k: Kernels, d: LayerDense): void {
  if (d.weightRegularizerL1 || d.weightRegularizerL2)
    k.regularizationGrad(d.weights.ptr, d.dweights.ptr, d.weights.size, d.weightRegularizerL1, d.weightRegularizerL2);
  if (d.biasRegularizerL1 || d.biasRegularizerL2)
    k.regularizationGrad(d.biases.ptr, d.dbiases.ptr, d.biases.size, d.biasRegularizerL1, d.biasRegularizerL2);
}

class LayerStep implements Step {
  constructor(readonly first: number, private readonly layer: Layer) {}
  get last() {
    return this.first;
  }
  forward(x: Tensor, training: boolean): Tensor {
    this.layer.forward(x, training);
    return this.layer.output;
  }
  backward(dv: Tensor): Tensor {
    this.layer.backward(dv);
    return this.layer.dinputs;
  }
}

/** Dense → ReLU [→ Dropout]: GEMM with a ReLU/mask epilogue; gate + dbiases in one pass */
class DenseReluStep implements Step {
  private x!: Tensor;
  private y!: Tensor;
  private scale = 1;
  constructor(readonly first: number, readonly last: number, private readonly dense: LayerDense, private readonly tail: Layer,
    private readonly dropout: LayerDropout | undefined, private readonly buffer: BufferFn) {}

  forward(x: Tensor, training: boolean): Tensor {
    const d = this.dense, k = d.backend.kernels, m = x.size / d.nInputs; // Dense acts on the last axis
    const y = (this.y = this.buffer(`fused ${this.first} output`, ...x.shape.slice(0, -1), d.nNeurons));
    const [seed, counter, threshold, scale] = dropoutArgs(this.dropout, training);
    k.denseReluForward(x.ptr, d.weights.ptr, d.biases.ptr, y.ptr, m, d.nInputs, d.nNeurons, seed, counter, threshold, scale);
    this.x = d.inputs = x;
    this.scale = scale;
    return (this.tail.output = y);
  }

  backward(dv: Tensor): Tensor {
    const d = this.dense, k = d.backend.kernels, x = this.x, m = x.size / d.nInputs;
    const dz = this.buffer(`fused ${this.first} dz`, ...dv.shape);
    k.reluDropoutGate(this.y.ptr, dv.ptr, dz.ptr, d.dbiases.ptr, m, d.nNeurons, this.scale);
    k.gemmTN(x.ptr, dz.ptr, d.dweights.ptr, d.nInputs, m, d.nNeurons, 0);
    regularize(k, d);
    if (!d.computeDinputs) return dz;
    const dx = this.buffer(`fused ${this.first} dinputs`, ...x.shape);
    k.gemmNT(dz.ptr, d.weights.ptr, dx.ptr, m, d.nNeurons, d.nInputs, 0);
    return (d.dinputs = dx);
  }
}

/** Dense(k ≤ 4 → hd) → ReLU [→ Dropout] → Dense(hd → n ≤ 3): one pass forward, one backward */
class DenseChainStep implements Step {
  private x!: Tensor;
  private h!: Tensor;
  private scale = 1;
  constructor(readonly first: number, readonly last: number, private readonly d1: LayerDense, private readonly mid: Layer,
    private readonly dropout: LayerDropout | undefined, private readonly d2: LayerDense, private readonly buffer: BufferFn) {}

  private scratch(): Tensor {
    return this.buffer(`fused ${this.first} scratch`, 1, 12 * this.d1.nNeurons);
  }

  forward(x: Tensor, training: boolean): Tensor {
    const { d1, d2 } = this, k = d1.backend.kernels, m = x.size / d1.nInputs, lead = x.shape.slice(0, -1);
    const h = (this.h = this.buffer(`fused ${this.first} hidden`, ...lead, d1.nNeurons));
    const z = this.buffer(`fused ${this.first} output`, ...lead, d2.nNeurons);
    const [seed, counter, threshold, scale] = dropoutArgs(this.dropout, training);
    k.denseChainForward(x.ptr, d1.weights.ptr, d1.biases.ptr, h.ptr, d2.weights.ptr, d2.biases.ptr, z.ptr, m, d1.nInputs, d1.nNeurons, d2.nNeurons,
      seed, counter, threshold, scale, this.scratch().ptr);
    this.x = d1.inputs = x;
    this.scale = scale;
    this.mid.output = d2.inputs = h;
    return (d2.output = z);
  }

  backward(dz: Tensor): Tensor {
    const { d1, d2 } = this, k = d1.backend.kernels, x = this.x, m = x.size / d1.nInputs;
    const g = d1.computeDinputs ? this.buffer(`fused ${this.first} dhidden`, ...this.h.shape) : undefined;
    k.denseChainBackward(x.ptr, this.h.ptr, d2.weights.ptr, dz.ptr, d1.dweights.ptr, d1.dbiases.ptr, d2.dweights.ptr, g?.ptr ?? 0,
      m, d1.nInputs, d1.nNeurons, d2.nNeurons, this.scale, this.scratch().ptr);
    k.colSums(dz.ptr, d2.dbiases.ptr, m, d2.nNeurons, 0);
    regularize(k, d2);
    regularize(k, d1);
    if (!g) return dz;
    const dx = this.buffer(`fused ${this.first} dinputs`, ...x.shape);
    k.gemmNT(g.ptr, d1.weights.ptr, dx.ptr, m, d1.nNeurons, d1.nInputs, 0);
    return (d1.dinputs = dx);
  }
}

/** BatchNormalization → ReLU: the ReLU fused into the norm's output pass and its backward */
class BatchNormReluStep implements Step {
  constructor(readonly first: number, private readonly norm: LayerBatchNormalization) {}
  get last() {
    return this.first + 1;
  }
  forward(x: Tensor, training: boolean): Tensor {
    this.norm.forwardWith(x, training, true);
    return this.norm.output;
  }
  backward(dv: Tensor): Tensor {
    this.norm.backwardWith(dv, true);
    return this.norm.dinputs;
  }
}

/** exactly this class (a subclass may change what forward does) */
const is = <T>(l: Layer | undefined, cls: abstract new (...a: never[]) => T): l is Layer & T => l !== undefined && l.constructor === cls;

/**
 * The forward/backward schedule of a model's layers with fusable runs replaced. Runs never include
 * the last layer, whose backward Model drives itself (the loss, or the fused Softmax + CCE).
 */
export class FusionPlan {
  private constructor(private readonly steps: Step[]) {}

  /** a plan when at least one run fuses, else undefined (the model keeps its plain loop) */
  static of(layers: readonly Layer[], buffer: BufferFn): FusionPlan | undefined {
    const steps: Step[] = [];
    const end = layers.length - 1; // the last layer stays out of every run
    let fused = false;
    for (let i = 0; i < layers.length; ) {
      const [a, b, c] = [layers[i], layers[i + 1], layers[i + 2]];
      if (is(a, LayerDense) && is(b, ActivationReLU) && i + 1 < end) {
        // inverted dropout only: scaling 'down' multiplies at inference, which the kernels do not
        const dropout = is(c, LayerDropout) && c.scaling === 'up' && i + 2 < end ? c : undefined;
        const j = dropout ? i + 2 : i + 1; // the run's last activation layer
        const next = layers[j + 1];
        if (is(next, LayerDense) && j + 1 < end && a.nInputs <= 4 && a.nNeurons >= 8 && next.nNeurons <= 3) {
          steps.push(new DenseChainStep(i, j + 1, a, layers[j], dropout, next, buffer));
          i = j + 2;
        } else {
          steps.push(new DenseReluStep(i, j, a, layers[j], dropout, buffer));
          i = j + 1;
        }
        fused = true;
        continue;
      }
      if (is(a, LayerBatchNormalization) && is(b, ActivationReLU) && i + 1 < end) {
        steps.push(new BatchNormReluStep(i, a));
        [i, fused] = [i + 2, true];
        continue;
      }
      steps.push(new LayerStep(i, layers[i]));
      i++;
    }
    return fused ? new FusionPlan(steps) : undefined;
  }

  /** the model's forward pass; returns the last layer's output */
  forward(x: Tensor, training: boolean): Tensor {
    let t = x;
    for (const s of this.steps) t = s.forward(t, training);
    return t;
  }

  /** backward through layers [0, upTo] given the gradient at layer upTo's output; returns layer 0's */
  backward(dv: Tensor, upTo: number): Tensor {
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const s = this.steps[i];
      if (s.last > upTo) continue;
      dv = s.backward(dv);
    }
    return dv;
  }
}
