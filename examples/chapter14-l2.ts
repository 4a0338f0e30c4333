/**
 * nnfs chapter 14 (L1 and L2 regularization): the spiral classifier with L2 5e-4 on the first
 * layer, 1000 samples per class, Adam(lr 0.02, decay 5e-7), 10,000 epochs, for 64, 256 and 512
 * neurons. The book: validation accuracy 0.873, 0.893 and 0.920.
 *
 *   npx tsx examples/chapter14-l2.ts [wasm|js] [seeds]
 */
import { trainSpiral } from './lib/spiral.ts';
import { commandLine, isMain, printResult, summary, type ExperimentResult } from './lib/experiment.ts';
import type { BackendName } from '../src/index.ts';

/** the book's figures: [neurons, training accuracy, training loss, validation accuracy, validation loss] */
export const BOOK_CHAPTER_14 = [
  [64, 0.895, 0.357, 0.873, 0.332],
  [256, 0.920, 0.261, 0.893, 0.332],
  [512, 0.918, 0.253, 0.920, 0.256],
] as const;

export interface Chapter14Options {
  backend?: BackendName;
  neurons?: number[];
  epochs?: number;
  samples?: number;
  seeds?: number;
}

export async function chapter14(opts: Chapter14Options = {}) {
  const { backend = 'wasm', neurons = [64, 256, 512], epochs = 10_000, samples = 1000, seeds = 1 } = opts;
  const runs = [];
  for (const n of neurons) {
    const results = [];
    for (let seed = 0; seed < seeds; seed++) results.push(await trainSpiral({ neurons: n, learningRate: 0.02, decay: 5e-7, epochs, samples, backend, seed }));
    runs.push({ neurons: n, results });
  }
  return runs;
}

export function chapter14Report(runs: Awaited<ReturnType<typeof chapter14>>): ExperimentResult {
  return {
    title: 'nnfs chapter 14: L2-regularized spiral classifier (Adam 0.02, decay 5e-7, 10,000 epochs, 1000 samples per class)',
    source: 'the book, chapter 14 (seed 004): validation accuracy after training',
    command: 'npx tsx examples/chapter14-l2.ts',
    rows: runs.map(({ neurons, results }) => {
      const book = BOOK_CHAPTER_14.find(([n]) => n === neurons);
      return { setting: `${neurons} neurons`, measure: 'validation accuracy', seed: book ? book[3].toFixed(3) : '—', ours: summary(results.map((r) => r.validationAccuracy)) };
    }),
    notes: ['spiral data and initial weights come from nnwasm\'s seeded RNG, not NumPy\'s, so single runs differ by a few points (validation is 300 points: ±0.02 is one standard error at 0.9)'],
  };
}

if (isMain(import.meta)) {
  const { backend, seeds } = commandLine();
  printResult(chapter14Report(await chapter14({ backend, seeds })));
}
