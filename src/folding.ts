/**
 * Batch norms folded away at inference. In predict and evaluate a LayerBatchNormalization uses
 * its moving statistics, an affine map per channel, so right after a Dense or a linear Conv2D it
 * folds into that layer's weights and bias (w · a, (b − mean) · a + beta); a ReLU right after
 * the batch norm then runs in the GEMM's epilogue. The folded copies are refreshed at the start of
 * every predict and evaluate call (one pass over the weights; training moves them between calls),
 * and training never runs through here.
 */
import type { Layer } from './layers/layer.ts';
import type { Tensor } from './tensor.ts';
import { LayerDense } from './layers/dense.ts';
import { LayerConv2D } from './layers/conv2d.ts';
import { LayerBatchNormalization } from './layers/batchNormalization.ts';
import { ActivationReLU } from './layers/activations.ts';

type BufferFn = (role: string, ...dims: number[]) => Tensor;

/** a Dense or linear Conv2D, the batch norm after it, and whether a ReLU follows that */
interface Fold {
  at: number;
  layer: LayerDense | LayerConv2D;
  norm: LayerBatchNormalization;
  relu: boolean;
  weights: Tensor;
  bias: Tensor;
}

export class FoldedInference {
  private constructor(
    private readonly layers: readonly Layer[],
    private readonly folds: Fold[],
  ) {}

  /** the plan for `layers` (already built), or undefined when no batch norm folds */
  static of(layers: readonly Layer[], buffer: BufferFn): FoldedInference | undefined {
    const folds: Fold[] = [];
    for (let i = 0; i + 1 < layers.length; i++) {
      const [layer, norm] = [layers[i], layers[i + 1]];
      const linear = layer instanceof LayerDense || (layer instanceof LayerConv2D && layer.activation === 'linear');
      if (!linear || !(norm instanceof LayerBatchNormalization) || norm.channels === undefined) continue;
      const w = layer instanceof LayerDense ? layer.weights : layer.kernel;
      if (!w) continue; // an unbuilt Conv2D: nothing to fold yet
      const relu = layers[i + 2] instanceof ActivationReLU;
      folds.push({ at: i, layer, norm, relu, weights: buffer(`folded weights ${i}`, ...w.shape), bias: buffer(`folded bias ${i}`, norm.channels) });
      i += relu ? 2 : 1;
    }
    return folds.length ? new FoldedInference(layers, folds) : undefined;
  }

  /** fold the current weights and moving statistics (call before a predict or evaluate) */
  refresh(): void {
    for (const f of this.folds) {
      const [w, b] = f.layer instanceof LayerDense ? [f.layer.weights, f.layer.biases] : [f.layer.kernel, f.layer.bias];
      f.norm.foldInto(w, b, f.weights, f.bias);
    }
  }

  /** the inference forward pass; the batch norms (and ReLUs) folded away write no output of their own */
  forward(x: Tensor): Tensor {
    let t = x, next = 0;
    for (let i = 0; i < this.layers.length; i++) {
      const fold = this.folds[next];
      if (fold?.at === i) {
        if (fold.layer instanceof LayerDense) fold.layer.forwardWith(t, fold.weights, fold.bias, fold.relu);
        else fold.layer.forwardWith(t, fold.weights, fold.bias, fold.relu);
        t = fold.layer.output;
        i += fold.relu ? 2 : 1;
        next++;
        continue;
      }
      this.layers[i].forward(t, false);
      t = this.layers[i].output;
    }
    return t;
  }
}
