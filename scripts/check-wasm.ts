/**
 * Checks every WebAssembly kernel against its plain-TS twin (src/backend/js, the oracle), checks the
 * dropout masks bit-for-bit against src/backend/random.ts, and prints rough GEMM GFLOP/s.
 *
 *   npm run asbuild && npx tsx scripts/check-wasm.ts              # baseline SIMD build
 *   node --experimental-wasm-relaxed-simd --import tsx scripts/check-wasm.ts --relaxed
 *   flags: --relaxed (build/nnwasm-relaxed.wasm), --no-perf, --perf-only, --reps=N
 *
 * The module is instantiated directly with WebAssembly.instantiate (it imports nothing); both
 * implementations run on the same linear memory: inputs are written once, each side gets its own
 * copy of every output / in-place buffer, and the copies are compared.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Kernels } from '../src/backend/kernels.ts';
import { createJsKernels, type Heap } from '../src/backend/js/index.ts';
import { Rng, dropThreshold, streamBits, streamKey } from '../src/backend/random.ts';

const args = process.argv.slice(2);
const relaxed = args.includes('--relaxed');
const perf = !args.includes('--no-perf');
const checks = !args.includes('--perf-only');
const reps = Number(args.find((a) => a.startsWith('--reps='))?.slice(7) ?? 7);
const file = relaxed ? 'build/nnwasm-relaxed.wasm' : 'build/nnwasm.wasm';

// ---- instantiate ---------------------------------------------------------------------------------
const bytes = readFileSync(new URL(`../${file}`, import.meta.url));
if (!WebAssembly.validate(bytes)) {
  console.error(`${file} does not validate here${relaxed ? ' (Node 20 needs --experimental-wasm-relaxed-simd)' : ''}`);
  process.exit(2);
}
const module = await WebAssembly.compile(bytes);
const imports = WebAssembly.Module.imports(module);
const exportsDesc = WebAssembly.Module.exports(module);
const { exports } = await WebAssembly.instantiate(module, {
  env: {
    abort(msg: number, fileName: number, line: number, col: number) {
      throw new Error(`wasm abort at ${line}:${col}`);
    },
  },
});
type WasmExports = Kernels & { memory: WebAssembly.Memory; heapBase(): number };
const wasm = exports as unknown as WasmExports;
const memory = wasm.memory;
const heapBase = wasm.heapBase();

console.log(`${file}: ${bytes.length} bytes; imports: ${imports.length ? imports.map((i) => `${i.module}.${i.name}`).join(', ') : '(none)'}`);
console.log(`exports: ${exportsDesc.map((e) => (e.kind === 'function' ? e.name : `${e.name}(${e.kind})`)).join(' ')}`);
console.log(`heapBase() = ${heapBase}; memory = ${memory.buffer.byteLength / 65536} pages`);

// ---- a bump allocator over the wasm memory; the twin shares the same bytes -----------------------
const heap: Heap = { f32: new Float32Array(memory.buffer), i32: new Int32Array(memory.buffer) };
const refresh = () => {
  if (heap.f32.buffer !== memory.buffer) {
    heap.f32 = new Float32Array(memory.buffer);
    heap.i32 = new Int32Array(memory.buffer);
  }
};
const js = createJsKernels(heap);
const align64 = (x: number) => (x + 63) & ~63;
const base = align64(heapBase);
let floor = base; // where reset() rewinds to
let top = base;
function alloc(nFloats: number): number {
  const p = top;
  top = align64(p + Math.max(nFloats, 1) * 4 + 64); // + a guard gap
  const need = top - memory.buffer.byteLength;
  if (need > 0) memory.grow(Math.ceil(need / 65536));
  refresh();
  return p;
}
const reset = () => { top = floor; };

const rng = new Rng(12345, 7);
const uni = (lo: number, hi: number) => lo + (hi - lo) * rng.uniform();
function put(p: number, data: ArrayLike<number>) { refresh(); heap.f32.set(data as ArrayLike<number>, p >> 2); }
function putI(p: number, data: ArrayLike<number>) { refresh(); heap.i32.set(data as ArrayLike<number>, p >> 2); }
function get(p: number, n: number): Float32Array { refresh(); return heap.f32.slice(p >> 2, (p >> 2) + n); }
function randBuf(n: number, lo = -1, hi = 1): number {
  const p = alloc(n);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = uni(lo, hi);
  put(p, d);
  return p;
}
function bufFrom(d: ArrayLike<number>): number { const p = alloc(d.length); put(p, d); return p; }
/** two copies of the same content: [wasm side, js side] */
function twin(n: number, lo = -1, hi = 1): [number, number] {
  const a = randBuf(n, lo, hi);
  const b = alloc(n);
  put(b, get(a, n));
  return [a, b];
}
function twinOf(d: ArrayLike<number>): [number, number] { return [bufFrom(d), bufFrom(d)]; }

// ---- comparison bookkeeping ----------------------------------------------------------------------
interface Stat { cases: number; maxRel: number; exact: number; total: number; fail: string[]; tol: number }
const stats = new Map<string, Stat>();
function stat(name: string, tol: number): Stat {
  let s = stats.get(name);
  if (!s) stats.set(name, (s = { cases: 0, maxRel: 0, exact: 0, total: 0, fail: [], tol }));
  return s;
}
/**
 * element error = |w - j| / max(|j|, floor · max|j|, 1e-30); NaN must meet NaN.
 * floor keeps cancellation-heavy elements (GEMM sums near 0) from dominating.
 */
function compareArrays(name: string, label: string, w: Float32Array, j: Float32Array, tol: number, floor = 1e-3) {
  const s = stat(name, tol);
  s.cases++;
  let maxAbs = 0;
  for (let i = 0; i < j.length; i++) if (Number.isFinite(j[i])) maxAbs = Math.max(maxAbs, Math.abs(j[i]));
  let worst = 0, exact = 0, nanBad = 0;
  for (let i = 0; i < j.length; i++) {
    const a = w[i], b = j[i];
    if (Object.is(a, b) || a === b) { exact++; continue; }
    if (Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(a) || !Number.isFinite(b)) { nanBad++; continue; }
    const e = Math.abs(a - b) / Math.max(Math.abs(b), floor * maxAbs, 1e-30);
    if (e > worst) worst = e;
  }
  s.exact += exact;
  s.total += j.length;
  if (worst > s.maxRel) s.maxRel = worst;
  if (worst > tol || nanBad) s.fail.push(`${label}: maxRel ${worst.toExponential(2)}${nanBad ? `, ${nanBad} NaN/Inf mismatches` : ''}`);
}
function compareOut(name: string, label: string, pw: number, pj: number, n: number, tol: number, floor = 1e-3) {
  compareArrays(name, label, get(pw, n), get(pj, n), tol, floor);
}
function compareScalar(name: string, label: string, w: number, j: number, tol: number) {
  const s = stat(name, tol);
  s.cases++;
  s.total++;
  if (Object.is(w, j) || w === j) { s.exact++; return; }
  const e = Number.isNaN(w) || Number.isNaN(j) ? Infinity : Math.abs(w - j) / Math.max(Math.abs(j), 1e-300);
  if (e > s.maxRel) s.maxRel = e;
  if (e > tol) s.fail.push(`${label}: wasm ${w} vs js ${j} (rel ${e.toExponential(2)})`);
}

const SIZES = [1, 3, 5, 17, 1000, 1003];
const TOL_ELEM = 1e-6; // 1-2 ulp: different exp / summation order only
const TOL_GEMM = 1e-4;
const TOL_LOSS = 1e-9;

// ==================================================================================================
// GEMM
// ==================================================================================================
/**
 * GEMM error is measured against the componentwise bound: |w - j| <= 2·γ_k·S with S = |A|·|B| (+ |bias|)
 * (+ |C0|) computed by the twin on absolute values, γ_k ≈ k·2⁻²⁴. The reported maxRel is |w - j| / S
 * and the tolerance (k + 2)·2⁻²³; a wrong index or a missed edge gives errors of order 1.
 */
function compareBounded(name: string, label: string, pw: number, pj: number, ps: number, n: number, terms: number) {
  const tol = (terms + 2) * 2 ** -23;
  const w = get(pw, n), j = get(pj, n), sb = get(ps, n);
  const st = stat(name, 0);
  st.cases++;
  let worst = 0, exact = 0;
  for (let i = 0; i < n; i++) {
    if (w[i] === j[i]) { exact++; continue; }
    const e = Number.isFinite(w[i]) ? Math.abs(w[i] - j[i]) / Math.max(sb[i], 1e-30) : Infinity;
    if (e > worst) worst = e;
  }
  st.exact += exact;
  st.total += n;
  if (worst > st.maxRel) st.maxRel = worst;
  st.tol = Math.max(st.tol, tol);
  if (worst > tol) st.fail.push(`${label}: |w-j|/(|A||B|) ${worst.toExponential(2)} > ${tol.toExponential(2)}`);
}
function absCopy(p: number, n: number): number { return bufFrom(get(p, n).map(Math.abs)); }
function absSum(name: 'NN' | 'TN' | 'NT', a: number, b: number, bias: number, c0: number, m: number, k: number, n: number): number {
  const aa = absCopy(a, m * k), ab = absCopy(b, k * n), s = alloc(m * n);
  if (name === 'NN') js.gemmNN(aa, ab, bias ? absCopy(bias, n) : 0, s, m, k, n, 0);
  else if (name === 'TN') js.gemmTN(aa, ab, s, m, k, n, 0);
  else js.gemmNT(aa, ab, s, m, k, n, 0);
  if (c0) { refresh(); const f = heap.f32, S = s >> 2, C = c0 >> 2; for (let i = 0; i < m * n; i++) f[S + i] += Math.abs(f[C + i]); }
  return s;
}

function checkGemm(m: number, k: number, n: number) {
  const label = `${m}x${k}x${n}`;
  for (const accumulate of [0, 1]) {
    // NN (with and without bias)
    for (const withBias of [false, true]) {
      reset();
      const a = randBuf(m * k), b = randBuf(k * n), bias = withBias ? randBuf(n) : 0;
      const [cw, cj] = twin(m * n);
      const s = absSum('NN', a, b, bias, accumulate ? cj : 0, m, k, n);
      wasm.gemmNN(a, b, bias, cw, m, k, n, accumulate);
      js.gemmNN(a, b, bias, cj, m, k, n, accumulate);
      compareBounded('gemmNN', `${label} acc=${accumulate} bias=${withBias ? 1 : 0}`, cw, cj, s, m * n, k);
    }
    {
      reset();
      const a = randBuf(k * m), b = randBuf(k * n);
      const [cw, cj] = twin(m * n);
      const s = absSum('TN', a, b, 0, accumulate ? cj : 0, m, k, n);
      wasm.gemmTN(a, b, cw, m, k, n, accumulate);
      js.gemmTN(a, b, cj, m, k, n, accumulate);
      compareBounded('gemmTN', `${label} acc=${accumulate}`, cw, cj, s, m * n, k);
    }
    {
      reset();
      const a = randBuf(m * k), b = randBuf(n * k);
      const [cw, cj] = twin(m * n);
      const s = absSum('NT', a, b, 0, accumulate ? cj : 0, m, k, n);
      wasm.gemmNT(a, b, cw, m, k, n, accumulate);
      js.gemmNT(a, b, cj, m, k, n, accumulate);
      compareBounded('gemmNT', `${label} acc=${accumulate}`, cw, cj, s, m * n, k);
    }
  }
}

function checkColSums(rows: number, cols: number) {
  for (const accumulate of [0, 1]) {
    reset();
    const x = randBuf(rows * cols);
    const [ow, oj] = twin(cols);
    // S = Σ_r |x[r][j]| (+ |out0|): the twin's colSums on |x|
    const s = alloc(cols);
    js.colSums(absCopy(x, rows * cols), s, rows, cols, 0);
    if (accumulate) { refresh(); for (let j = 0; j < cols; j++) heap.f32[(s >> 2) + j] += Math.abs(heap.f32[(oj >> 2) + j]); }
    wasm.colSums(x, ow, rows, cols, accumulate);
    js.colSums(x, oj, rows, cols, accumulate);
    compareBounded('colSums', `${rows}x${cols} acc=${accumulate}`, ow, oj, s, cols, rows);
  }
}

// ==================================================================================================
// elementwise / memory
// ==================================================================================================
/** values with the awkward cases sprinkled in */
function special(n: number, lo: number, hi: number, withNonFinite: boolean): Float32Array {
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = uni(lo, hi);
  const sp = withNonFinite ? [0, -0, NaN, Infinity, -Infinity] : [0, -0];
  for (let i = 0; i < n; i += 7) d[i] = sp[(i / 7) % sp.length];
  return d;
}

function checkElementwise(n: number) {
  const L = `n=${n}`;
  reset();
  { // fill
    const [w, j] = twin(n + 3);
    wasm.fill(w, n, 0.3); js.fill(j, n, 0.3);
    compareOut('fill', L, w, j, n + 3, 0);
  }
  { // copy
    const s = randBuf(n);
    const [w, j] = twin(n + 3);
    wasm.copy(s, w, n); js.copy(s, j, n);
    compareOut('copy', L, w, j, n + 3, 0);
  }
  { // countNonFinite
    const x = bufFrom(special(n, -5, 5, true));
    const cw = wasm.countNonFinite(x, n), cj = js.countNonFinite(x, n);
    compareScalar('countNonFinite', L, cw, cj, 0);
  }
  { // mul, also aliased c = a
    const a = bufFrom(special(n, -3, 3, true)), b = randBuf(n, -3, 3);
    const [w, j] = twin(n);
    wasm.mul(a, b, w, n); js.mul(a, b, j, n);
    compareOut('mul', L, w, j, n, 0);
    const [aw, aj] = twin(n);
    wasm.mul(aw, b, aw, n); js.mul(aj, b, aj, n);
    compareOut('mul', `${L} aliased`, aw, aj, n, 0);
  }
  { // relu
    const x = bufFrom(special(n, -2, 2, true)), dy = randBuf(n);
    const [w, j] = twin(n);
    wasm.reluForward(x, w, n); js.reluForward(x, j, n);
    compareOut('reluForward', L, w, j, n, 0);
    const [iw, ij] = twinOf(get(x, n));
    wasm.reluForward(iw, iw, n); js.reluForward(ij, ij, n);
    compareOut('reluForward', `${L} in-place`, iw, ij, n, 0);
    const [dw, dj] = twin(n);
    wasm.reluBackward(x, dy, dw, n); js.reluBackward(x, dy, dj, n);
    compareOut('reluBackward', L, dw, dj, n, 0);
  }
  { // sigmoid
    const x = bufFrom(special(n, -20, 20, false)), dy = randBuf(n);
    const [w, j] = twin(n);
    wasm.sigmoidForward(x, w, n); js.sigmoidForward(x, j, n);
    compareOut('sigmoidForward', L, w, j, n, TOL_ELEM, 0);
    const [dw, dj] = twin(n);
    wasm.sigmoidBackward(w, dy, dw, n); js.sigmoidBackward(w, dy, dj, n);
    compareOut('sigmoidBackward', L, dw, dj, n, TOL_ELEM, 0);
  }
  { // dropout: masks bit-exact with random.ts, y with the twin
    for (const [rate, seed, counter] of [[0.1, 0, 0], [0.5, 42, 3], [0.9, 0xdeadbeef, 0xfffffff0]] as const) {
      const x = randBuf(n);
      const thr = dropThreshold(rate), scale = Math.fround(1 / (1 - rate));
      const [mw, mj] = twin(n), [yw, yj] = twin(n);
      wasm.dropoutForward(x, mw, yw, n, seed, counter, thr, scale);
      js.dropoutForward(x, mj, yj, n, seed, counter, thr, scale);
      const key = streamKey(seed >>> 0, counter >>> 0);
      const expect = new Float32Array(n);
      for (let i = 0; i < n; i++) expect[i] = streamBits(key, i) >>> 8 >= thr ? scale : 0;
      compareArrays('dropoutForward', `${L} rate=${rate} mask vs random.ts`, get(mw, n), expect, 0);
      compareOut('dropoutForward', `${L} rate=${rate} mask vs twin`, mw, mj, n, 0);
      compareOut('dropoutForward', `${L} rate=${rate} y`, yw, yj, n, 0);
      const [iw, ij] = twinOf(get(x, n));
      wasm.dropoutForward(iw, mw, iw, n, seed, counter, thr, scale);
      compareOut('dropoutForward', `${L} rate=${rate} in-place`, iw, yj, n, 0);
    }
  }
  { // regularization
    const wv = special(n, -1, 1, false);
    const w = bufFrom(wv);
    for (const [l1, l2] of [[5e-4, 0], [0, 5e-4], [1e-3, 2e-3]]) {
      const f1 = Math.fround(l1), f2 = Math.fround(l2);
      const pw = wasm.regularizationPenalty(w, n, f1, f2), pj = js.regularizationPenalty(w, n, f1, f2);
      compareScalar('regularizationPenalty', `${L} l1=${l1} l2=${l2}`, pw, pj, TOL_LOSS);
      const [gw, gj] = twin(n);
      wasm.regularizationGrad(w, gw, n, f1, f2); js.regularizationGrad(w, gj, n, f1, f2);
      compareOut('regularizationGrad', `${L} l1=${l1} l2=${l2}`, gw, gj, n, TOL_ELEM, 0);
    }
  }
  { // optimizers (f32-representable hyper-parameters, as the wasm side receives f32)
    const fr = Math.fround;
    const dw = randBuf(n, -0.5, 0.5);
    {
      const [ww, wj] = twin(n);
      wasm.sgdUpdate(ww, dw, n, fr(0.05)); js.sgdUpdate(wj, dw, n, fr(0.05));
      compareOut('sgdUpdate', L, ww, wj, n, TOL_ELEM, 0);
    }
    {
      const [ww, wj] = twin(n), [mw, mj] = twin(n, -0.1, 0.1);
      wasm.sgdMomentumUpdate(ww, dw, mw, n, fr(0.05), fr(0.9)); js.sgdMomentumUpdate(wj, dw, mj, n, fr(0.05), fr(0.9));
      compareOut('sgdMomentumUpdate', `${L} w`, ww, wj, n, TOL_ELEM, 0);
      compareOut('sgdMomentumUpdate', `${L} m`, mw, mj, n, TOL_ELEM, 0);
    }
    {
      const [ww, wj] = twin(n), [cw, cj] = twin(n, 0, 0.3);
      wasm.adagradUpdate(ww, dw, cw, n, fr(1), fr(1e-7)); js.adagradUpdate(wj, dw, cj, n, fr(1), fr(1e-7));
      compareOut('adagradUpdate', `${L} w`, ww, wj, n, TOL_ELEM, 0);
      compareOut('adagradUpdate', `${L} cache`, cw, cj, n, TOL_ELEM, 0);
    }
    {
      const [ww, wj] = twin(n), [cw, cj] = twin(n, 0, 0.3);
      wasm.rmspropUpdate(ww, dw, cw, n, fr(0.02), fr(1e-7), fr(0.999)); js.rmspropUpdate(wj, dw, cj, n, fr(0.02), fr(1e-7), fr(0.999));
      compareOut('rmspropUpdate', `${L} w`, ww, wj, n, TOL_ELEM, 0);
      compareOut('rmspropUpdate', `${L} cache`, cw, cj, n, TOL_ELEM, 0);
    }
    {
      const [ww, wj] = twin(n), [mw, mj] = twin(n, -0.1, 0.1), [vw, vj] = twin(n, 0, 0.05);
      const t = 3, b1 = fr(0.9), b2 = fr(0.999);
      const c1 = fr(1 - b1 ** t), c2 = fr(1 - b2 ** t);
      wasm.adamUpdate(ww, dw, mw, vw, n, fr(0.05), b1, b2, fr(1e-7), c1, c2);
      js.adamUpdate(wj, dw, mj, vj, n, fr(0.05), b1, b2, fr(1e-7), c1, c2);
      compareOut('adamUpdate', `${L} w`, ww, wj, n, TOL_ELEM, 0);
      compareOut('adamUpdate', `${L} m`, mw, mj, n, TOL_ELEM, 0);
      compareOut('adamUpdate', `${L} v`, vw, vj, n, TOL_ELEM, 0);
    }
  }
  { // element losses
    const yv = new Float32Array(n), tv = new Float32Array(n);
    for (let i = 0; i < n; i++) { yv[i] = rng.uniform(); tv[i] = rng.uniform() < 0.5 ? 0 : 1; }
    if (n > 2) { yv[0] = 0; yv[1] = 1; yv[2] = 0.5; }
    const y = bufFrom(yv), t = bufFrom(tv), treg = randBuf(n, 0, 1);
    const scale = Math.fround(1 / n);
    compareScalar('bceLoss', L, wasm.bceLoss(y, t, n, 1, 0), js.bceLoss(y, t, n, 1, 0), TOL_LOSS);
    compareScalar('mseLoss', L, wasm.mseLoss(y, treg, n, 1, 0), js.mseLoss(y, treg, n, 1, 0), TOL_LOSS);
    compareScalar('maeLoss', L, wasm.maeLoss(y, treg, n, 1, 0), js.maeLoss(y, treg, n, 1, 0), TOL_LOSS);
    const [bw, bj] = twin(n), [sw, sj] = twin(n), [aw, aj] = twin(n);
    wasm.bceBackward(y, t, bw, n, scale); js.bceBackward(y, t, bj, n, scale);
    compareOut('bceBackward', L, bw, bj, n, TOL_ELEM, 0);
    wasm.mseBackward(y, treg, sw, n, scale); js.mseBackward(y, treg, sj, n, scale);
    compareOut('mseBackward', L, sw, sj, n, TOL_ELEM, 0);
    const tmae = bufFrom(get(treg, n).map((v, i) => (i % 5 === 0 ? yv[i] : v))); // sign(0) cases
    wasm.maeBackward(y, tmae, aw, n, scale); js.maeBackward(y, tmae, aj, n, scale);
    compareOut('maeBackward', L, aw, aj, n, TOL_ELEM, 0);
    compareScalar('binaryCorrect', L, wasm.binaryCorrect(y, t, n), js.binaryCorrect(y, t, n), 0);
    const near = bufFrom(get(y, n).map((v) => v + uni(-0.02, 0.02)));
    compareScalar('regressionCorrect', L, wasm.regressionCorrect(y, near, n, Math.fround(0.01)), js.regressionCorrect(y, near, n, Math.fround(0.01)), 0);
  }
}

function checkRows(rows: number, cols: number) {
  const L = `${rows}x${cols}`;
  reset();
  { // gatherRows
    const src = randBuf(rows * cols);
    const idx = alloc(rows);
    putI(idx, Int32Array.from({ length: rows }, () => rng.int(rows)));
    const [w, j] = twin(rows * cols);
    wasm.gatherRows(src, idx, w, rows, cols); js.gatherRows(src, idx, j, rows, cols);
    compareOut('gatherRows', L, w, j, rows * cols, 0);
  }
  { // softmax
    const x = randBuf(rows * cols, -10, 10), dy = randBuf(rows * cols);
    const [w, j] = twin(rows * cols);
    wasm.softmaxForward(x, w, rows, cols); js.softmaxForward(x, j, rows, cols);
    compareOut('softmaxForward', L, w, j, rows * cols, TOL_ELEM, 0);
    const [iw, ij] = twinOf(get(x, rows * cols));
    wasm.softmaxForward(iw, iw, rows, cols); js.softmaxForward(ij, ij, rows, cols);
    compareOut('softmaxForward', `${L} in-place`, iw, ij, rows * cols, TOL_ELEM, 0);
    const [dw, dj] = twin(rows * cols);
    wasm.softmaxBackward(w, dy, dw, rows, cols); js.softmaxBackward(w, dy, dj, rows, cols);
    compareOut('softmaxBackward', L, dw, dj, rows * cols, TOL_ELEM, 1e-6);
  }
  { // categorical losses, sparse and one-hot
    const yv = new Float32Array(rows * cols);
    for (let i = 0; i < yv.length; i++) yv[i] = rng.uniform();
    if (yv.length > 1) { yv[0] = 0; yv[yv.length - 1] = 1; }
    if (cols > 2) yv[1] = yv[2]; // a tie: first maximum wins
    const y = bufFrom(yv);
    const lab = Float32Array.from({ length: rows }, () => rng.int(cols));
    const oh = new Float32Array(rows * cols);
    lab.forEach((c, r) => (oh[r * cols + c] = 1));
    const sparse = bufFrom(lab), onehot = bufFrom(oh);
    for (const [labels, oneHot] of [[sparse, 0], [onehot, 1]] as const) {
      const l2 = `${L} oneHot=${oneHot}`;
      compareScalar('cceLoss', l2, wasm.cceLoss(y, labels, rows, cols, oneHot, 0), js.cceLoss(y, labels, rows, cols, oneHot, 0), TOL_LOSS);
      const [bw, bj] = twin(rows * cols), [sw, sj] = twin(rows * cols);
      wasm.cceBackward(y, labels, bw, rows, cols, oneHot); js.cceBackward(y, labels, bj, rows, cols, oneHot);
      compareOut('cceBackward', l2, bw, bj, rows * cols, TOL_ELEM, 0);
      wasm.softmaxCceBackward(y, labels, sw, rows, cols, oneHot); js.softmaxCceBackward(y, labels, sj, rows, cols, oneHot);
      compareOut('softmaxCceBackward', l2, sw, sj, rows * cols, TOL_ELEM, 0);
      compareScalar('categoricalCorrect', l2, wasm.categoricalCorrect(y, labels, rows, cols, oneHot), js.categoricalCorrect(y, labels, rows, cols, oneHot), 0);
    }
  }
}

// the five model shapes of the book's spiral network (m, k, n)
const MODEL: { name: string; kernel: 'gemmNN' | 'gemmTN' | 'gemmNT'; m: number; k: number; n: number }[] = [
  { name: 'X[3000x2]·W[2x512]+b', kernel: 'gemmNN', m: 3000, k: 2, n: 512 },
  { name: 'H[3000x512]·W[512x3]+b', kernel: 'gemmNN', m: 3000, k: 512, n: 3 },
  { name: 'dW=Hᵀ[512x3000]·dY[3000x3]', kernel: 'gemmTN', m: 512, k: 3000, n: 3 },
  { name: 'dH=dY[3000x3]·W[512x3]ᵀ', kernel: 'gemmNT', m: 3000, k: 3, n: 512 },
  { name: 'dW1=Xᵀ[2x3000]·dH[3000x512]', kernel: 'gemmTN', m: 2, k: 3000, n: 512 },
];

if (checks) {
  const t0 = performance.now();
  const dims = [1, 2, 3, 4, 5, 7, 8, 9, 17];
  for (const m of dims) for (const k of dims) for (const n of [...dims, 33]) checkGemm(m, k, n);
  for (const [m, k, n] of [
    [1000, 17, 5], [5, 1000, 17], [17, 5, 1000], [1000, 3, 17], [3, 1000, 5], [17, 1000, 3], [1000, 1000, 1],
    [4, 0, 9], [0, 5, 5], [5, 5, 0], [33, 0, 2],
    [5, 600, 13], [3, 513, 20], [70, 17, 70], [13, 300, 9], [64, 64, 64], [100, 257, 37], [256, 256, 256],
  ]) checkGemm(m, k, n);
  for (const s of MODEL) checkGemm(s.m, s.k, s.n);
  for (const rows of [1, 3, 5, 17, 1000]) for (const cols of [1, 2, 3, 4, 5, 17, 33, 512]) checkColSums(rows, cols);
  checkColSums(3000, 3); checkColSums(3000, 512);
  for (const n of [0, ...SIZES, 100003]) checkElementwise(n);
  for (const rows of [1, 3, 5, 17, 1000]) for (const cols of [1, 2, 3, 5, 8, 17, 1000]) if (rows * cols <= 200000) checkRows(rows, cols);
  checkRows(3000, 3);

  // memory growth: kernels must work on pages added after instantiation
  const before = memory.buffer.byteLength;
  floor = align64(before + 65536 * 3);
  reset();
  checkGemm(33, 17, 9);
  checkElementwise(1003);
  console.log(`memory grew from ${before / 65536} to ${memory.buffer.byteLength / 65536} pages; kernels re-checked above the old end`);
  floor = base;

  const names = Object.keys(js) as (keyof Kernels)[];
  const missing = names.filter((k) => typeof (wasm as unknown as Record<string, unknown>)[k] !== 'function');
  const unchecked = names.filter((k) => !stats.has(k));
  console.log(`\nkernel                  cases   maxRel     tol      bit-exact  result   (GEMM/colSums: maxRel = |w-j| / (|A|·|B|), tol = (k+2)·2^-23 at the largest k)`);
  let failures = 0;
  for (const name of names) {
    const s = stats.get(name);
    if (!s) continue;
    const ok = s.fail.length === 0;
    if (!ok) failures++;
    console.log(
      `${name.padEnd(22)} ${String(s.cases).padStart(6)}   ${s.maxRel.toExponential(2).padStart(8)}  ${s.tol.toExponential(0).padStart(6)}   ${((100 * s.exact) / Math.max(s.total, 1)).toFixed(2).padStart(7)}%  ${ok ? 'ok' : 'FAIL'}`,
    );
    for (const f of s.fail.slice(0, 5)) console.log(`    ${f}`);
    if (s.fail.length > 5) console.log(`    ... ${s.fail.length - 5} more`);
  }
  if (missing.length) console.log(`MISSING exports: ${missing.join(', ')}`), failures++;
  if (unchecked.length) console.log(`not checked: ${unchecked.join(', ')}`);
  console.log(`${failures ? `${failures} kernel(s) FAILED` : `all ${names.length} kernels match the twins`} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  if (failures) process.exitCode = 1;
}

// ==================================================================================================
// performance
// ==================================================================================================
function median(xs: number[]) { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; }
function timeIt(fn: () => void, r: number): { med: number; min: number } {
  fn(); fn();
  const ts: number[] = [];
  for (let i = 0; i < r; i++) { const t = performance.now(); fn(); ts.push(performance.now() - t); }
  return { med: median(ts), min: Math.min(...ts) };
}
if (perf) {
  console.log(`\nGEMM speed (${file}), median and best of ${reps * 3} runs (GFLOP/s from both); js = the plain-TS twin (median of 3)`);
  console.log(`shape                               kernel     wasm ms   GFLOP/s   best ms   GFLOP/s     js ms`);
  const rows: { name: string; kernel: 'gemmNN' | 'gemmTN' | 'gemmNT'; m: number; k: number; n: number }[] = [
    { name: '256³', kernel: 'gemmNN', m: 256, k: 256, n: 256 },
    { name: '256³', kernel: 'gemmTN', m: 256, k: 256, n: 256 },
    { name: '256³', kernel: 'gemmNT', m: 256, k: 256, n: 256 },
    ...MODEL,
  ];
  for (const s of rows) {
    reset();
    const { m, k, n } = s;
    const a = randBuf(m * k), b = randBuf(k * n), bias = randBuf(n), c = alloc(m * n);
    const run = (K: Kernels) =>
      s.kernel === 'gemmNN' ? () => K.gemmNN(a, b, s.name.includes('+b') ? bias : 0, c, m, k, n, 0)
      : s.kernel === 'gemmTN' ? () => K.gemmTN(a, b, c, m, k, n, 0)
      : () => K.gemmNT(a, b, c, m, k, n, 0);
    const tw = timeIt(run(wasm), reps * 3);
    const tj = timeIt(run(js), 3);
    const gf = (t: number) => ((2 * m * k * n) / (t * 1e6)).toFixed(2).padStart(8);
    console.log(`${s.name.padEnd(34)}  ${s.kernel}   ${tw.med.toFixed(3).padStart(7)}  ${gf(tw.med)}   ${tw.min.toFixed(3).padStart(7)}  ${gf(tw.min)}  ${tj.med.toFixed(2).padStart(8)}`);
  }
  {
    reset();
    const x = randBuf(3000 * 512), o = alloc(512);
    const tw = timeIt(() => wasm.colSums(x, o, 3000, 512, 0), reps * 3);
    console.log(`${'colSums 3000x512'.padEnd(34)}  colSums  ${tw.med.toFixed(3).padStart(7)}  ${((3000 * 512) / (tw.med * 1e6)).toFixed(2).padStart(8)}   ${tw.min.toFixed(3).padStart(7)}  ${((3000 * 512) / (tw.min * 1e6)).toFixed(2).padStart(8)}  (GAdd/s)`);
  }
}
