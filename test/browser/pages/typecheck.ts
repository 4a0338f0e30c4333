// Compiled by test/browser/package.test.ts against the packed package's .d.ts alone (strict, no
// skipLibCheck, no @types/node): what a TypeScript user of nnwasm writes must type-check.
import {
  createBackend, Model, LayerDense, ActivationReLU, LayerDropout, ActivationSoftmax,
  LossCategoricalCrossentropy, OptimizerAdam, spiralData, NnwasmError,
  type Backend, type BackendOptions, type History, type Matrix,
} from 'nnwasm';

export async function train(options: BackendOptions): Promise<[History, Matrix, string]> {
  const backend: Backend = await createBackend('wasm', { ...options, simd: 'baseline', wasmUrl: new URL('./wasm/', 'https://example.com/') });
  const { X, y } = spiralData(100, 3, 0);
  const model = new Model({ backend })
    .add(new LayerDense(2, 16, { weightRegularizerL2: 5e-4, backend }))
    .add(new ActivationReLU({ backend }))
    .add(new LayerDropout(0.1, { backend }))
    .add(new LayerDense(16, 3, { backend }))
    .add(new ActivationSoftmax({ backend }))
    .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerAdam({ learningRate: 0.05, backend }) });
  const history = model.fit(X, y, { epochs: 2, onEpochEnd: (logs) => logs.accuracy < 1 });
  const first: number = history.epochs[0].loss;
  // the types are real, not `any`: a wrong argument must not compile
  // @ts-expect-error nInputs is a number
  new LayerDense('2', 3, { backend });
  return [history, model.predict(X), `${first} ${backend.variant} ${new NnwasmError('x').message}`];
}
