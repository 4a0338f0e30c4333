/**
 * Gradient checks by central differences for the image layers (the method and the tolerance are
 * test/gradcheck.test.ts's): Conv2D with 'valid' and 'same' padding, strides 1 and 2, dilation 2,
 * with and without ReLU and regularizers; max and average pooling (overlapping windows, both
 * paddings, strides 1 and 2); global average pooling; Flatten; SpatialDropout2D with a fixed mask.
 * The objective is L = Σ output ⊙ R (+ the regularization penalty).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import {
  LayerConv2D, LayerMaxPooling2D, LayerAveragePooling2D, LayerGlobalAveragePooling2D, LayerFlatten, LayerSpatialDropout2D,
  type Backend, type Layer, type Padding, type Tensor,
} from '../src/index.ts';
import { backends, getTestBackend, testRng } from './helpers.ts';
import { numericGrad, expectGrad, dot, normals, uniforms, awayFromZero } from './gradient.ts';

/** n distinct values 0.1 apart, shuffled: a ±1e-2 step never changes which one is the max */
const distinct = (rng: ReturnType<typeof testRng>, n: number) => {
  const v = Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
};

describe.each(backends())('image layers: gradient checks on %s', (name) => {
  let be: Backend;
  beforeAll(async () => {
    be = await getTestBackend(name);
  });

  /** check dinputs (and each parameter gradient) of `layer` on x against Σ output⊙R (+ penalty) */
  const check = (layer: Layer, x: Tensor, what: string, extra = () => 0) => {
    layer.forward(x, true);
    const R = be.fromArray(normals(testRng(99), layer.output.size), ...layer.output.shape);
    const objective = () => {
      layer.forward(x, true);
      return dot(layer.output.data, R.data) + extra();
    };
    layer.forward(x, true);
    layer.backward(R);
    const analytic = layer.parameters().map(([, g]) => g.toFloat32Array());
    const dinputs = layer.dinputs.toFloat32Array();
    layer.parameters().forEach(([p], i) => expectGrad(analytic[i], numericGrad(() => p.data, objective, 1e-2), `${what} d${layer.parameterNames()[i]}`));
    expectGrad(dinputs, numericGrad(() => x.data, objective, 1e-2), `${what} dinputs`);
    R.dispose();
  };

  const convCases: [string, { padding: Padding; strides: number | [number, number]; dilationRate?: number; kernel: [number, number] }][] = [
    ['valid, stride 1', { padding: 'valid', strides: 1, kernel: [3, 3] }],
    ['same, stride 1', { padding: 'same', strides: 1, kernel: [3, 3] }],
    ['valid, stride 2', { padding: 'valid', strides: 2, kernel: [3, 2] }],
    ['same, stride 2', { padding: 'same', strides: 2, kernel: [3, 3] }],
    ['same, strides 1×2', { padding: 'same', strides: [1, 2], kernel: [2, 3] }],
    ['same, dilation 2', { padding: 'same', strides: 1, dilationRate: 2, kernel: [3, 3] }],
    ['1×1 (a GEMM on the image)', { padding: 'valid', strides: 1, kernel: [1, 1] }],
  ];
  it.each(convCases)('LayerConv2D %s: dkernel, dbias, dinputs', (what, o) => {
    const rng = testRng(3);
    const conv = new LayerConv2D(3, o.kernel, { padding: o.padding, strides: o.strides, dilationRate: o.dilationRate, kernelInitializer: 'heNormal', backend: be });
    const x = be.fromArray(normals(rng, 2 * 6 * 7 * 2), 2, 6, 7, 2);
    conv.build(x.shape.slice(1));
    conv.bias!.data.set(normals(rng, 3));
    check(conv, x, `Conv2D ${what}`);
    for (const t of [conv, x]) t.dispose();
  });

  it('LayerConv2D with ReLU and L1/L2 on kernel and bias (pre-activations kept away from the kink)', () => {
    const reg = { kernelRegularizerL1: 0.02, kernelRegularizerL2: 0.03, biasRegularizerL1: 0.05, biasRegularizerL2: 0.07 };
    // kernel and bias ≥ 0.1 from 0 (|w|'s kink), and a seed whose pre-activations all sit ≥ 0.1 from
    // 0: a step of 1e-2 in any input or weight moves them by less than 0.05
    for (let seed = 1; ; seed++) {
      const rng = testRng(seed);
      const conv = new LayerConv2D(2, 3, { padding: 'same', activation: 'relu', backend: be, ...reg });
      const x = be.fromArray(uniforms(rng, 1 * 5 * 5 * 2, -1, 1), 1, 5, 5, 2);
      conv.build([5, 5, 2]);
      conv.kernel.data.set(awayFromZero(rng, conv.kernel.size, 0.1, 0.4));
      conv.bias!.data.set(awayFromZero(rng, 2, 0.1, 0.4));
      const linear = new LayerConv2D(2, 3, { padding: 'same', backend: be });
      linear.build([5, 5, 2]);
      linear.kernel.data.set(conv.kernel.data);
      linear.bias!.data.set(conv.bias!.data);
      linear.forward(x);
      const z = linear.output.data, clear = z.every((v) => Math.abs(v) >= 0.1) && z.some((v) => v < 0) && z.some((v) => v > 0);
      linear.dispose();
      if (clear) {
        check(conv, x, 'Conv2D relu + L1/L2', () => conv.regularizationPenalty());
        for (const t of [conv, x]) t.dispose();
        break;
      }
      for (const t of [conv, x]) t.dispose();
      expect(seed, 'no seed found whose pre-activations keep away from 0').toBeLessThan(2000);
    }
  });

  const poolCases: [string, number | [number, number], { strides?: number | [number, number]; padding: Padding }][] = [
    ['2×2, valid (side by side)', 2, { padding: 'valid' }],
    ['2×2, same', 2, { padding: 'same' }],
    ['3×3, stride 2, valid (overlapping)', 3, { strides: 2, padding: 'valid' }],
    ['3×3, stride 2, same (overlapping)', 3, { strides: 2, padding: 'same' }],
    ['3×2, stride 1, same', [3, 2], { strides: 1, padding: 'same' }],
  ];
  it.each(poolCases)('LayerMaxPooling2D %s: dinputs', (what, pool, o) => {
    const layer = new LayerMaxPooling2D(pool, { ...o, backend: be });
    const x = be.fromArray(distinct(testRng(5), 2 * 5 * 7 * 3), 2, 5, 7, 3);
    check(layer, x, `MaxPooling2D ${what}`);
    for (const t of [layer, x]) t.dispose();
  });
  it.each(poolCases)('LayerAveragePooling2D %s: dinputs', (what, pool, o) => {
    const layer = new LayerAveragePooling2D(pool, { ...o, backend: be });
    const x = be.fromArray(normals(testRng(6), 2 * 5 * 7 * 3), 2, 5, 7, 3);
    check(layer, x, `AveragePooling2D ${what}`);
    for (const t of [layer, x]) t.dispose();
  });

  it('LayerGlobalAveragePooling2D, LayerFlatten: dinputs', () => {
    for (const layer of [new LayerGlobalAveragePooling2D({ backend: be }), new LayerFlatten({ backend: be })]) {
      const x = be.fromArray(normals(testRng(7), 2 * 3 * 4 * 5), 2, 3, 4, 5);
      check(layer, x, String(layer));
      for (const t of [layer, x]) t.dispose();
    }
  });

  it('LayerSpatialDropout2D with a fixed mask: dinputs', () => {
    const layer = new LayerSpatialDropout2D(0.4, { backend: be });
    const x = be.fromArray(normals(testRng(8), 2 * 3 * 4 * 5), 2, 3, 4, 5);
    const mask = [[1, 0, 1, 1, 0], [0, 1, 1, 0, 1]];
    const R = be.fromArray(normals(testRng(9), x.size), ...x.shape);
    const objective = () => {
      layer.forward(x, true, mask);
      return dot(layer.output.data, R.data);
    };
    objective();
    layer.backward(R);
    expectGrad(layer.dinputs.toFloat32Array(), numericGrad(() => x.data, objective, 1e-2), 'SpatialDropout2D dinputs');
    for (const t of [layer, x, R]) t.dispose();
  });
});
