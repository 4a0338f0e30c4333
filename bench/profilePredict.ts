/**
 * Where a predict's time goes: the seeds' MNIST CNN, Model.predict on batches of 128 (as
 * bench/cnn.ts times it), per-kernel wall time from a timer wrapped round every kernel.
 *
 *   npx tsx bench/profilePredict.ts [baseline|relaxed] [batches] [--no-fuse]
 *
 * Prints the median predict without timers (over `batches` calls, default 40, in 5 rounds), then
 * each kernel's share of a timed round and what is left for TypeScript.
 */
import { createBackend, Matrix } from '../src/index.ts';
import { timeKernels } from './kernelTimer.ts';
import { loadMnist } from '../examples/lib/mnist.ts';
import { mnistCnn } from '../examples/mnist-cnn.ts';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const simd = (args[0] ?? 'baseline') as 'baseline' | 'relaxed';
const batches = Number(args[1] ?? 40);
const b = await createBackend('wasm', { seed: 0, simd });
const timer = timeKernels(b), { times, calls } = timer;

const { X, y } = loadMnist(0.8, 7, true).train;
const model = mnistCnn(b);
if (process.argv.includes('--no-fuse')) model.compile({ loss: model.loss!, optimizer: model.optimizer!, fuse: false });
model.fit(new Matrix(X.data.subarray(0, 128 * 784), [128, 28, 28, 1]), y.subarray(0, 128), { epochs: 1, batchSize: 128 });
const slices = Array.from({ length: batches }, (_, i) => new Matrix(X.data.subarray(i * 128 * 784, (i + 1) * 128 * 784), [128, 28, 28, 1]));
model.predict(slices[0]);
const rounds: number[] = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  for (const s of slices) model.predict(s);
  rounds.push((performance.now() - t0) / batches);
}
rounds.sort((p, q) => p - q);
console.log(`predict of 128 on ${b.variant}: median ${rounds[2].toFixed(3)} ms (min ${rounds[0].toFixed(3)}), ${(128 / rounds[2] * 1e3).toFixed(0)} samples/s`);
timer.on = true;
const t0 = performance.now();
for (const s of slices) model.predict(s);
const total = (performance.now() - t0) / batches;
timer.on = false;
let kernels = 0;
console.log(`timed: ${total.toFixed(3)} ms per predict; per kernel (ms per predict, calls):`);
for (const [name, t] of [...times].sort((p, q) => q[1] - p[1])) {
  kernels += t / batches;
  console.log(`  ${name.padEnd(28)}${(t / batches).toFixed(3).padStart(8)} ms ${(calls.get(name)! / batches).toFixed(0).padStart(4)}  ${((100 * t) / batches / total).toFixed(1).padStart(5)}%`);
}
console.log(`  ${'(TypeScript, copies)'.padEnd(28)}${(total - kernels).toFixed(3).padStart(8)} ms`);
model.dispose();
