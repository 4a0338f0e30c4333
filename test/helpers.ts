/**
 * Shared test helpers: which backends to test, cached backend instances, and the one closeness
 * rule every numeric comparison in the suite uses.
 *
 * The closeness rule (the same as test/fixtures/nnfs.json's):
 *
 *     |a_i − e_i| ≤ rtol · max(|e_i|, floor · max_j |e_j|)      for every element i
 *
 * i.e. a relative tolerance per element, except that elements much smaller than the tensor's
 * largest one are held to an *absolute* tolerance of rtol · floor · max|e| (default floor 0.1).
 * Without the floor, an element that is the result of cancellation (a GEMM sum close to zero, a
 * softmax gradient y_i(dy_i − d) with dy_i ≈ d) would be compared relative to its own tiny value,
 * and two correct float32 implementations that merely sum in a different order would "disagree".
 * An expected tensor that is all zeros must therefore be matched exactly.
 */
import { existsSync } from 'node:fs';
import { assert, expect } from 'vitest';
import {
  createBackend, NnwasmError, Model, LayerDense, ActivationReLU, LayerDropout, ActivationSoftmax, LossCategoricalCrossentropy, OptimizerAdam,
  type Backend, type BackendName,
} from '../src/index.ts';

export const WASM_BUILD = new URL('../build/nnwasm.wasm', import.meta.url);

/**
 * The backends every per-backend test runs on: ['js', 'wasm'].
 * NNWASM_TEST_BACKENDS=js narrows the list while developing without a wasm build; there is no
 * silent fallback, so a missing build/nnwasm.wasm makes the wasm tests fail loudly.
 */
export function backends(): BackendName[] {
  const env = process.env.NNWASM_TEST_BACKENDS;
  if (!env) return ['js', 'wasm'];
  const names = env.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (n !== 'js' && n !== 'wasm') throw new Error(`NNWASM_TEST_BACKENDS: unknown backend "${n}"`);
  return names as BackendName[];
}

/**
 * A new backend (not cached): use when a test depends on the backend's seed counter. Its arena
 * fences every block (see Arena), so memoryWatch and expectFencesIntact catch a kernel writing
 * past a tensor anywhere in the suite.
 */
export async function freshBackend(name: BackendName, seed = 0): Promise<Backend> {
  if (name === 'wasm' && !existsSync(WASM_BUILD))
    throw new Error(`${WASM_BUILD.pathname} is missing: run \`npm run asbuild\` (or NNWASM_TEST_BACKENDS=js to test the js backend only)`);
  return createBackend(name, { seed, fenceBlocks: true });
}

/** every fence of the backend's blocks, live or freed, is as the arena wrote it */
export function expectFencesIntact(backend: Backend, what = 'fences'): void {
  expect(backend.arena.checkFences(), what).toEqual([]);
}

const cache = new Map<string, Promise<Backend>>();

/**
 * A backend shared by the tests of one file (vitest isolates files), per (name, seed). Layers built
 * on it draw their seeds from a counter that other tests advance, so use freshBackend when the
 * exact seeds matter.
 */
export function getTestBackend(name: BackendName, seed = 0): Promise<Backend> {
  const key = `${name}:${seed}`;
  let b = cache.get(key);
  if (!b) cache.set(key, (b = freshBackend(name, seed)));
  return b;
}

const maxAbs = (e: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < e.length; i++) m = Math.max(m, Math.abs(e[i]));
  return m;
};

/**
 * The largest error of `actual` against `expected` in units of the closeness rule's scale:
 * max_i |a_i − e_i| / max(|e_i|, floor · max_j |e_j|). expectClose passes iff this is ≤ rtol.
 * NaN anywhere (or a length mismatch) gives Infinity, unless both are NaN at the same place.
 * With floor = 0 it is the plain elementwise relative error (0/0 counts as 0).
 */
export function maxRelErr(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 0.1): number {
  if (actual.length !== expected.length) return Infinity;
  const scaleFloor = floor * maxAbs(expected);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(a) || Number.isNaN(e)) {
      if (Number.isNaN(a) && Number.isNaN(e)) continue;
      return Infinity;
    }
    if (a === e) continue; // also equal infinities
    const err = Math.abs(a - e) / Math.max(Math.abs(e), scaleFloor);
    if (!(err <= worst)) worst = err; // NaN (∞ − ∞) becomes the worst
  }
  return worst;
}

/** index of the worst element under the closeness rule (for failure messages) */
function worstIndex(actual: ArrayLike<number>, expected: ArrayLike<number>, floor: number): number {
  const scaleFloor = floor * maxAbs(expected);
  let worst = -1, at = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const err = Math.abs(a - e) / Math.max(Math.abs(e), scaleFloor);
    if (Number.isNaN(err) || err > worst) (worst = Number.isNaN(err) ? Infinity : err), (at = i);
  }
  return at;
}

/**
 * Assert the closeness rule above: every |a_i − e_i| ≤ rtol · max(|e_i|, floor · max|e|).
 * `what` names the quantity in the failure message, which also shows the worst element.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, what: string, floor = 0.1): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const err = maxRelErr(actual, expected, floor);
  if (!(err <= rtol)) {
    const i = worstIndex(actual, expected, floor);
    assert.fail(`${what}: max relative error ${err.toExponential(3)} > ${rtol} (rule |a−e| ≤ rtol·max(|e|, ${floor}·max|e|)); worst at [${i}] of ${expected.length}: actual ${actual[i]}, expected ${expected[i]}`);
  }
}

/** exact equality, elementwise, telling +0 from −0 and treating NaN as equal to NaN (Object.is) */
export function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: element [${i}] of ${expected.length} differs: actual ${actual[i]}, expected ${expected[i]}`);
}

/** A small seeded PRNG for test data (mulberry32): fixed inputs without touching the library's Rng. */
export function testRng(seed: number): { uniform(lo?: number, hi?: number): number; normal(): number; int(n: number): number } {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform: (lo = 0, hi = 1) => lo + (hi - lo) * next(),
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    int: (n: number) => Math.floor(next() * n),
  };
}

/**
 * What code under test must leave as it found: the memory below the arena (the wasm module's
 * static data; the js heap's reserved null page), a canary tensor, the fences of every block
 * (on backends from freshBackend), and the arena's live bytes. Call the returned function once,
 * after disposing everything the code created.
 */
export function memoryWatch(backend: Backend): () => void {
  const exports = backend.kernels as unknown as { heapBase?: () => number };
  const base = exports.heapBase ? exports.heapBase() : 16;
  const canary = backend.tensor(4, 16);
  canary.data.forEach((_, i, a) => (a[i] = i * 1.25 - 7));
  const pattern = Array.from(canary.data);
  const statics = Array.from(new Uint8Array(backend.buffer, 0, base));
  const live = backend.arena.liveBytes;
  return () => {
    expectFencesIntact(backend);
    expect(Array.from(new Uint8Array(backend.buffer, 0, base)), 'static data below the arena').toEqual(statics);
    expect(Array.from(canary.data), 'canary tensor').toEqual(pattern);
    expect(backend.arena.liveBytes, 'live bytes after disposing everything').toBe(live);
    canary.dispose(); // so that a watch can be set for every case of a property
  };
}

/** the book's chapter-15 network (L2 5e-4, ReLU, Dropout 0.1, Softmax + CCE, Adam with decay), any hidden width */
export function chapter15(backend: Backend, hidden = 16, learningRate = 0.05): Model {
  return new Model({ backend })
    .add(new LayerDense(2, hidden, { weightRegularizerL2: 5e-4, biasRegularizerL2: 5e-4, backend }))
    .add(new ActivationReLU({ backend }))
    .add(new LayerDropout(0.1, { backend }))
    .add(new LayerDense(hidden, 3, { backend }))
    .add(new ActivationSoftmax({ backend }))
    .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerAdam({ learningRate, decay: 5e-5, backend }) });
}

/** what fn throws (for asserting on an error's class and fields); fails the test if it returns */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, none was thrown');
}

/** fuzzing: FUZZ_RUNS and FUZZ_SEED widen a search by hand; the suite itself runs fixed seeds */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 150);
export const fuzzSeed = (n: number) => (process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) + n : n);

/** run `fn`; a typed error (NnwasmError) counts as an answer (undefined), anything else fails the property */
export function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof NnwasmError) return undefined;
    throw e;
  }
}
