/**
 * js ≡ wasm for the image kernels on random geometry (1×1 images, one channel, odd sizes and
 * channel counts around the f32x4 width, windows as large as the image, strides, dilation, both
 * paddings): im2col, col2im, the poolings and the broadcast dropout move and add values in the
 * same order on both sides, so they must agree bit for bit. The convolution's GEMMs without a cols
 * matrix (conv2dForward, conv2dBackwardKernel, conv2dBackwardInput) equal im2col followed by the
 * GEMM (and col2im) bit for bit on each backend (on wasm where that GEMM takes its packed path),
 * and js ≡ wasm within the GEMM's 1e-5, as do the layers on top.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { LayerConv2D, type Backend, type Padding } from '../src/index.ts';
import { geometry } from '../src/layers/convGeometry.ts';
import { dropThreshold } from '../src/backend/random.ts';
import { expectSame, expectFencesIntact, freshBackend, getTestBackend, testRng, FUZZ_RUNS, fuzzSeed } from './helpers.ts';

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
      const [c, d] = both([values(o.seed + 2, outs), a[1]], [image], (be, [dy, am, dx]) => be.kernels.maxPoolBackward(dy, am, dx, ...args));
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

/** a convolution's geometry and sizes, as the kernels take them */
interface ConvCase { n: number; h: number; w: number; c: number; kh: number; kw: number; sh: number; sw: number; dh: number; dw: number; padding: Padding; filters: number; relu: number; seed: number }

/**
 * the three products of a convolution on `be`, each two ways: through the cols matrix (im2col, the
 * GEMM kernel, col2im) and by the kernel that never writes it; [y, dkernel, dx] pairs
 */
function convBothWays(be: Backend, o: ConvCase) {
  const g = geometry([o.h, o.w, o.c], [o.kh, o.kw], [o.sh, o.sw], [o.dh, o.dw], o.padding, 'test');
  const args = [o.n, o.h, o.w, o.c, o.kh, o.kw, o.sh, o.sw, o.dh, o.dw, g.padTop, g.padLeft, g.oh, g.ow] as const;
  const m = o.n * g.oh * g.ow, depth = o.kh * o.kw * o.c, f = o.filters, k = be.kernels;
  const put = (seed: number, n: number) => be.fromArray(values(seed, n), Math.max(1, n), 1);
  const x = put(o.seed, o.n * o.h * o.w * o.c), kernel = put(o.seed + 1, depth * f), bias = put(o.seed + 2, f), dz = put(o.seed + 3, m * f);
  const out = (n: number) => { const t = be.tensor(Math.max(1, n), 1); t.data.fill(NaN); return t; };
  const cols = out(m * depth), y = [out(m * f), out(m * f)], dk = [out(depth * f), out(depth * f)], dx = [out(x.size), out(x.size)];
  k.im2col(x.ptr, cols.ptr, ...args);
  if (o.relu) k.denseReluForward(cols.ptr, kernel.ptr, bias.ptr, y[0].ptr, m, depth, f, 0, 0, 0, 1);
  else k.gemmNN(cols.ptr, kernel.ptr, bias.ptr, y[0].ptr, m, depth, f, 0);
  k.conv2dForward(x.ptr, kernel.ptr, bias.ptr, y[1].ptr, ...args, f, o.relu);
  k.gemmTN(cols.ptr, dz.ptr, dk[0].ptr, depth, m, f, 0);
  k.conv2dBackwardKernel(x.ptr, dz.ptr, dk[1].ptr, ...args, f);
  k.gemmNT(dz.ptr, kernel.ptr, cols.ptr, m, f, depth, 0);
  k.col2im(cols.ptr, dx[0].ptr, ...args);
  k.conv2dBackwardInput(dz.ptr, kernel.ptr, dx[1].ptr, ...args, f);
  const result = [y, dk, dx].map(([a, b]) => [a.toFloat32Array(), b.toFloat32Array()] as const);
  for (const t of [x, kernel, bias, dz, cols, ...y, ...dk, ...dx]) t.dispose();
  // where im2col's GEMM takes the packed path (gemm.ts), the one the cols-free kernels always take
  const packed = [depth > 4 && f >= 4 && m >= 16, f >= 4 && depth >= 16, m >= 16 && depth >= 4 && f > 4];
  // how many products an element sums (dx: up to kh·kw rows' sums over the filters), for the tolerance
  const terms = [depth + 1, m, f * o.kh * o.kw];
  return { result, packed, terms };
}

/** float32 sums in two orders differ by a few ulps of their terms' magnitude (N(0, 1) values here): 1e-6 per term */
const expectWithin = (actual: ArrayLike<number>, expected: ArrayLike<number>, terms: number, what: string) => {
  for (let j = 0; j < expected.length; j++)
    expect(Math.abs(actual[j] - expected[j]), `${what} [${j}]`).toBeLessThanOrEqual(1e-6 * terms * (1 + Math.abs(expected[j])));
};

const convCase = window.chain((o) => fc.record({ filters: fc.integer({ min: 1, max: 13 }), relu: fc.constantFrom(0, 1) }).map((r) => ({ ...o, ...r })));

/** fixed shapes across the packed path's blocks: k blocks of 256 pixels, 512 columns, 256 filters, the input gradient's row blocks */
const BLOCK_CASES: ConvCase[] = [
  { n: 3, h: 13, w: 13, c: 32, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, padding: 'valid', filters: 64, relu: 1, seed: 1 }, // the MNIST CNN's conv2
  { n: 2, h: 28, w: 28, c: 1, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, padding: 'valid', filters: 32, relu: 1, seed: 2 }, // its conv1
  { n: 2, h: 9, w: 9, c: 64, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, padding: 'same', filters: 20, relu: 0, seed: 3 }, // depth 576
  { n: 1, h: 12, w: 11, c: 3, kh: 5, kw: 5, sh: 2, sw: 2, dh: 1, dw: 1, padding: 'same', filters: 260, relu: 1, seed: 4 },
  { n: 2, h: 8, w: 8, c: 64, kh: 5, kw: 5, sh: 1, sw: 1, dh: 1, dw: 1, padding: 'same', filters: 8, relu: 0, seed: 5 }, // depth 1600: 20-row blocks
  { n: 1, h: 10, w: 10, c: 6, kh: 3, kw: 3, sh: 1, sw: 1, dh: 2, dw: 2, padding: 'same', filters: 5, relu: 1, seed: 6 },
  { n: 2, h: 7, w: 9, c: 8, kh: 3, kw: 2, sh: 1, sw: 3, dh: 1, dw: 1, padding: 'same', filters: 9, relu: 0, seed: 7 },
];

describe('the convolution without a cols matrix', () => {
  const check = (be: Backend, o: ConvCase, exactOn: (packed: boolean) => boolean) => {
    const { result, packed, terms } = convBothWays(be, o);
    ['conv2dForward', 'conv2dBackwardKernel', 'conv2dBackwardInput'].forEach((name, i) => {
      const [viaCols, direct] = result[i], what = `${be.variant} ${name} ${JSON.stringify(o)}`;
      if (exactOn(packed[i])) expectSame(direct, viaCols, `${what} ≡ through cols`);
      else expectWithin(direct, viaCols, terms[i], what);
    });
    expectFencesIntact(be, `${be.variant} fences`);
    return result;
  };

  it('equal im2col followed by the GEMM kernels (and col2im): js always, wasm on the packed path, bit for bit', async () => {
    const [jsF, wasmF] = [await freshBackend('js', 1), await freshBackend('wasm', 1)];
    fc.assert(fc.property(convCase, (o) => {
      check(jsF, o, () => true);
      check(wasmF, o, (p) => p);
    }), { numRuns: FUZZ_RUNS, seed: fuzzSeed(35) });
    for (const o of BLOCK_CASES) {
      check(jsF, o, () => true);
      check(wasmF, o, (p) => p);
    }
  });

  it('js ≡ wasm within the GEMM tolerance; without packing scratch the wasm kernels sum in the same order', async () => {
    const be = await freshBackend('wasm', 2); // its own backend: this test swaps the scratch block
    const k = be.kernels, bytes = k.gemmScratchBytes(), scratch = be.tensor(1, bytes / 4);
    for (const o of [...BLOCK_CASES, ...fc.sample(convCase, { numRuns: 40, seed: fuzzSeed(36) })]) {
      const { result: a, terms } = convBothWays(js, o);
      k.gemmScratch(scratch.ptr, bytes);
      const b = convBothWays(be, o).result;
      k.gemmScratch(0, 0);
      const c = convBothWays(be, o).result;
      k.gemmScratch(scratch.ptr, bytes);
      ['conv2dForward', 'conv2dBackwardKernel', 'conv2dBackwardInput'].forEach((name, i) => {
        const what = `${name} ${JSON.stringify(o)}`;
        expectWithin(b[i][1], a[i][1], terms[i], `js vs wasm ${what}`);
        if (be.variant === 'wasm-simd') expectSame(c[i][1], b[i][1], `without scratch ${what}`);
        else expectWithin(c[i][1], b[i][1], terms[i], `without scratch ${what}`);
      });
    }
    expectFencesIntact(be);
    scratch.dispose();
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

/**
 * conv2dMaxPoolForward on `be`, and what it replaces there: conv2dForward, then maxPoolForward
 * over 2×2 windows with strides 2 ('valid'); [fused, unfused]
 */
function convPoolBothWays(be: Backend, o: ConvCase): [Float32Array, Float32Array] {
  const g = geometry([o.h, o.w, o.c], [o.kh, o.kw], [o.sh, o.sw], [o.dh, o.dw], o.padding, 'test');
  const args = [o.n, o.h, o.w, o.c, o.kh, o.kw, o.sh, o.sw, o.dh, o.dw, g.padTop, g.padLeft, g.oh, g.ow] as const;
  const [poh, pow] = [g.oh >> 1, g.ow >> 1], depth = o.kh * o.kw * o.c, f = o.filters, k = be.kernels;
  const put = (seed: number, n: number) => be.fromArray(values(seed, n), Math.max(1, n), 1);
  const x = put(o.seed, o.n * o.h * o.w * o.c), kernel = put(o.seed + 1, depth * f), bias = put(o.seed + 2, f);
  const out = (n: number) => { const t = be.tensor(Math.max(1, n), 1); t.data.fill(NaN); return t; };
  const pooled = o.n * poh * pow * f, y = out(o.n * g.oh * g.ow * f), argmax = out(pooled), viaY = out(pooled), fused = out(pooled);
  // a bias with the ReLU, none without: both ways are covered
  k.conv2dForward(x.ptr, kernel.ptr, o.relu ? bias.ptr : 0, y.ptr, ...args, f, o.relu);
  k.maxPoolForward(y.ptr, viaY.ptr, argmax.ptr, o.n, g.oh, g.ow, f, 2, 2, 2, 2, 0, 0, poh, pow);
  k.conv2dMaxPoolForward(x.ptr, kernel.ptr, o.relu ? bias.ptr : 0, fused.ptr, ...args, f, o.relu);
  const result: [Float32Array, Float32Array] = [fused.toFloat32Array().subarray(0, pooled), viaY.toFloat32Array().subarray(0, pooled)];
  for (const t of [x, kernel, bias, y, argmax, viaY, fused]) t.dispose();
  return result;
}

/** the fused kernel's own shapes: edges of 8 filters, odd outputs, row blocks of whole windows, a depth past the packed path's 4096 */
const POOL_CASES: ConvCase[] = [
  ...BLOCK_CASES,
  { n: 3, h: 12, w: 12, c: 1, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, padding: 'valid', filters: 13, relu: 0, seed: 8 }, // c = 1, 10×10, an edge of 5 filters
  { n: 2, h: 9, w: 11, c: 1, kh: 2, kw: 3, sh: 1, sw: 2, dh: 1, dw: 1, padding: 'same', filters: 16, relu: 1, seed: 9 }, // c = 1, stride 2 across
  { n: 1, h: 5, w: 5, c: 520, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, padding: 'same', filters: 9, relu: 1, seed: 10 }, // depth 4680: direct
];

describe("inference's Conv2D (+ ReLU) → 2×2 max pooling in one pass (conv2dMaxPoolForward)", () => {
  it('equals conv2dForward followed by maxPoolForward bit for bit on each backend, with and without packing scratch', async () => {
    const [jsF, wasmF] = [await freshBackend('js', 3), await freshBackend('wasm', 3)];
    const k = wasmF.kernels, bytes = k.gemmScratchBytes(), scratch = wasmF.tensor(1, bytes / 4);
    const cases = [...POOL_CASES, ...fc.sample(convCase, { numRuns: FUZZ_RUNS, seed: fuzzSeed(37) })];
    for (const o of cases) {
      const what = JSON.stringify(o);
      const [a, b] = convPoolBothWays(jsF, o);
      expectSame(a, b, `js ${what}`);
      const [c, d] = convPoolBothWays(wasmF, o);
      expectSame(c, d, `wasm ${what}`);
      expectWithin(c, a, o.kh * o.kw * o.c + 1, `js vs wasm ${what}`);
      k.gemmScratch(0, 0);
      const [e, f] = convPoolBothWays(wasmF, o);
      k.gemmScratch(scratch.ptr, bytes);
      expectSame(e, f, `wasm without scratch ${what}`);
    }
    expectFencesIntact(jsF);
    expectFencesIntact(wasmF);
    scratch.dispose();
  });
});
