import { Matrix, describe } from '../matrix.ts';
import { Rng } from '../backend/random.ts';
import { ValueError } from '../errors.ts';

/** a count of samples, classes or features: a positive integer (and a data set that fits in memory) */
function count(v: unknown, who: string, name: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > 2 ** 28) throw new ValueError(`${who}: ${name} must be an integer in [1, 2^28], got ${describe(v)}`);
  return v as number;
}

/** A classification data set: inputs and integer class labels. */
export interface Classification {
  X: Matrix;
  y: Int32Array;
}

const linspace = (a: number, b: number, n: number, i: number) => (n === 1 ? a : a + ((b - a) * i) / (n - 1));

/** nnfs.datasets.spiral_data: `classes` arms of `samples` points, angle noise N(0, 0.2). */
export function spiralData(samples: number, classes: number, seed = 0): Classification {
  [samples, classes] = [count(samples, 'spiralData', 'samples'), count(classes, 'spiralData', 'classes')];
  const rng = new Rng(seed, 0x5911a1), X = new Float32Array(samples * classes * 2), y = new Int32Array(samples * classes);
  for (let c = 0; c < classes; c++)
    for (let i = 0; i < samples; i++) {
      const ix = c * samples + i, r = linspace(0, 1, samples, i);
      const t = linspace(c * 4, (c + 1) * 4, samples, i) + rng.normal() * 0.2;
      X[2 * ix] = r * Math.sin(t * 2.5);
      X[2 * ix + 1] = r * Math.cos(t * 2.5);
      y[ix] = c;
    }
  return { X: new Matrix(X, samples * classes, 2), y };
}

/** nnfs.datasets.vertical_data: class c around (c/3, 0.5) with N(0, 0.1) noise. */
export function verticalData(samples: number, classes: number, seed = 0): Classification {
  [samples, classes] = [count(samples, 'verticalData', 'samples'), count(classes, 'verticalData', 'classes')];
  const rng = new Rng(seed, 0x7e271c), X = new Float32Array(samples * classes * 2), y = new Int32Array(samples * classes);
  for (let c = 0; c < classes; c++)
    for (let i = 0; i < samples; i++) {
      const ix = c * samples + i;
      X[2 * ix] = rng.normal() * 0.1 + c / 3;
      X[2 * ix + 1] = rng.normal() * 0.1 + 0.5;
      y[ix] = c;
    }
  return { X: new Matrix(X, samples * classes, 2), y };
}

/** nnfs.datasets.sine_data: x = i / samples, y = sin(2πx), both samples×1. */
export function sineData(samples = 1000): { X: Matrix; y: Matrix } {
  count(samples, 'sineData', 'samples');
  const X = new Float32Array(samples), y = new Float32Array(samples);
  for (let i = 0; i < samples; i++) (X[i] = i / samples), (y[i] = Math.sin(2 * Math.PI * (i / samples)));
  return { X: new Matrix(X, samples, 1), y: new Matrix(y, samples, 1) };
}

export interface BlobsOptions {
  samples?: number;
  /** centers as points, or a count of random centers in `centerBox` (default 3) */
  centers?: number[][] | number;
  features?: number;
  /** standard deviation of each cluster (default 1) */
  std?: number;
  centerBox?: [number, number];
  /** shuffle the samples, as sklearn does by default (default true) */
  shuffle?: boolean;
  seed?: number;
}

/** Gaussian blobs like sklearn's make_blobs: samples split evenly (remainder to the first centers). */
export function blobs(opts: BlobsOptions = {}): Classification {
  if (opts === null || typeof opts !== 'object') throw new ValueError(`blobs: options must be an object, got ${describe(opts)}`);
  const { samples = 100, features = 2, std = 1, centerBox = [-10, 10], shuffle = true, seed = 0 } = opts;
  count(samples, 'blobs', 'samples');
  count(features, 'blobs', 'features');
  if (typeof std !== 'number' || !(std >= 0 && Number.isFinite(std))) throw new ValueError(`blobs: std must be a finite number ≥ 0, got ${describe(std)}`);
  if (!Array.isArray(centerBox) || centerBox.length !== 2 || !centerBox.every(Number.isFinite)) throw new ValueError(`blobs: centerBox must be [low, high], got ${describe(centerBox)}`);
  const given = opts.centers;
  if (Array.isArray(given)) {
    const width = (given[0] as unknown[] | undefined)?.length;
    if (!given.length || !given.every((c) => Array.isArray(c) && c.length === width && width > 0 && c.every(Number.isFinite)))
      throw new ValueError(`blobs: centers must be a non-empty list of points of one dimension, got ${describe(given)}`);
  } else if (given !== undefined) count(given, 'blobs', 'centers');
  const rng = new Rng(seed, 0xb10b5);
  const centers = Array.isArray(given)
    ? given
    : Array.from({ length: given ?? 3 }, () => Array.from({ length: features }, () => centerBox[0] + (centerBox[1] - centerBox[0]) * rng.uniform()));
  const dim = centers[0].length, k = centers.length;
  const X = new Float32Array(samples * dim), y = new Int32Array(samples);
  let ix = 0;
  for (let c = 0; c < k; c++) {
    const count = Math.floor(samples / k) + (c < samples % k ? 1 : 0);
    for (let i = 0; i < count; i++, ix++) {
      for (let f = 0; f < dim; f++) X[ix * dim + f] = centers[c][f] + std * rng.normal();
      y[ix] = c;
    }
  }
  if (shuffle) {
    const order = new Int32Array(samples).map((_, i) => i);
    rng.shuffle(order);
    const X2 = X.slice(), y2 = y.slice();
    order.forEach((from, to) => {
      X.set(X2.subarray(from * dim, (from + 1) * dim), to * dim);
      y[to] = y2[from];
    });
  }
  return { X: new Matrix(X, samples, dim), y };
}

export interface WavesOptions {
  /** sequences (default 3000), their classes cycling sine, square, sawtooth and then shuffled */
  samples?: number;
  /** time steps per sequence (default 50) */
  steps?: number;
  /** half-width of the uniform noise added to every step (default 0.2) */
  noise?: number;
  /** cycles per sequence, drawn uniformly from this range (default [1, 4]) */
  cycles?: [number, number];
  seed?: number;
}

/** the three wave shapes of `wavesData`, by class: 0 sine, 1 square, 2 sawtooth */
export const WAVE_CLASSES = ['sine', 'square', 'sawtooth'] as const;

/**
 * Sine / square / sawtooth classification, [samples, steps, 1]: each sequence has a random phase
 * and a random frequency (`cycles` over its steps), amplitude 1, plus uniform noise ±`noise`; the
 * label says which shape it is. The sequences task of the recurrent layers' examples.
 */
export function wavesData(opts: WavesOptions = {}): Classification {
  if (opts === null || typeof opts !== 'object') throw new ValueError(`wavesData: options must be an object, got ${describe(opts)}`);
  const { samples = 3000, steps = 50, noise = 0.2, cycles = [1, 4], seed = 0 } = opts;
  count(samples, 'wavesData', 'samples');
  count(steps, 'wavesData', 'steps');
  if (typeof noise !== 'number' || !(noise >= 0 && Number.isFinite(noise))) throw new ValueError(`wavesData: noise must be a finite number ≥ 0, got ${describe(noise)}`);
  if (!Array.isArray(cycles) || cycles.length !== 2 || !cycles.every((c) => Number.isFinite(c) && c > 0) || cycles[0] > cycles[1])
    throw new ValueError(`wavesData: cycles must be [low, high] with 0 < low ≤ high, got ${describe(cycles)}`);
  const rng = new Rng(seed, 0x3a7e5), X = new Float32Array(samples * steps), y = new Int32Array(samples);
  const order = new Int32Array(samples);
  rng.permutation(order);
  for (let s = 0; s < samples; s++) {
    const label = order[s] % 3, phase = rng.uniform(), freq = cycles[0] + (cycles[1] - cycles[0]) * rng.uniform();
    y[s] = label;
    for (let t = 0; t < steps; t++) {
      const u = (phase + (freq * t) / steps) % 1; // position within the cycle, in [0, 1)
      const clean = label === 0 ? Math.sin(2 * Math.PI * u) : label === 1 ? (u < 0.5 ? 1 : -1) : 2 * u - 1;
      X[s * steps + t] = clean + noise * (2 * rng.uniform() - 1);
    }
  }
  return { X: new Matrix(X, [samples, steps, 1]), y };
}
