/** The options of Model.fit, what it logs per epoch and what it returns; the options' checks. */
import type { LabelsLike, MatrixLike } from './matrix.ts';
import { ValueError } from './errors.ts';
import { checkKeys, describe } from './describe.ts';
import type { ProgressStream } from './progress.ts';
import { Callback } from './callbacks.ts';
import { checkWeightOptions, type ClassWeight } from './sampleWeights.ts';

export interface EpochLogs {
  epoch: number;
  /** data loss + regularization loss */
  loss: number;
  dataLoss: number;
  regLoss: number;
  accuracy: number;
  /** the learning rate used in the epoch's last step */
  lr: number;
  valLoss?: number;
  valAccuracy?: number;
  /** batches whose update was skipped for a non-finite loss or gradient (onNonFinite: 'skip-batch') */
  skippedBatches?: number;
  /** the epoch's wall time in seconds (its steps; validation not counted) */
  seconds: number;
  /** compile's metrics on the training batches, by name */
  metrics?: Record<string, number>;
  /** and on the validation data */
  valMetrics?: Record<string, number>;
}

/** Keras's logs: loss, accuracy (acc), and with validation val_loss, val_accuracy (val_acc); a batch's also batch and size */
export type Logs = Record<string, number>;

/**
 * TF.js's callbacks (`callbacks: { onEpochEnd: (epoch, logs) => … }`): epochs and batches counted
 * from 0 as TF.js counts them. Returning false from any of them, or setting
 * `model.stopTraining = true`, stops training after the current batch (stopReason 'callback').
 */
export interface FitCallbacks {
  onTrainBegin?(logs?: Logs): unknown;
  onTrainEnd?(logs?: Logs): unknown;
  onEpochBegin?(epoch: number, logs?: Logs): unknown;
  onEpochEnd?(epoch: number, logs?: Logs): unknown;
  onBatchBegin?(batch: number, logs?: Logs): unknown;
  onBatchEnd?(batch: number, logs?: Logs): unknown;
}
const CALLBACK_KEYS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;

/** the callbacks of fit's `callbacks` option, checked: an object or a list of them, functions only */
export function callbackList(v: unknown, who: string): FitCallbacks[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  list.forEach((c, i) => {
    if (c === null || typeof c !== 'object') throw new ValueError(`${who}: callbacks must be an object of hooks or a list of them, got ${describe(c)}`);
    // a Callback (nn.callbacks.*, or a subclass) has fields of its own; a plain object has hooks only
    if (!(c instanceof Callback)) checkKeys(c, CALLBACK_KEYS, `${who} callbacks${Array.isArray(v) ? `[${i}]` : ''}`);
    for (const key of CALLBACK_KEYS) if (c[key] !== undefined && typeof c[key] !== 'function') throw new ValueError(`${who}: callbacks.${key} must be a function, got ${describe(c[key])}`);
  });
  return list as FitCallbacks[];
}

export interface FitOptions {
  epochs?: number;
  /** samples per step; default: the whole data set in one step (the book's chapters 14–16) */
  batchSize?: number;
  /** reshuffle the samples every epoch (seeded by the backend) when there is more than one step */
  shuffle?: boolean;
  validationData?: [MatrixLike, LabelsLike];
  /**
   * hold out this fraction of X and y, taken from the end before any shuffling (as Keras), and
   * measure it every epoch; instead of validationData
   */
  validationSplit?: number;
  /** print the book-style line every N epochs (0 = never); validation is measured on those epochs */
  printEvery?: number;
  /** where printed lines go (default console.log) */
  log?: (line: string) => void;
  /** called after every epoch; return false to stop training */
  onEpochEnd?: (logs: EpochLogs) => void | boolean;
  /**
   * Keras's and TF.js's: 0 (default) silent; 1 a progress bar per epoch (batches, ETA, running loss
   * and accuracy) in a Node terminal, else a line per epoch; 2 a line per epoch (through `log`)
   */
  verbose?: 0 | 1 | 2;
  /** where verbose 1 draws its bar (default process.stdout in Node) */
  progressStream?: ProgressStream;
  /**
   * TF.js's callbacks: objects with onTrainBegin/End, onEpochBegin/End, onBatchBegin/End hooks, or
   * the built-ins (nn.callbacks.earlyStopping, learningRateScheduler, reduceLROnPlateau); one or a list
   */
  callbacks?: FitCallbacks | FitCallbacks[];
  /**
   * a non-finite loss or gradient (or an update that overflows): 'stop' (default) throws
   * TrainingDivergedError; 'skip-batch' drops that batch's update and goes on. Either way the
   * update is never applied, so the weights stay finite.
   */
  onNonFinite?: 'stop' | 'skip-batch';
  /**
   * stop when the validation loss has not fallen by more than `minDelta` (default 0) for `patience`
   * epochs; needs validationData or validationSplit. `restoreBest` puts back the weights of the
   * best epoch when fit ends (the weights only, as Keras does). The same as passing
   * `nn.callbacks.earlyStopping({ monitor: 'val_loss', patience, minDelta, restoreBestWeights })`.
   */
  earlyStopping?: { patience: number; minDelta?: number; restoreBest?: boolean };
  /** cancels training between two steps: fit returns with stopReason 'aborted' and whole steps applied */
  signal?: AbortSignal;
  /**
   * Keras's sample_weight: a weight ≥ 0 per sample of X; a batch's loss is Σ w · loss / rows, so
   * 2 counts a sample twice and 0 ignores it. Accuracy and metrics stay unweighted
   */
  sampleWeight?: ArrayLike<number>;
  /**
   * Keras's class_weight: a weight for each class 0..K−1 (an array, or { 0: 1, 1: 5 }), multiplying
   * the weight of every training sample of that class; for cross-entropy losses
   */
  classWeight?: ClassWeight;
}

export interface History {
  epochs: EpochLogs[];
  /** the epochs' numbers (1-based), one per entry of every `history` array */
  epoch: number[];
  /**
   * Keras's history: per key, one value per epoch — loss, accuracy (and TF.js's alias acc) and,
   * with validation, val_loss, val_accuracy (val_acc)
   */
  history: Record<string, number[]>;
  /** the final validation result, when validationData was given */
  validation?: { loss: number; accuracy: number };
  /** why training ended before `epochs`: onEpochEnd returned false, early stopping, or the signal */
  stopReason?: 'callback' | 'early-stopping' | 'aborted';
  /** with earlyStopping: the epoch with the lowest validation loss */
  bestEpoch?: number;
}

const FIT_KEYS = ['epochs', 'batchSize', 'shuffle', 'validationData', 'validationSplit', 'printEvery', 'log', 'onEpochEnd', 'callbacks', 'verbose', 'progressStream', 'onNonFinite', 'earlyStopping', 'signal', 'sampleWeight', 'classWeight'];

/** every fit option checked before anything is staged, so a bad option changes nothing; `extra`: keys of fitAsync's own */
export function checkFitOptions(opts: FitOptions, extra: readonly string[] = []): void {
  const who = 'Model.fit';
  if (opts === null || typeof opts !== 'object') throw new ValueError(`${who}: options must be an object, got ${describe(opts)}`);
  checkKeys(opts, [...FIT_KEYS, ...extra], who);
  const { epochs = 1, batchSize } = opts;
  if (!Number.isSafeInteger(epochs) || epochs < 0) throw new ValueError(`${who}: epochs must be an integer ≥ 0, got ${describe(epochs)}`);
  if (batchSize !== undefined && (!Number.isSafeInteger(batchSize) || batchSize < 1)) throw new ValueError(`${who}: batchSize must be a positive integer, got ${describe(batchSize)}`);
  const { printEvery = 0, onNonFinite = 'stop', earlyStopping: es, signal, validationData, log, onEpochEnd, shuffle } = opts;
  callbackList(opts.callbacks, who);
  checkWeightOptions(opts.sampleWeight, opts.classWeight, who);
  const { verbose, progressStream } = opts;
  if (verbose !== undefined && verbose !== 0 && verbose !== 1 && verbose !== 2) throw new ValueError(`${who}: verbose must be 0, 1 or 2, got ${describe(verbose)}`);
  if (progressStream !== undefined && typeof (progressStream as { write?: unknown } | null)?.write !== 'function')
    throw new ValueError(`${who}: progressStream must be a stream with write(), got ${describe(progressStream)}`);
  if (!Number.isInteger(printEvery) || printEvery < 0) throw new ValueError(`${who}: printEvery must be an integer ≥ 0, got ${describe(printEvery)}`);
  for (const [name, fn] of [['log', log], ['onEpochEnd', onEpochEnd]] as const)
    if (fn !== undefined && typeof fn !== 'function') throw new ValueError(`${who}: ${name} must be a function, got ${describe(fn)}`);
  if (shuffle !== undefined && typeof shuffle !== 'boolean') throw new ValueError(`${who}: shuffle must be a boolean, got ${describe(shuffle)}`);
  if (onNonFinite !== 'stop' && onNonFinite !== 'skip-batch') throw new ValueError(`${who}: onNonFinite must be 'stop' or 'skip-batch', got ${describe(onNonFinite)}`);
  if (validationData !== undefined && !(Array.isArray(validationData) && validationData.length === 2))
    throw new ValueError(`${who}: validationData must be [X, y], got ${describe(validationData)}`);
  const { validationSplit } = opts;
  if (validationSplit !== undefined) {
    if (typeof validationSplit !== 'number' || !(validationSplit > 0 && validationSplit < 1))
      throw new ValueError(`${who}: validationSplit must be a number in (0, 1), got ${describe(validationSplit)}`);
    if (validationData !== undefined) throw new ValueError(`${who}: give validationData or validationSplit, not both`);
  }
  if (signal !== undefined && typeof (signal as { aborted?: unknown })?.aborted !== 'boolean')
    throw new ValueError(`${who}: signal must be an AbortSignal, got ${describe(signal)}`);
  if (es !== undefined) {
    if (typeof es !== 'object' || es === null) throw new ValueError(`${who}: earlyStopping must be { patience, minDelta?, restoreBest? }, got ${describe(es)}`);
    checkKeys(es, ['patience', 'minDelta', 'restoreBest'], `${who} earlyStopping`);
    const { patience, minDelta = 0, restoreBest = false } = es;
    if (!Number.isInteger(patience) || patience < 1) throw new ValueError(`${who}: earlyStopping.patience must be an integer ≥ 1, got ${describe(patience)}`);
    if (typeof minDelta !== 'number' || !Number.isFinite(minDelta) || minDelta < 0) throw new ValueError(`${who}: earlyStopping.minDelta must be a finite number ≥ 0, got ${describe(minDelta)}`);
    if (typeof restoreBest !== 'boolean') throw new ValueError(`${who}: earlyStopping.restoreBest must be a boolean, got ${describe(restoreBest)}`);
    if (!validationData && validationSplit === undefined) throw new ValueError(`${who}: earlyStopping watches the validation loss; pass validationData or validationSplit`);
  }
}

