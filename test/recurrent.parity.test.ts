/**
 * LayerSimpleRNN, LayerLSTM and LayerGRU against the NumPy reference of Keras's equations
 * (scripts/recurrent_reference.py → test/fixtures/recurrent.json), through the layers: the
 * fixture's weights set into a built layer, its masks given to forward (training mode), forward
 * and backward on both backends, with the fixture's rule (1e-5 relative, floor 0.1·max|expected|).
 */
import { describe, it, beforeAll } from 'vitest';
import { LayerSimpleRNN, LayerLSTM, LayerGRU, type Backend } from '../src/index.ts';
import { backends, expectClose, getTestBackend } from './helpers.ts';
import { recurrentFixture } from './recurrentFixture.ts';

describe.each(backends())('recurrent layers = the NumPy reference on %s', (name) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await getTestBackend(name);
  });

  it.each(recurrentFixture.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const { units, returnSequences, goBackwards, useBias, resetAfter, dropout, recurrentDropout } = c.options;
    const opts = { returnSequences, goBackwards, useBias, dropout, recurrentDropout, backend };
    const layer = c.layer === 'SimpleRNN' ? new LayerSimpleRNN(units, opts) : c.layer === 'LSTM' ? new LayerLSTM(units, opts) : new LayerGRU(units, { ...opts, resetAfter });
    layer.build(c.input.shape.slice(1));
    layer.kernel.data.set(c.kernel.values);
    layer.recurrentKernel.data.set(c.recurrentKernel.values);
    if (c.bias) layer.bias!.data.set(c.bias.values);
    const [n, , f] = c.input.shape;
    const masks = {
      input: c.inputMask ? backend.fromArray(c.inputMask.values, n, f) : undefined,
      recurrent: c.recurrentMask ? backend.fromArray(c.recurrentMask.values, n, units) : undefined,
    };
    const x = backend.fromArray(c.input.values, ...c.input.shape);
    layer.forward(x, true, masks);
    expectClose(layer.output.data, c.expected.Y.values, 1e-5, `${c.name}: Y`);
    layer.backward(backend.fromArray(c.dY.values, ...c.dY.shape));
    expectClose(layer.dinputs.data, c.expected.dX.values, 1e-5, `${c.name}: dX`);
    expectClose(layer.dkernel.data, c.expected.dKernel.values, 1e-5, `${c.name}: dKernel`);
    expectClose(layer.drecurrentKernel.data, c.expected.dRecurrentKernel.values, 1e-5, `${c.name}: dRecurrentKernel`);
    if (c.expected.dBias) expectClose(layer.dbias!.data, c.expected.dBias.values, 1e-5, `${c.name}: dBias`);
    layer.dispose();
  });
});
