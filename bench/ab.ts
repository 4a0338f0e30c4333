/**
 * Two builds of the library against each other, in the same process and the same rounds: each
 * round times A and B back to back (alternating which goes first) on every case, so a neighbour's
 * load falls on both; the figure that matters is the median of the per-round ratios B/A.
 *
 *   node --experimental-wasm-relaxed-simd --import tsx bench/ab.ts DIR_A DIR_B
 *
 * Each DIR holds nnwasm.wasm and nnwasm-relaxed.wasm (e.g. a copy of build/ before a change).
 * Environment: SIZES (default 256,1024), FORMS (NN,TN,NT), BUILDS (baseline,relaxed), ROUNDS (21).
 * It also reports whether B's results are bit-identical to A's on the timed cases.
 */
import { readFileSync } from 'node:fs';
import { createBackend, type Backend } from '../src/index.ts';
import { gemmCase, type GemmForm } from './cases.ts';

const [dirA, dirB] = process.argv.slice(2);
if (!dirA || !dirB) throw new Error('usage: bench/ab.ts DIR_A DIR_B (each with nnwasm.wasm and nnwasm-relaxed.wasm)');
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',');
const sizes = list('SIZES', '256,1024').map(Number), forms = list('FORMS', 'NN,TN,NT') as GemmForm[];
const builds = list('BUILDS', 'baseline,relaxed') as ('baseline' | 'relaxed')[];
const rounds = Number(process.env.ROUNDS ?? 21);

const backend = (dir: string, simd: 'baseline' | 'relaxed') =>
  createBackend('wasm', { seed: 0, simd, wasm: { baseline: readFileSync(`${dir}/nnwasm.wasm`), relaxed: readFileSync(`${dir}/nnwasm-relaxed.wasm`) } });

/** a square GEMM case on one backend: `run()` returns GFLOP/s over ~0.15 GFLOP, `result()` C */
function timed(b: Backend, form: GemmForm, s: number) {
  const { fn, C } = gemmCase(b, form, s, s, s);
  const reps = Math.max(1, Math.round(1.5e8 / (2 * s ** 3)));
  return {
    run() {
      fn();
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) fn();
      return (reps * 2 * s ** 3) / (performance.now() - t0) / 1e6;
    },
    result: () => C.data,
  };
}

const cases: { name: string; a: ReturnType<typeof timed>; b: ReturnType<typeof timed> }[] = [];
for (const simd of builds) {
  const [bA, bB] = [await backend(dirA, simd), await backend(dirB, simd)];
  for (const s of sizes) for (const f of forms) cases.push({ name: `${f} ${s}³ ${simd}`, a: timed(bA, f, s), b: timed(bB, f, s) });
}

const seen = new Map<string, { a: number[]; b: number[] }>(cases.map((c) => [c.name, { a: [], b: [] }]));
for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    const x = seen.get(c.name)!;
    if (r % 2) { x.a.push(c.a.run()); x.b.push(c.b.run()); } else { x.b.push(c.b.run()); x.a.push(c.a.run()); }
  }
}

const median = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1];
for (const c of cases) {
  const { a, b } = seen.get(c.name)!;
  const same = c.a.result().every((v, i) => Object.is(v, c.b.result()[i]));
  console.log(`${c.name.padEnd(20)} A median ${median(a).toFixed(1)} best ${Math.max(...a).toFixed(1)} | B median ${median(b).toFixed(1)} best ${Math.max(...b).toFixed(1)} GFLOP/s | B/A ${median(b.map((v, i) => v / a[i])).toFixed(3)}${same ? '' : ' | results differ'}`);
}
