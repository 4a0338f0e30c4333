// The CNN (and recurrent) scenario on the page, over the library's source; test/browser/cnn.test.ts calls it.
import * as nnwasm from 'nnwasm';
import type { BackendName } from 'nnwasm';
import { predictSavedCnn, trainCnn, type CnnOptions } from '../scenario.ts';

Object.assign(globalThis, {
  trainCnn: (opts: CnnOptions) => trainCnn(nnwasm, opts),
  predictSavedCnn: (saved: number[], backend: BackendName, kind: CnnOptions['model']) => predictSavedCnn(nnwasm, saved, backend, kind),
});
