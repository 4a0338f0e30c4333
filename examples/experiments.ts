/**
 * Every seed experiment at full size, each printed as it finishes, then written as a table to
 * EXPERIMENTS.md: the seeds' figures next to nnwasm's.
 *
 *   npm run experiments                          # wasm, one seed per spiral experiment
 *   npx tsx examples/experiments.ts wasm 3       # three seeds each (mean and range)
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createBackend } from '../src/index.ts';
import { commandLine, printResult, type ExperimentResult } from './lib/experiment.ts';
import { chapter14, chapter14Report } from './chapter14-l2.ts';
import { chapter15, chapter15Report } from './chapter15-dropout.ts';
import { chapter16, chapter16Report } from './chapter16-binary.ts';
import { mxdlBlobs, mxdlBlobsReport } from './mxdl-blobs.ts';
import { neuralthreads, neuralthreadsReport } from './neuralthreads-exact.ts';
import { adaptiveL2, adaptiveL2Report } from './mxdl-adaptive-l2.ts';
import { mnistCnnExperiment } from './mnist-cnn.ts';
import { regularizedNetworkExperiment } from './regularized-network.ts';

const { backend, seeds } = commandLine();
const variant = (await createBackend(backend)).variant;
const started = performance.now();
const sections: { result: ExperimentResult; seconds: number }[] = [];
const experiments: (() => Promise<ExperimentResult>)[] = [
  async () => neuralthreadsReport(await neuralthreads({ backend })),
  async () => adaptiveL2Report(await adaptiveL2({ backend })),
  async () => mxdlBlobsReport(await mxdlBlobs({ backend, seeds: 100 })),
  async () => chapter16Report(await chapter16({ backend, seeds })),
  async () => chapter14Report(await chapter14({ backend, seeds })),
  async () => chapter15Report(await chapter15({ backend, seeds })),
  async () => mnistCnnExperiment({ backend }),
  async () => regularizedNetworkExperiment({ backend }),
];
for (const run of experiments) {
  const t = performance.now();
  const result = await run();
  const seconds = (performance.now() - t) / 1000;
  printResult(result);
  console.log(`  (${seconds.toFixed(1)} s)`);
  sections.push({ result, seconds });
}
const total = (performance.now() - started) / 1000;

const cell = (s: string) => s.replace(/\|/g, '\\|');
const lines = [
  '# Experiments: the seeds\' figures next to nnwasm\'s',
  '',
  `Written by \`npm run experiments\` (examples/experiments.ts${seeds > 1 ? `, ${seeds} seeds per spiral experiment` : ''}) on ${new Date().toISOString().slice(0, 10)}:`,
  `${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, shared), Node ${process.version}, backend ${variant}; ${(total / 60).toFixed(1)} minutes in all.`,
  'Every experiment also runs at reduced size, with stated tolerances, in test/experiments.test.ts.',
  '',
  'nnwasm draws its data, weights and masks from its own seeded RNG, not NumPy\'s or TensorFlow\'s, so',
  'the runs reproduce the seeds\' setups and the size and direction of their effects, not their exact draws.',
  '',
];
for (const { result, seconds } of sections) {
  lines.push(`## ${result.title}`, '', `Seed: ${result.source}. Rerun: \`${result.command}\` (${seconds.toFixed(1)} s here).`, '');
  lines.push('| setting | measure | seed | nnwasm |', '|---|---|---|---|');
  for (const r of result.rows) lines.push(`| ${cell(r.setting)} | ${cell(r.measure)} | ${cell(r.seed)} | ${cell(r.ours)} |`);
  lines.push('');
  for (const note of result.notes ?? []) lines.push(`- ${note}`);
  if (result.notes?.length) lines.push('');
}
writeFileSync(new URL('../EXPERIMENTS.md', import.meta.url), lines.join('\n'));
console.log(`\nwrote EXPERIMENTS.md (${(total / 60).toFixed(1)} min)`);
