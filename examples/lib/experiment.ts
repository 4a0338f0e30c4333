/**
 * What the seed-reproduction examples share: a result row (the seed's figure next to ours), the
 * command-line conventions (`npx tsx examples/<name>.ts [wasm|js] [seeds]`), and Keras's default
 * weight initialization for the examples that follow a Keras seed.
 */
import { pathToFileURL } from 'node:url';
import { Rng, type BackendName, type LayerDense } from '../../src/index.ts';

/** one line of a results table */
export interface ResultRow {
  /** e.g. "chapter 14, 64 neurons" */
  setting: string;
  /** what is compared, e.g. "validation accuracy" */
  measure: string;
  /** the seed's figure, as printed there (or a note when the seed gives none) */
  seed: string;
  /** ours */
  ours: string;
}

export interface ExperimentResult {
  title: string;
  /** where the seed's figures come from */
  source: string;
  /** how to run this experiment at full size */
  command: string;
  rows: ResultRow[];
  /** anything a reader needs to compare the figures fairly */
  notes?: string[];
}

/** true when this module is the script node was started with */
export const isMain = (meta: ImportMeta): boolean => process.argv[1] !== undefined && meta.url === pathToFileURL(process.argv[1]).href;

/** the backend named on the command line (default wasm) and the number of seeds (default 1) */
export function commandLine(): { backend: BackendName; seeds: number } {
  const backend = (process.argv[2] ?? 'wasm') as BackendName;
  if (backend !== 'wasm' && backend !== 'js') throw new Error(`unknown backend "${backend}": use wasm or js`);
  const seeds = Number(process.argv[3] ?? 1);
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`seeds must be a positive integer, got ${process.argv[3]}`);
  return { backend, seeds };
}

export function printResult(r: ExperimentResult): void {
  console.log(`\n${r.title}\n  seed: ${r.source}`);
  const width = Math.max(...r.rows.map((row) => `${row.setting}, ${row.measure}`.length));
  for (const row of r.rows) console.log(`  ${`${row.setting}, ${row.measure}`.padEnd(width)}   seed ${row.seed.padEnd(10)}   ours ${row.ours}`);
  for (const note of r.notes ?? []) console.log(`  note: ${note}`);
}

export const fmt3 = (v: number) => v.toFixed(3);

/** mean, and the range when there are several runs: "0.873" or "0.871 (0.860–0.880, 3 seeds)" */
export function summary(values: number[], digits = 3): string {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length === 1) return mean.toFixed(digits);
  return `${mean.toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}, ${values.length} seeds)`;
}

/** Keras's default Dense initialization: glorot_uniform weights U(±√(6 / (fan_in + fan_out))), zero biases */
export function glorotUniform(layer: LayerDense, rng: Rng): void {
  const limit = Math.sqrt(6 / (layer.nInputs + layer.nNeurons));
  const weights = Float32Array.from({ length: layer.nInputs * layer.nNeurons }, () => (2 * rng.uniform() - 1) * limit);
  layer.setParameters(weights, new Float32Array(layer.nNeurons));
}
