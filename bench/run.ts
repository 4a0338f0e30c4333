/**
 * nnwasm benchmarks: kernels (GEMM in its three forms, elementwise passes) and whole models, for
 * the js backend and the wasm builds this runtime validates, in one run.
 *
 *   npm run bench                # full
 *   npm run bench -- --quick     # smoke check
 *
 * Kernels are timed with the `benchmark` package (mean of its adaptive samples); models run
 * epochs after a warm-up and report the median. Prints one markdown table and writes
 * bench/results/latest.json as rows of {suite, case, engine, metric, value, unit}.
 */
import Benchmark from 'benchmark';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import {
  createBackend, Model, LayerDense, ActivationReLU, LayerDropout, ActivationSoftmax, LossCategoricalCrossentropy,
  OptimizerAdam, spiralData, type Backend,
} from '../src/index.ts';

const quick = process.argv.includes('--quick');
interface Row { suite: string; case: string; engine: string; metric: string; value: number; unit: string }
const rows: Row[] = [];

const engines: Backend[] = [await createBackend('js', { seed: 0 }), await createBackend('wasm', { seed: 0, simd: 'baseline' })];
const relaxed = await createBackend('wasm', { seed: 0, simd: 'relaxed' }).catch(() => undefined);
if (relaxed) engines.push(relaxed);

function rand(b: Backend, rows: number, cols: number) {
  const t = b.tensor(rows, cols);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = Math.sin(i * 12.9898) * 0.5;
  return t;
}

/** seconds per call, from the benchmark package */
function time(fn: () => void, minTime: number): number {
  const bench = new Benchmark(fn, { minTime, maxTime: minTime * 4, minSamples: 5 });
  bench.run();
  return bench.stats.mean;
}

// ---- GEMM: the three forms at square sizes and the chapter-15 shapes -------------------------
type Shape = [name: string, m: number, k: number, n: number];
const squares: Shape[] = (quick ? [64, 256] : [64, 128, 256, 512]).map((s) => [`${s}³`, s, s, s]);
const modelShapes: Record<'NN' | 'TN' | 'NT', Shape[]> = {
  NN: [['ch15 X·W1 3000×2·2×512', 3000, 2, 512], ['ch15 H·W2 3000×512·512×3', 3000, 512, 3]],
  TN: [['ch15 dW2 = Hᵀ·dY 512×3000·3000×3', 512, 3000, 3], ['ch15 dW1 = Xᵀ·dH 2×3000·3000×512', 2, 3000, 512]],
  NT: [['ch15 dH = dY·W2ᵀ 3000×3·3×512', 3000, 3, 512]],
};
for (const form of ['NN', 'TN', 'NT'] as const) {
  for (const [name, m, k, n] of [...squares, ...modelShapes[form]]) {
    for (const b of engines) {
      if (b.name === 'js' && m * k * n > 256 ** 3) continue; // minutes of pure JS for one number
      const [ar, ac] = form === 'TN' ? [k, m] : [m, k];
      const [br, bc] = form === 'NT' ? [n, k] : [k, n];
      const A = rand(b, ar, ac), B = rand(b, br, bc), C = b.tensor(m, n), bias = rand(b, 1, n);
      const kr = b.kernels;
      const call = form === 'NN' ? () => kr.gemmNN(A.ptr, B.ptr, bias.ptr, C.ptr, m, k, n, 0)
        : form === 'TN' ? () => kr.gemmTN(A.ptr, B.ptr, C.ptr, m, k, n, 0) : () => kr.gemmNT(A.ptr, B.ptr, C.ptr, m, k, n, 0);
      const s = time(call, quick ? 0.05 : 0.3);
      rows.push({ suite: 'kernels', case: `gemm${form} ${name}`, engine: b.variant, metric: 'throughput', value: (2 * m * k * n) / s / 1e9, unit: 'GFLOP/s' });
      for (const t of [A, B, C, bias]) t.dispose();
    }
  }
}

// ---- elementwise passes over the chapter-15 hidden activations (3000×512) --------------------
const N = 3000 * 512;
for (const b of engines) {
  const x = rand(b, 1, N), y = b.tensor(1, N), m = b.tensor(1, N), v = b.zeros(1, N), g = rand(b, 1, N), kr = b.kernels;
  const cases: [string, () => void, number][] = [
    ['reluForward', () => kr.reluForward(x.ptr, y.ptr, N), 8],
    ['reluBackward', () => kr.reluBackward(x.ptr, g.ptr, y.ptr, N), 12],
    ['dropoutForward', () => kr.dropoutForward(x.ptr, m.ptr, y.ptr, N, 1, 2, 1677722, 1.1111111), 12],
    ['adamUpdate', () => kr.adamUpdate(y.ptr, g.ptr, m.ptr, v.ptr, N, 1e-3, 0.1, 0.001, 1e-7, 0.1, 0.001), 24],
  ];
  for (const [name, fn, bytesPerElement] of cases) {
    const s = time(fn, quick ? 0.05 : 0.3);
    rows.push({ suite: 'kernels', case: `${name} 3000×512`, engine: b.variant, metric: 'bandwidth', value: (N * bytesPerElement) / s / 1e9, unit: 'GB/s' });
  }
  for (const t of [x, y, m, v, g]) t.dispose();
}

// ---- whole model: the book's chapter 15 ---------------------------------------------------------
const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
for (const b of engines) {
  const data = spiralData(1000, 3, 0);
  const model = new Model({ backend: b })
    .add(new LayerDense(2, 512, { weightRegularizerL2: 5e-4, biasRegularizerL2: 5e-4, backend: b }))
    .add(new ActivationReLU({ backend: b }))
    .add(new LayerDropout(0.1, { backend: b }))
    .add(new LayerDense(512, 3, { backend: b }))
    .add(new ActivationSoftmax({ backend: b }))
    .compile({ loss: new LossCategoricalCrossentropy({ backend: b }), optimizer: new OptimizerAdam({ learningRate: 0.05, decay: 5e-5, backend: b }) });
  const epochs = b.name === 'js' ? (quick ? 10 : 30) : quick ? 50 : 300;
  const times: number[] = [];
  let t0 = performance.now();
  const h = model.fit(data.X, data.y, { epochs: epochs + 5, onEpochEnd: () => { const t = performance.now(); times.push(t - t0); t0 = t; } });
  const ms = median(times.slice(5));
  rows.push({ suite: 'models', case: 'chapter 15 (3000×2→512→3, dropout 0.1, Adam)', engine: b.variant, metric: 'epoch', value: ms, unit: 'ms/epoch' });
  rows.push({ suite: 'models', case: 'chapter 15 training accuracy at the end of the timed epochs (js 35, wasm 305)', engine: b.variant, metric: 'accuracy', value: h.epochs.at(-1)!.accuracy, unit: '' });
  model.dispose();
}

// ---- report ---------------------------------------------------------------------------------------
const engineNames = engines.map((e) => e.variant);
const cases = [...new Set(rows.map((r) => r.case))];
const base = 'js';
const lines = [
  `| case | unit | ${engineNames.join(' | ')} | ${engineNames.filter((e) => e !== base).map((e) => `${e} / js`).join(' | ')} |`,
  `|---|---|${engineNames.map(() => '---:').join('|')}|${engineNames.filter((e) => e !== base).map(() => '---:').join('|')}|`,
];
for (const c of cases) {
  const of = (e: string) => rows.find((r) => r.case === c && r.engine === e);
  const unit = rows.find((r) => r.case === c)!.unit;
  const fmt = (v?: number) => (v === undefined ? '–' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(unit === '' ? 3 : 2));
  const ratio = (e: string) => {
    const a = of(e)?.value, j = of(base)?.value;
    if (a === undefined || j === undefined || unit === '') return '–';
    return `${(unit === 'ms/epoch' ? j / a : a / j).toFixed(1)}×`;
  };
  lines.push(`| ${c} | ${unit} | ${engineNames.map((e) => fmt(of(e)?.value)).join(' | ')} | ${engineNames.filter((e) => e !== base).map(ratio).join(' | ')} |`);
}
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`nnwasm bench ${quick ? '(quick) ' : ''}— ${new Date().toISOString().slice(0, 10)}, ${cpu}, ${os.cpus().length} cores, Node ${process.version}\n`);
console.log(lines.join('\n'));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.json', import.meta.url), JSON.stringify(rows, null, 1));
