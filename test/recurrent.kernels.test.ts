/**
 * The recurrent kernels (kernels/recurrent.ts) called directly: every case of the NumPy reference
 * of Keras's equations (scripts/recurrent_reference.py → test/fixtures/recurrent.json) on both
 * backends, forward and backpropagation through time with the fixture's fixed masks; then the
 * wasm kernels against their js twins on random shapes wide enough for the SIMD paths, for every
 * activation code and option bit. The layers' own parity test (test/recurrent.parity.test.ts)
 * goes through LayerSimpleRNN / LayerLSTM / LayerGRU.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import type { Backend } from '../src/index.ts';
import {
  GATES, RNN_GO_BACKWARDS, RNN_RETURN_SEQUENCES, RNN_RESET_AFTER, recurrentScratchFloats, recurrentTapeFloats, type RecurrentCell,
} from '../src/backend/kernels/recurrent.ts';
import { backends, expectClose, expectFencesIntact, freshBackend, testRng } from './helpers.ts';
import { recurrentFixture, type RecurrentCase } from './recurrentFixture.ts';

const CELL: Record<RecurrentCase['layer'], RecurrentCell> = { SimpleRNN: 'simpleRnn', LSTM: 'lstm', GRU: 'gru' };

interface Run {
  cell: RecurrentCell;
  n: number; steps: number; features: number; units: number; options: number; activation: number; recurrentActivation: number;
  x: ArrayLike<number>; kernel: ArrayLike<number>; recurrentKernel: ArrayLike<number>; bias?: ArrayLike<number>;
  inputMask?: ArrayLike<number>; recurrentMask?: ArrayLike<number>; dy: ArrayLike<number>;
}

/** forward then backward through the kernels; every output copied out */
function runKernels(backend: Backend, r: Run) {
  const { cell, n, steps, features, units, options } = r, gu = GATES[cell] * units;
  const t = (v: ArrayLike<number> | undefined, ...dims: number[]) => (v ? backend.fromArray(v, ...dims) : undefined);
  const x = t(r.x, n, steps, features)!, kernel = t(r.kernel, features, gu)!, rk = t(r.recurrentKernel, units, gu)!;
  const bias = t(r.bias, r.bias?.length ?? 0), mx = t(r.inputMask, n, features), mh = t(r.recurrentMask, n, units);
  const outRows = options & RNN_RETURN_SEQUENCES ? n * steps : n;
  const y = backend.zeros(outRows, units), dy = t(r.dy, outRows, units)!, dx = backend.zeros(n, steps, features);
  const tape = backend.zeros(recurrentTapeFloats(cell, n, steps, features, units)), work = backend.zeros(recurrentScratchFloats(cell, n, steps, features, units));
  const dK = backend.zeros(features, gu), dR = backend.zeros(units, gu), dB = bias ? backend.zeros(bias.size) : undefined;
  const k = backend.kernels, p = (v: { ptr: number } | undefined) => (v ? v.ptr : 0);
  const forward = { simpleRnn: k.simpleRnnForward, lstm: k.lstmForward, gru: k.gruForward }[cell];
  const backward = { simpleRnn: k.simpleRnnBackward, lstm: k.lstmBackward, gru: k.gruBackward }[cell];
  forward(x.ptr, p(mx), kernel.ptr, rk.ptr, p(bias), p(mh), y.ptr, tape.ptr, work.ptr, n, steps, features, units, options, r.activation, r.recurrentActivation);
  const Y = Float32Array.from(y.data);
  backward(x.ptr, p(mx), kernel.ptr, rk.ptr, p(mh), tape.ptr, dy.ptr, dx.ptr, dK.ptr, dR.ptr, p(dB), work.ptr, n, steps, features, units, options, r.activation, r.recurrentActivation);
  const out = { Y, dX: Float32Array.from(dx.data), dKernel: Float32Array.from(dK.data), dRecurrentKernel: Float32Array.from(dR.data), dBias: dB ? Float32Array.from(dB.data) : undefined };
  for (const v of [x, kernel, rk, bias, mx, mh, y, dy, dx, tape, work, dK, dR, dB]) v?.dispose();
  return out;
}

const optionsOf = (o: RecurrentCase['options']) =>
  (o.goBackwards ? RNN_GO_BACKWARDS : 0) | (o.returnSequences ? RNN_RETURN_SEQUENCES : 0) | (o.resetAfter ? RNN_RESET_AFTER : 0);

describe.each(backends())('recurrent kernels = the NumPy reference on %s', (name) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await freshBackend(name);
  });

  it.each(recurrentFixture.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const [n, steps, features] = c.input.shape;
    const got = runKernels(backend, {
      cell: CELL[c.layer], n, steps, features, units: c.options.units, options: optionsOf(c.options), activation: 1, recurrentActivation: 2,
      x: c.input.values, kernel: c.kernel.values, recurrentKernel: c.recurrentKernel.values, bias: c.bias?.values,
      inputMask: c.inputMask?.values, recurrentMask: c.recurrentMask?.values, dy: c.dY.values,
    });
    for (const key of ['Y', 'dX', 'dKernel', 'dRecurrentKernel', 'dBias'] as const)
      if (c.expected[key]) expectClose(got[key]!, c.expected[key]!.values, 1e-5, `${c.name}: ${key}`);
    expectFencesIntact(backend);
  });
});

describe.runIf(backends().includes('wasm'))('recurrent kernels: wasm = the js twins', () => {
  let js: Backend, wasm: Backend;
  beforeAll(async () => {
    [js, wasm] = await Promise.all([freshBackend('js'), freshBackend('wasm')]);
  });

  const cases: [string, RecurrentCell, number, number][] = [];
  for (const cell of ['simpleRnn', 'lstm', 'gru'] as const)
    for (const options of [0, RNN_RETURN_SEQUENCES, RNN_GO_BACKWARDS | RNN_RETURN_SEQUENCES, RNN_RESET_AFTER, RNN_RESET_AFTER | RNN_GO_BACKWARDS])
      if (cell === 'gru' || !(options & RNN_RESET_AFTER)) for (const act of [0, 1, 2, 3, 4]) cases.push([`${cell} options ${options} activation ${act}`, cell, options, act]);

  it.each(cases)('%s', (_, cell, options, act) => {
    const rng = testRng(cases.findIndex((c) => c[0] === _) + 7);
    const n = 6, steps = 7, features = 5, units = 9, gu = GATES[cell] * units;
    const r = (k: number, s = 0.5) => Float32Array.from({ length: k }, () => rng.uniform(-s, s));
    const mask = (k: number, rate: number) => Float32Array.from({ length: k }, () => (rng.uniform() < rate ? 0 : 1 / (1 - rate)));
    const run: Run = {
      cell, n, steps, features, units, options, activation: act, recurrentActivation: (act + 2) % 5,
      x: r(n * steps * features, 1), kernel: r(features * gu), recurrentKernel: r(units * gu), bias: r(cell === 'gru' && options & RNN_RESET_AFTER ? 2 * gu : gu),
      inputMask: mask(n * features, 0.3), recurrentMask: mask(n * units, 0.2), dy: r((options & RNN_RETURN_SEQUENCES ? n * steps : n) * units, 1),
    };
    const a = runKernels(js, run), b = runKernels(wasm, run);
    for (const key of ['Y', 'dX', 'dKernel', 'dRecurrentKernel', 'dBias'] as const) expectClose(b[key]!, a[key]!, 1e-5, `${key}`);
    expectFencesIntact(wasm);
    expect(a.Y.some((v) => v !== 0)).toBe(true);
  });
});

describe.runIf(backends().includes('wasm'))('recurrent kernels: the wasm cells = the js twins\' bit for bit', () => {
  let js: Backend, wasm: Backend;
  beforeAll(async () => {
    [js, wasm] = await Promise.all([freshBackend('js'), freshBackend('wasm')]);
  });

  // one sequence, one step, power-of-two inputs and dyadic weights: every GEMM that touches the
  // cells' values is exact (h̃_0 = 0; dKernel and dBias have one row), so Y, dKernel and dBias are
  // the cells' own float32 bits, forward and backward, for every pair of codes and units with and
  // without a scalar tail
  it('every activation and recurrent activation code, units 1, 3, 4, 9, 16', () => {
    let index = 0, compared = 0;
    const differ: string[] = [];
    for (const cell of ['simpleRnn', 'lstm', 'gru'] as const)
      for (const options of cell === 'gru' ? [0, RNN_RESET_AFTER] : [0])
        for (let act = 0; act < 5; act++)
          for (let ract = 0; ract < 5; ract++)
            for (const units of [1, 3, 4, 9, 16]) {
              const rng = testRng(++index), gu = GATES[cell] * units, features = 3;
              const pow2 = (k: number) => Float32Array.from({ length: k }, () => (rng.uniform() < 0.5 ? -1 : 1) * 2 ** -Math.floor(rng.uniform(0, 3)));
              const dyadic = (k: number, s: number) => Float32Array.from({ length: k }, () => Math.round(rng.uniform(-s, s) * 64) / 64);
              const run: Run = {
                cell, n: 1, steps: 1, features, units, options, activation: act, recurrentActivation: ract,
                x: pow2(features), kernel: dyadic(features * gu, 2), recurrentKernel: dyadic(units * gu, 1),
                bias: dyadic(options & RNN_RESET_AFTER ? 2 * gu : gu, 4), dy: dyadic(units, 1),
              };
              const a = runKernels(js, run), b = runKernels(wasm, run);
              for (const key of ['Y', 'dKernel', 'dBias'] as const) {
                const want = new Uint32Array(a[key]!.buffer), got = new Uint32Array(b[key]!.buffer);
                for (let i = 0; i < want.length; i++, compared++)
                  if (got[i] !== want[i] && differ.length < 5) differ.push(`${cell} options ${options} codes ${act}/${ract} units ${units} ${key}[${i}]: js ${a[key]![i]}, wasm ${b[key]![i]}`);
              }
            }
    expect(differ).toEqual([]);
    expect(compared).toBeGreaterThan(40000);
    expectFencesIntact(wasm);
  });
});
