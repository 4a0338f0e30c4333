/**
 * fit's `verbose` (Keras's and TF.js's): 0 silent, 2 one line per epoch, 1 a progress bar per epoch
 * in a Node terminal (cli-progress: batches, ETA, the running loss and accuracy), falling back to
 * the per-epoch lines where there is no terminal (a pipe, a browser). cli-progress is loaded
 * through Node's own require only when a bar is drawn, so no bundler and no browser sees it.
 */
import type { Logs } from './fitOptions.ts';

/** where progress goes: a terminal-like stream (process.stdout by default in Node) */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  epochBegin(epoch: number, epochs: number, steps: number): void;
  batchEnd(step: number, logs: Logs): void;
  epochEnd(epoch: number, epochs: number, logs: Logs, seconds: number): void;
}

interface Bar {
  start(total: number, value: number, payload: object): void;
  update(value: number, payload: object): void;
  stop(): void;
}
type BarClass = new (opts: object) => Bar;

const f4 = (v: number | undefined) => (v === undefined ? '' : Number.isFinite(v) ? v.toFixed(4) : String(v));

/** "loss: 0.1234 - acc: 0.9500 - mae: …": every figure of the logs in their order, the accuracy once (as acc) */
const figures = (logs: Logs) => Object.keys(logs).filter((k) => !['batch', 'size', 'accuracy', 'val_accuracy'].includes(k)).map((k) => `${k}: ${f4(logs[k])}`).join(' - ');

/** "Epoch 3/10 - 1.2s - loss: 0.1234 - acc: 0.9500 - val_loss: … - val_acc: …", Keras's line */
export function epochLine(epoch: number, epochs: number, logs: Logs, seconds: number): string {
  return `Epoch ${epoch}/${epochs} - ${seconds.toFixed(1)}s - ${figures(logs)}`;
}

/** cli-progress's bar class when this is Node and the package is there; undefined elsewhere */
function barClass(): BarClass | undefined {
  const node = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  const mod = node?.getBuiltinModule?.('node:module') as { createRequire(url: string): (id: string) => unknown } | undefined;
  if (!mod) return undefined;
  try {
    return (mod.createRequire(import.meta.url)('cli-progress') as { SingleBar: BarClass }).SingleBar;
  } catch {
    return undefined; // not installed: the lines will do
  }
}

const defaultStream = (): ProgressStream | undefined => (globalThis as { process?: { stdout?: ProgressStream } }).process?.stdout;

/** the progress reporter for `verbose`, or undefined for 0 */
export function progressFor(verbose: 0 | 1 | 2, log: (line: string) => void, stream: ProgressStream | undefined = defaultStream()): Progress | undefined {
  if (verbose === 0) return undefined;
  const lines: Progress = {
    epochBegin: () => {},
    batchEnd: () => {},
    epochEnd: (epoch, epochs, logs, seconds) => log(epochLine(epoch, epochs, logs, seconds)),
  };
  const Bar = verbose === 1 && stream?.isTTY ? barClass() : undefined;
  if (!Bar || !stream) return lines;
  let bar: Bar | undefined;
  return {
    epochBegin(epoch, epochs, steps) {
      bar = new Bar({
        stream, format: `Epoch ${epoch}/${epochs} [{bar}] {value}/{total} batches | ETA {eta_formatted} | {figures}`,
        barsize: 24, hideCursor: false, clearOnComplete: true, noTTYOutput: false, etaBuffer: 20, fps: 10,
      });
      bar.start(steps, 0, { figures: '' });
    },
    batchEnd(step, logs) {
      bar?.update(step + 1, { figures: figures(logs) });
    },
    epochEnd(epoch, epochs, logs, seconds) {
      bar?.stop();
      bar = undefined;
      stream.write(`${epochLine(epoch, epochs, logs, seconds)}\n`);
    },
  };
}
