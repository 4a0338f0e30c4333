/**
 * Inference's own plan, decided once when the model is built (compile's `fuse`, default true):
 *
 * - Batch norms folded away. In predict and evaluate a LayerBatchNormalization uses its moving
 *   statistics, an affine map per channel, so right after a Dense or a linear Conv2D it folds into
 *   that layer's weights and bias (w · a, (b − mean) · a + beta); a ReLU right after the batch norm
 *   then runs in the GEMM's epilogue. The folded copies are refreshed at the start of every predict
 *   and evaluate call (one pass over the weights; training moves them between calls).
 * - A Conv2D (with its ReLU, or its folded batch norm and ReLU) followed by a MaxPooling2D of 2×2
 *   windows with strides 2 and 'valid' padding runs as one kernel (conv2dMaxPoolForward): the
 *   convolution's full-resolution output is never written, the pixels no window covers are never
 *   computed, and no argmax is kept (nothing goes backward). Each value is the one the layers give
 *   one by one, so the predictions keep their bits.
 * - With either of those in the plan, a ReLU layer after a linear Dense or Conv2D runs in its
 *   GEMM's epilogue, as src/fusion.ts's plan (which serves inference when this one is not needed)
 *   runs it.
 *
 * Training never runs through here. A run's inner layers (the batch norm, the ReLU, the pooling)
 * leave their `output` alone, as in src/fusion.ts.
 */
import type { Layer } from './layers/layer.ts';
import type { Tensor } from './tensor.ts';
import { LayerDense } from './layers/dense.ts';
import { LayerConv2D } from './layers/conv2d.ts';
import { LayerBatchNormalization } from './layers/batchNormalization.ts';
import { LayerMaxPooling2D } from './layers/pooling.ts';
import { ActivationReLU } from './layers/activations.ts';

type BufferFn = (role: string, ...dims: number[]) => Tensor;

/** a batch norm folded into the layer before it: the folded weights and bias */
interface Fold {
  norm: LayerBatchNormalization;
  weights: Tensor;
  bias: Tensor;
}

/** layers [at, last] as one forward: a Dense or Conv2D, its folded batch norm, a ReLU (its own or the next layer), the 2×2 max pooling */
interface Run {
  at: number;
  last: number;
  layer: LayerDense | LayerConv2D;
  fold?: Fold;
  relu: boolean;
  pool?: LayerMaxPooling2D;
}

/** a max pooling conv2dMaxPoolForward computes: 2×2 windows, strides 2, no padding */
const pools2x2 = (l: Layer | undefined): l is LayerMaxPooling2D =>
  l instanceof LayerMaxPooling2D && l.padding === 'valid' && [...l.poolSize, ...l.strides].every((v) => v === 2);

export class InferencePlan {
  private constructor(
    private readonly layers: readonly Layer[],
    private readonly runs: Run[],
  ) {}

  /** the plan for `layers` (already built), or undefined when nothing folds or fuses */
  static of(layers: readonly Layer[], buffer: BufferFn): InferencePlan | undefined {
    const runs: Run[] = [];
    for (let i = 0; i < layers.length; i++) {
      const [layer, norm] = [layers[i], layers[i + 1]];
      if (!(layer instanceof LayerDense || layer instanceof LayerConv2D)) continue;
      let run: Run | undefined;
      const linear = layer instanceof LayerDense || layer.activation === 'linear';
      const w = layer instanceof LayerDense ? layer.weights : layer.kernel;
      // an unbuilt Conv2D has nothing to fold yet
      if (linear && w && norm instanceof LayerBatchNormalization && norm.channels !== undefined) {
        const relu = layers[i + 2] instanceof ActivationReLU;
        const fold = { norm, weights: buffer(`folded weights ${i}`, ...w.shape), bias: buffer(`folded bias ${i}`, norm.channels) };
        run = { at: i, last: i + (relu ? 2 : 1), layer, fold, relu };
      }
      // a ReLU layer after a linear Dense or Conv2D: in the GEMM's epilogue (reluForward's operation)
      if (!run && linear && layers[i + 1] instanceof ActivationReLU) run = { at: i, last: i + 1, layer, relu: true };
      if (layer instanceof LayerConv2D) {
        run ??= { at: i, last: i, layer, relu: layer.activation === 'relu' };
        if (pools2x2(layers[run.last + 1])) run.pool = layers[++run.last] as LayerMaxPooling2D;
      }
      if (run && run.last > i) {
        runs.push(run);
        i = run.last;
      }
    }
    // without a fold or a pooling, src/fusion.ts's plan (which also covers Dense → ReLU) serves inference
    return runs.some((r) => r.fold || r.pool) ? new InferencePlan(layers, runs) : undefined;
  }

  /** fold the current weights and moving statistics (call before a predict or evaluate) */
  refresh(): void {
    for (const { layer, fold } of this.runs) {
      if (!fold) continue;
      const [w, b] = layer instanceof LayerDense ? [layer.weights, layer.biases] : [layer.kernel, layer.bias];
      fold.norm.foldInto(w, b, fold.weights, fold.bias);
    }
  }

  /** the inference forward pass; the layers folded or fused into a run write no output of their own */
  forward(x: Tensor): Tensor {
    let t = x, next = 0;
    for (let i = 0; i < this.layers.length; i++) {
      const run = this.runs[next];
      if (run?.at !== i) {
        this.layers[i].forward(t, false);
        t = this.layers[i].output;
        continue;
      }
      const { layer, fold, relu, pool } = run;
      if (layer instanceof LayerDense) {
        layer.forwardWith(t, fold?.weights ?? layer.weights, fold?.bias ?? layer.biases, relu);
        t = layer.output;
      } else if (pool) t = layer.forwardMaxPooled(t, fold?.weights, fold?.bias, relu);
      else {
        layer.forwardWith(t, fold?.weights, fold?.bias, relu);
        t = layer.output;
      }
      i = run.last;
      next++;
    }
    return t;
  }
}
