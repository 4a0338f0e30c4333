/**
 * js ≡ wasm for the image kernels on random geometry (1×1 images, one channel, odd sizes and
 * channel counts around the f32x4 width, windows as large as the image, strides, dilation, both
 * paddings): im2col, col2im, the poolings and the broadcast dropout move and add values in the
 * same order on both sides, so they must agree bit for bit. The layers on top (Conv2D's GEMMs)
 * agree within the GEMM's 1e-5.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { LayerConv2D, type Backend, type Padding } from '../src/index.ts';
import { geometry } from '../src/layers/convGeometry.ts';
import { dropThreshold } from '../src/backend/random.ts';
import { expectSame, getTestBackend, testRng, FUZZ_RUNS, fuzzSeed } from './helpers.ts';

let js: Backend, wasm: Backend;
beforeAll(async () => {
  js = await getTestBackend('js');
  wasm = await getTestBackend('wasm');
});

const window = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 7 }), w: fc.integer({ min: 1, max: 7 }), c: fc.constantFrom(1, 2, 3, 4, 5, 8, 9),
    kh: fc.integer({ min: 1, max: 7 }), kw: fc.integer({ min: 1, max: 7 }), sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
    dilated: fc.boolean(), padding: fc.constantFrom<Padding>('valid', 'same'), seed: fc.nat(),
  })
  .map((o) => ({ ...o, kh: Math.min(o.kh, o.h), kw: Math.min(o.kw, o.w), dh: o.dilated && o.sh === 1 && o.sw === 1 ? 2 : 1, dw: o.dilated && o.sh === 1 && o.sw === 1 ? 2 : 1 }))
  .filter((o) => o.padding === 'same' || ((o.kh - 1) * o.dh < o.h && (o.kw - 1) * o.dw < o.w));

/** run `call` on both backends with the same inputs; outputs [index] returned per backend */
function both(inputs: Float32Array[], outputs: number[], call: (be: Backend, ptrs: number[]) => void): [Float32Array[], Float32Array[]] {
  return [js, wasm].map((be) => {
    const ts = [...inputs.map((v) => be.fromArray(v, v.length, 1)), ...outputs.map((n) => be.zeros(n, 1))];
    call(be, ts.map((t) => t.ptr));
    const out = ts.slice(inputs.length).map((t) => t.toFloat32Array());
    for (const t of ts) t.dispose();
    return out;
  }) as [Float32Array[], Float32Array[]];
}
const values = (seed: number, n: number) => {
  const r = testRng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
};

describe('image kernels: js ≡ wasm bit for bit', () => {
  it('im2col and col2im', () => {
    fc.assert(fc.property(window, (o) => {
      const g = geometry([o.h, o.w, o.c], [o.kh, o.kw], [o.sh, o.sw], [o.dh, o.dw], o.padding, 'test');
      const args = [o.n, o.h, o.w, o.c, o.kh, o.kw, o.sh, o.sw, o.dh, o.dw, g.padTop, g.padLeft, g.oh, g.ow] as const;
      const rows = o.n * g.oh * g.ow * o.kh * o.kw * o.c, image = o.n * o.h * o.w * o.c;
      const [a, b] = both([values(o.seed, image)], [rows], (be, [x, cols]) => be.kernels.im2col(x, cols, ...args));
      expectSame(b[0], a[0], `im2col ${JSON.stringify(o)}`);
      const [c, d] = both([values(o.seed + 1, rows)], [image], (be, [cols, dx]) => be.kernels.col2im(cols, dx, ...args));
      expectSame(d[0], c[0], `col2im ${JSON.stringify(o)}`);
    }), { numRuns: FUZZ_RUNS, seed: fuzzSeed(31) });
  });

  it('max and average pooling, forward and backward; global average pooling', () => {
    fc.assert(fc.property(window, fc.boolean(), (o, ties) => {
      const g = geometry([o.h, o.w, o.c], [o.kh, o.kw], [o.sh, o.sw], [1, 1], o.padding, 'test');
      const args = [o.n, o.h, o.w, o.c, o.kh, o.kw, o.sh, o.sw, g.padTop, g.padLeft, g.oh, g.ow] as const;
      const outs = o.n * g.oh * g.ow * o.c, image = o.n * o.h * o.w * o.c;
      const x = ties ? values(o.seed, image).map((v) => Math.round(v)) : values(o.seed, image); // ties: the first max must win on both
      const [a, b] = both([x], [outs, outs], (be, [xp, y, am]) => be.kernels.maxPoolForward(xp, y, am, ...args));
      expectSame(b[0], a[0], 'maxPoolForward y');
      expectSame(new Int32Array(b[1].buffer), new Int32Array(a[1].buffer), 'maxPoolForward argmax');
      const [c, d] = both([values(o.seed + 2, outs), a[1]], [image], (be, [dy, am, dx]) => be.kernels.maxPoolBackward(dy, am, dx, outs, image));
      expectSame(d[0], c[0], 'maxPoolBackward');
      const [e, f] = both([x], [outs], (be, [xp, y]) => be.kernels.avgPoolForward(xp, y, ...args));
      expectSame(f[0], e[0], 'avgPoolForward');
      const [p, q] = both([values(o.seed + 3, outs)], [image], (be, [dy, dx]) => be.kernels.avgPoolBackward(dy, dx, ...args));
      expectSame(q[0], p[0], 'avgPoolBackward');
      const [r, s] = both([x], [o.n * o.c], (be, [xp, y]) => be.kernels.globalAvgPoolForward(xp, y, o.n, o.h * o.w, o.c));
      expectSame(s[0], r[0], 'globalAvgPoolForward');
      const [t, u] = both([values(o.seed + 4, o.n * o.c)], [image], (be, [dy, dx]) => be.kernels.globalAvgPoolBackward(dy, dx, o.n, o.h * o.w, o.c));
      expectSame(u[0], t[0], 'globalAvgPoolBackward');
    }), { numRuns: FUZZ_RUNS, seed: fuzzSeed(32) });
  });

  it('broadcast dropout: the same masks, constant over the broadcast axis', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 11 }), fc.double({ min: 0, max: 0.9, noNaN: true }), fc.nat(), (outer, mid, inner, rate, seed) => {
      const n = outer * mid * inner, scale = Math.fround(1 / (1 - rate));
      const [a, b] = both([values(seed, n)], [n, n], (be, [x, m, y]) => be.kernels.dropoutBroadcastForward(x, m, y, outer, mid, inner, seed, 3, dropThreshold(rate), scale));
      expectSame(b[0], a[0], 'mask');
      expectSame(b[1], a[1], 'output');
      for (let o = 0; o < outer; o++)
        for (let k = 0; k < mid; k++)
          for (let i = 0; i < inner; i++) expect(a[0][(o * mid + k) * inner + i]).toBe(a[0][o * mid * inner + i]);
    }), { numRuns: FUZZ_RUNS, seed: fuzzSeed(33) });
  });
});

describe('LayerConv2D: js ≡ wasm within the GEMM tolerance', () => {
  it('forward and backward on random geometry', () => {
    fc.assert(fc.property(window, fc.constantFrom<'relu' | 'linear'>('relu', 'linear'), fc.integer({ min: 1, max: 9 }), (o, activation, filters) => {
      /** output, dinputs, dkernel, dbias; `abs` runs on |values| with no ReLU: every sum without cancellation */
      const run = (be: Backend, abs = false) => {
        const v = (seed: number, n: number) => (abs ? values(seed, n).map(Math.abs) : values(seed, n));
        const conv = new LayerConv2D(filters, [o.kh, o.kw], { strides: [o.sh, o.sw], dilationRate: [o.dh, o.dw], padding: o.padding, activation: abs ? 'linear' : activation, backend: be });
        conv.build([o.h, o.w, o.c]);
        conv.kernel.data.set(v(o.seed + 5, conv.kernel.size));
        conv.bias!.data.set(v(o.seed + 6, filters));
        const x = be.fromArray(v(o.seed, o.n * o.h * o.w * o.c), o.n, o.h, o.w, o.c);
        conv.forward(x);
        const dy = be.fromArray(v(o.seed + 7, conv.output.size), ...conv.output.shape);
        conv.backward(dy);
        const out = [conv.output, conv.dinputs, conv.dkernel, conv.dbias!].map((t) => t.toFloat32Array());
        for (const t of [conv, x, dy]) t.dispose();
        return out;
      };
      const [a, b, scale] = [run(js), run(wasm), run(js, true)];
      // the two sides sum in different orders: each element is held to 1e-5 of the sum of its terms' magnitudes
      ['output', 'dinputs', 'dkernel', 'dbias'].forEach((what, i) =>
        a[i].forEach((v, j) => expect(Math.abs(b[i][j] - v), `Conv2D ${what}[${j}] ${JSON.stringify(o)}`).toBeLessThanOrEqual(1e-5 * scale[i][j] + 1e-30)));
    }), { numRuns: Math.ceil(FUZZ_RUNS / 3), seed: fuzzSeed(34) });
  });
});
