/**
 * The normalization layers against the NumPy reference of Keras 3's equations
 * (scripts/norm_reference.py → test/fixtures/norm.json): batch normalization in training and at
 * inference, forward and backward, and the moving statistics over three training steps then an
 * inference step that uses them; layer normalization on [N, F], [N, T, F], NHWC and one sample. On
 * both backends, with the fixture's rule: 1e-5 relative per element with a floor of
 * 0.1 · max|expected| (batch norm's dX sums to zero over the batch).
 */
import { readFileSync } from 'node:fs';
import { describe, it, beforeAll } from 'vitest';
import { LayerBatchNormalization, LayerLayerNormalization, type Backend } from '../src/index.ts';
import { backends, expectClose, getTestBackend } from './helpers.ts';

interface Values { shape: number[]; values: number[] }
interface Step { training: boolean; input: Values; dY: Values; expected: Record<'Y' | 'dX' | 'dgamma' | 'dbeta' | 'movingMean' | 'movingVariance', Values | undefined> }
interface Case {
  name: string;
  layer: 'BatchNormalization' | 'LayerNormalization';
  options: { axis: number; epsilon: number; center: boolean; scale: boolean; momentum?: number };
  gamma?: Values;
  beta?: Values;
  movingMean?: Values;
  movingVariance?: Values;
  steps: Step[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/norm.json', import.meta.url), 'utf8')) as { cases: Case[] };
const RTOL = 1e-5;

describe.each(backends())('normalization layers = the NumPy reference on %s', (name) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await getTestBackend(name);
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const layer = c.layer === 'BatchNormalization' ? new LayerBatchNormalization({ ...c.options, backend }) : new LayerLayerNormalization({ ...c.options, backend });
    layer.build(c.steps[0].input.shape.slice(1));
    if (c.gamma) layer.gamma!.data.set(c.gamma.values);
    if (c.beta) layer.beta!.data.set(c.beta.values);
    if (layer instanceof LayerBatchNormalization) {
      layer.movingMean.data.set(c.movingMean!.values);
      layer.movingVariance.data.set(c.movingVariance!.values);
    }
    try {
      c.steps.forEach((s, i) => {
        const what = `${c.name} step ${i + 1} (${s.training ? 'training' : 'inference'})`;
        const x = backend.fromArray(s.input.values, ...s.input.shape), dy = backend.fromArray(s.dY.values, ...s.dY.shape);
        if (layer instanceof LayerBatchNormalization) layer.forward(x, s.training);
        else layer.forward(x);
        expectClose(layer.output.data, s.expected.Y!.values, RTOL, `${what} Y`);
        layer.backward(dy);
        expectClose(layer.dinputs.data, s.expected.dX!.values, RTOL, `${what} dX`);
        if (s.expected.dgamma) expectClose(layer.dgamma!.data, s.expected.dgamma.values, RTOL, `${what} dgamma`);
        if (s.expected.dbeta) expectClose(layer.dbeta!.data, s.expected.dbeta.values, RTOL, `${what} dbeta`);
        if (layer instanceof LayerBatchNormalization) {
          expectClose(layer.movingMean.data, s.expected.movingMean!.values, RTOL, `${what} movingMean`);
          expectClose(layer.movingVariance.data, s.expected.movingVariance!.values, RTOL, `${what} movingVariance`);
        }
        x.dispose();
        dy.dispose();
      });
    } finally {
      layer.dispose();
    }
  });
});
