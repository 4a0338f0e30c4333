import { expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row } from '../bench/table.ts';

// `npm run bench -- --quick` stays runnable: its kernel suites, run as the npm script runs them
// (the models are trained by other tests). Values are only checked for being measurements:
// speed is for BENCHMARKS.md, not for a test on a shared machine. `npm test` runs this file last
// and alone: a minute of full-core kernels beside the Chromium tests slowed their workers.
it('npm run bench -- --quick: every engine measures every GEMM, elementwise, CNN and LSTM case, with the ceiling rows', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync('npm', ['run', '--silent', 'asbuild:ceiling'], { cwd: root, stdio: 'pipe' });
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'nnwasm-bench-')), 'rows.json');
  const table = execFileSync(process.execPath, ['--expose-gc', '--experimental-wasm-relaxed-simd', '--import', 'tsx', 'bench/run.ts', '--quick', '--only=gemm,elementwise,cnn,lstm', `--out=${out}`],
    { cwd: root, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const rows = JSON.parse(readFileSync(out, 'utf8')) as Row[];
  const value = (c: string, engine: string) => rows.find((r) => r.case === c && r.engine === engine)?.value;
  const measured = (v: number | undefined) => v !== undefined && Number.isFinite(v) && v > 0;

  expect(table).toContain('| case | unit | js | wasm-simd | wasm-relaxed-simd | tfjs-cpu | tfjs-wasm |');
  for (const form of ['NN', 'TN', 'NT']) {
    for (const engine of ['js', 'wasm-simd', 'wasm-relaxed-simd', 'tfjs-cpu', 'tfjs-wasm']) {
      expect(measured(value(`gemm${form} 64³`, engine)), `gemm${form} 64³ ${engine}`).toBe(true);
      expect(measured(value(`gemm${form} 256³`, engine)), `gemm${form} 256³ ${engine}`).toBe(true);
    }
    for (const engine of ['wasm-simd', 'wasm-relaxed-simd']) {
      const share = value(`gemm${form} 256³ ÷ the 4×8 inner loop in the same round`, engine);
      // a GEMM cannot run much faster than its own inner loop; a broken ceiling module would show here
      expect(share, `gemm${form} 256³ ${engine} share of the ceiling`).toBeGreaterThan(10);
      expect(share).toBeLessThan(200);
    }
  }
  for (const engine of ['wasm-simd', 'wasm-relaxed-simd']) {
    expect(measured(value('ceiling: the 4×8 inner loop alone, K = 256, panels in L1 (every GEMM round)', engine))).toBe(true);
  }
  for (const kernel of ['reluForward', 'reluBackward', 'dropoutForward', 'adamUpdate']) {
    for (const engine of ['js', 'wasm-simd', 'wasm-relaxed-simd']) expect(measured(value(`${kernel} 3000×512`, engine)), `${kernel} ${engine}`).toBe(true);
  }
  // the seeds' MNIST CNN: every nnwasm engine trains and infers, TF.js infers (its wasm backend cannot train it)
  const cnn = rows.filter((r) => r.suite === 'cnn');
  const cnnValue = (prefix: string, engine: string) => cnn.find((r) => r.case.startsWith(prefix) && r.engine === engine)?.value;
  for (const engine of ['js', 'wasm-simd', 'wasm-relaxed-simd']) {
    expect(measured(cnnValue(`the seeds' MNIST CNN, batch 128 (15.8 MFLOP per training sample): training`, engine)), `CNN training ${engine}`).toBe(true);
    expect(measured(cnnValue(`the seeds' MNIST CNN, batch 128 (15.8 MFLOP per training sample): inference`, engine)), `CNN inference ${engine}`).toBe(true);
  }
  for (const engine of ['tfjs-cpu', 'tfjs-wasm']) expect(measured(cnnValue(`the seeds' MNIST CNN, batch 128 (15.8 MFLOP per training sample): inference`, engine)), `CNN inference ${engine}`).toBe(true);
  expect(measured(cnnValue(`the seeds' MNIST CNN, batch 128 (15.8 MFLOP per training sample): training (TF.js cpu`, 'tfjs-cpu'))).toBe(true);
  for (const engine of ['wasm-simd', 'wasm-relaxed-simd']) {
    for (const layer of ['conv1', 'conv2']) expect(measured(cnnValue(`${layer} `, engine)), `${layer} GFLOP/s ${engine}`).toBe(true);
    const share = cnnValue('conv2 forward (GEMM packed from the image + ReLU) ÷ a bare packed GEMM', engine);
    expect(share, `conv2 forward share of its GEMM ${engine}`).toBeGreaterThan(10);
    expect(share).toBeLessThan(200);
  }
  // the sequences issue's LSTM: every engine trains and infers; the wasm builds' share of the ceiling is a measurement
  const lstm = rows.filter((r) => r.suite === 'lstm');
  for (const engine of ['js', 'wasm-simd', 'wasm-relaxed-simd', 'tfjs-cpu', 'tfjs-wasm'])
    for (const pass of ['training', 'inference']) expect(measured(lstm.find((r) => r.case.endsWith(`: ${pass}`) && r.engine === engine)?.value), `LSTM ${pass} ${engine}`).toBe(true);
  for (const engine of ['wasm-simd', 'wasm-relaxed-simd']) {
    const share = lstm.find((r) => r.case.includes('training, effective GFLOP/s') && r.engine === engine)?.value;
    expect(share, `LSTM training share of the ceiling ${engine}`).toBeGreaterThan(1);
    expect(share).toBeLessThan(100);
  }
}, 300_000);
