/**
 * The demo's training loop, off the page's thread: the page stays smooth however slow an epoch
 * is. Training runs in slices of about SLICE_MS; between slices the worker reports progress and
 * reads its messages (pause, reset, load…), so every button answers within one slice.
 */
import { createBackend, LayerDense, Model, type Backend, type BackendName } from 'nnwasm';
import { BACKEND_OPTIONS, DEFAULTS, buildModel, hyperparametersOf, regionGrid, spiralSets, type Hyperparameters } from './spiral.ts';
import type { EpochPoint, FromWorker, ToWorker } from './protocol.ts';

const SLICE_MS = 40;

const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};
const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

const { train, validation } = spiralSets();
const grid = regionGrid();

let params: Hyperparameters;
let backend: Backend;
let model: Model | undefined;
let epoch = 0;
let running = false;
/** the last slice's speed, which sizes the next slice */
let msPerEpoch = SLICE_MS;

// a zero-delay turn of the event loop (nested setTimeouts would be clamped to 4 ms)
const turn = new MessageChannel();
turn.port1.onmessage = () => trainSlice();
const nextSlice = () => turn.port2.postMessage(null);

const regions = (m: Model): Float32Array => m.predict(grid).data;

function replaceModel(next: Model, nextParams: Hyperparameters, nextBackend: Backend, startEpoch: number, source: string): void {
  model?.dispose();
  [model, params, backend, epoch] = [next, nextParams, nextBackend, startEpoch];
  const r = regions(model);
  const X = train.X.data.slice(), y = train.y.slice();
  post({ type: 'model', params, variant: backend.variant, epoch, X, y, regions: r, source }, [r.buffer, X.buffer, y.buffer]);
}

const backendFor = (name: BackendName, seed: number) => createBackend(name, { ...BACKEND_OPTIONS, seed });

function trainSlice(): void {
  if (!running || !model) return;
  const epochs = Math.max(1, Math.min(params.epochs - epoch, Math.round(SLICE_MS / msPerEpoch)));
  const points: EpochPoint[] = [];
  const first = epoch;
  const started = performance.now();
  try {
    model.fit(train.X, train.y, { epochs, onEpochEnd: (logs) => void points.push({ epoch: first + logs.epoch, loss: logs.loss, accuracy: logs.accuracy }) });
  } catch (err) {
    running = false;
    post({ type: 'error', message: `training stopped: ${(err as Error).message}` });
    post({ type: 'state', running });
    return;
  }
  msPerEpoch = (performance.now() - started) / epochs;
  epoch += epochs;
  if (epoch >= params.epochs) running = false;
  const r = regions(model);
  post({ type: 'progress', epochs: points, validation: model.evaluate(validation.X, validation.y), msPerEpoch, regions: r, running }, [r.buffer]);
  if (running) nextSlice();
}

/** ms per epoch of the current settings on a backend: a few warm-up epochs, then about 300 ms */
async function timeEpochs(name: BackendName): Promise<[number, string]> {
  const b = await backendFor(name, params.seed);
  const m = buildModel(b, params);
  try {
    m.fit(train.X, train.y, { epochs: 3 });
    let epochs = 0;
    const started = performance.now();
    while (performance.now() - started < 300 || epochs < 5) {
      m.fit(train.X, train.y, { epochs: 5 });
      epochs += 5;
    }
    return [(performance.now() - started) / epochs, b.variant];
  } finally {
    m.dispose();
  }
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'reset': {
      running = false;
      msPerEpoch = SLICE_MS;
      const b = await backendFor(message.params.backend, message.params.seed);
      replaceModel(buildModel(b, message.params), message.params, b, 0, 'new');
      break;
    }
    case 'run':
      if (!running && model && epoch < params.epochs) {
        running = true;
        nextSlice();
      }
      break;
    case 'pause':
      running = false;
      break;
    case 'compare': {
      const [js, jsVariant] = await timeEpochs('js');
      const [wasm, wasmVariant] = await timeEpochs('wasm');
      post({ type: 'speed', hidden: params.hidden, msPerEpoch: { js, wasm }, variants: { js: jsVariant, wasm: wasmVariant } });
      break;
    }
    case 'save':
      if (model) {
        const bytes = model.save();
        post({ type: 'saved', bytes }, [bytes.buffer]);
      }
      break;
    case 'load': {
      running = false;
      const b = await backendFor(params.backend, params.seed);
      const loaded = Model.load(message.bytes, { backend: b });
      const dense = loaded.layers.filter((l): l is LayerDense => l instanceof LayerDense);
      if (dense[0]?.nInputs !== 2 || dense.at(-1)?.nNeurons !== 3) {
        loaded.dispose();
        throw new Error(`${message.name} is not a spiral model: this page draws 2 inputs and 3 classes`);
      }
      msPerEpoch = SLICE_MS;
      // full-batch training: one optimizer step per epoch
      const startEpoch = loaded.optimizer?.iterations ?? 0;
      const loadedParams = hyperparametersOf(loaded, params.backend, params.seed);
      if (loadedParams.epochs <= startEpoch) loadedParams.epochs = startEpoch + DEFAULTS.epochs;
      replaceModel(loaded, loadedParams, b, startEpoch, message.name);
      break;
    }
  }
  post({ type: 'state', running });
}

// messages are handled one at a time, in order, even though some of them await
let queue = Promise.resolve();
scope.onmessage = (event) => {
  queue = queue.then(() => handle(event.data)).catch((err: Error) => post({ type: 'error', message: err.message }));
};
