/** The messages between the demo page (demo.ts) and its training worker (worker.ts). */
import type { Hyperparameters } from './spiral.ts';

export type ToWorker =
  /** build a fresh model (and backend) with these settings; training stays paused */
  | { type: 'reset'; params: Hyperparameters }
  | { type: 'run' }
  | { type: 'pause' }
  /** time a few epochs of the current settings on both backends */
  | { type: 'compare' }
  | { type: 'save' }
  /** replace the model with saved bytes (Model.save's format, from Node or from this page) */
  | { type: 'load'; bytes: Uint8Array; name: string };

export interface EpochPoint {
  epoch: number;
  loss: number;
  accuracy: number;
}

export type FromWorker =
  /** a new model is in place: its settings, the training points, and its regions */
  | { type: 'model'; params: Hyperparameters; variant: string; epoch: number; X: Float32Array; y: Int32Array; regions: Float32Array; source: string }
  /** after a slice of training: every epoch's training loss, the validation at its end, the regions */
  | {
      type: 'progress';
      epochs: EpochPoint[];
      validation: { loss: number; accuracy: number };
      msPerEpoch: number;
      regions: Float32Array;
      running: boolean;
    }
  | { type: 'state'; running: boolean }
  | { type: 'speed'; hidden: number; msPerEpoch: { js: number; wasm: number }; variants: { js: string; wasm: string } }
  | { type: 'saved'; bytes: Uint8Array }
  | { type: 'error'; message: string };
