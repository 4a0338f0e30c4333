/**
 * The image layers against the NumPy reference (scripts/conv_reference.py → test/fixtures/conv.json:
 * direct-loop convolution and pooling, the seeds' SpatialDropout2D with explicit masks, Flatten),
 * forward and backward, on both backends, with the fixture's rule: 1e-5 relative per element with a
 * floor of 0.1 · max|expected| (sums with cancellation make tiny elements).
 */
import { readFileSync } from 'node:fs';
import { describe, it, beforeAll } from 'vitest';
import {
  LayerConv2D, LayerMaxPooling2D, LayerAveragePooling2D, LayerGlobalAveragePooling2D, LayerSpatialDropout2D, LayerFlatten,
  type Backend, type Layer,
} from '../src/index.ts';
import { backends, expectClose, getTestBackend } from './helpers.ts';

interface Tensor { shape: number[]; values: number[] }
interface Case {
  name: string;
  layer: 'Conv2D' | 'MaxPooling2D' | 'AveragePooling2D' | 'GlobalAveragePooling2D' | 'SpatialDropout2D' | 'Flatten';
  options: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  input: Tensor;
  weights: { kernel?: Tensor; bias?: Tensor };
  mask?: Tensor;
  dY: Tensor;
  expected: { Y: Tensor; dX: Tensor; dK?: Tensor; db?: Tensor };
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/conv.json', import.meta.url), 'utf8')) as { cases: Case[] };
const RTOL = 1e-5;

/** the layer of a case, with the fixture's weights where it has some */
function layerOf(c: Case, backend: Backend): Layer {
  const o = c.options;
  switch (c.layer) {
    case 'Conv2D': {
      const conv = new LayerConv2D(o.filters, o.kernelSize, { strides: o.strides, padding: o.padding, dilationRate: o.dilationRate, activation: o.activation, useBias: o.useBias, backend });
      conv.build(c.input.shape.slice(1));
      conv.kernel.data.set(c.weights.kernel!.values);
      conv.bias!.data.set(c.weights.bias!.values);
      return conv;
    }
    case 'MaxPooling2D': return new LayerMaxPooling2D(o.poolSize, { strides: o.strides, padding: o.padding, backend });
    case 'AveragePooling2D': return new LayerAveragePooling2D(o.poolSize, { strides: o.strides, padding: o.padding, backend });
    case 'GlobalAveragePooling2D': return new LayerGlobalAveragePooling2D({ backend });
    case 'SpatialDropout2D': return new LayerSpatialDropout2D(o.rate, { backend });
    case 'Flatten': return new LayerFlatten({ backend });
  }
}

describe.each(backends())('image layers = the NumPy reference on %s', (name) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await getTestBackend(name);
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const layer = layerOf(c, backend);
    const x = backend.fromArray(c.input.values, ...c.input.shape), dy = backend.fromArray(c.dY.values, ...c.dY.shape);
    try {
      if (c.layer === 'SpatialDropout2D') (layer as LayerSpatialDropout2D).forward(x, true, c.mask!.values.reduce<number[][]>((rows, v, i) => (i % c.mask!.shape[1] ? rows.at(-1)!.push(v) : rows.push([v]), rows), []));
      else layer.forward(x, true);
      expectClose(layer.output.data, c.expected.Y.values, RTOL, `${c.name} Y`);
      layer.backward(dy);
      expectClose(layer.dinputs.data, c.expected.dX.values, RTOL, `${c.name} dX`);
      if (layer instanceof LayerConv2D) {
        expectClose(layer.dkernel.data, c.expected.dK!.values, RTOL, `${c.name} dK`);
        expectClose(layer.dbias!.data, c.expected.db!.values, RTOL, `${c.name} db`);
      }
    } finally {
      for (const t of [layer, x, dy]) t.dispose();
    }
  });
});
