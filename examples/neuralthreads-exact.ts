/**
 * neuralthreads, "Dropout step by step" (seed 001): the 5-3-5-4 network on one sample, ReLU hidden
 * layers, softmax + cross-entropy, SGD lr 0.01, 200 epochs, with dropout "states" that drop an
 * exact number of nodes: 1 of 3 after the first ReLU, 2 of 5 before the second ReLU, each a fixed
 * mask reshuffled every epoch and scaled by 1/(1 − p): LayerExactDropout.
 *
 * It starts from the notebook's own inputs and weights (np.random.seed(42); the numbers below are
 * printed by scripts/neuralthreads_reference.py, which runs the notebook's code), so the loss
 * before training matches the notebook's to float32 precision. The states are then shuffled by
 * nnwasm's RNG instead of NumPy's, so the trajectories part: both losses must fall.
 *
 *   npx tsx examples/neuralthreads-exact.ts [wasm|js]
 */
import {
  createBackend, setBackend, LayerDense, ActivationReLU, LayerExactDropout, ActivationSoftmaxLossCategoricalCrossentropy,
  OptimizerSGD, type BackendName,
} from '../src/index.ts';
import { commandLine, isMain, printResult, type ExperimentResult } from './lib/experiment.ts';

/** the notebook's x, w1 (3×5), w2 (5×3) and w3 (4×5) after np.random.seed(42) */
const START = {
  x: [0.52, 0.93, 0.15, 0.72, 0.61],
  w1: [[0.596850157946487, 0.44583275285359114, 0.09997491581800289, 0.45924889196586716, 0.33370861113902184], [0.14286681792194078, 0.6508884729488529, 0.056411579027100256, 0.7219987722668247, 0.9385527090157502], [0.0007787658410143283, 0.9922115592912175, 0.6174815096277165, 0.6116531604882809, 0.007066305219717406]],
  w2: [[0.023062425041415757, 0.5247746602583891, 0.3998609717152555], [0.04666566321361543, 0.9737555188414592, 0.23277134043030423], [0.0906064345328208, 0.6183860093330873, 0.38246199126716274], [0.9832308858067882, 0.4667628932479799, 0.8599404067363206], [0.6803075385877797, 0.450499251969543, 0.013264961159866528]],
  w3: [[0.9422017556848528, 0.5632882178455393, 0.3854165025399161, 0.015966252220214194, 0.230893825622149], [0.24102546602601171, 0.6832635188254582, 0.6099966577826209, 0.8331949117361643, 0.17336465350777208], [0.3910606075732408, 0.18223608778806233, 0.7553614103176525, 0.4251558744912447, 0.20794166286818883], [0.5677003278199915, 0.03131329245555858, 0.8422847745949985, 0.44975413336976566, 0.3951502360018144]],
};
/** the notebook's losses (NumPy, float64): before epoch 1, before epoch 200, after the last update */
export const SEED_NEURALTHREADS = { first: 0.41515979707708894, lastBefore: 0.0014358783339993321, final: 0.001427734270812329 };

/** the notebook's weights are (out × in) for W·x; a Dense layer's are (in × out) for x·W */
const transpose = (w: number[][]) => w[0].map((_, j) => w.map((row) => row[j]));

export async function neuralthreads(opts: { backend?: BackendName; epochs?: number; seed?: number } = {}) {
  const { backend = 'wasm', epochs = 200, seed = 0 } = opts;
  setBackend(await createBackend(backend, { seed }));
  const x = [START.x], y = [1]; // the target is class 1 of 4, as y = [0, 1, 0, 0]
  const dense1 = new LayerDense(5, 3), relu1 = new ActivationReLU(), drop1 = new LayerExactDropout(1 / 3);
  const dense2 = new LayerDense(3, 5), drop2 = new LayerExactDropout(2 / 5), relu2 = new ActivationReLU();
  const dense3 = new LayerDense(5, 4), lossActivation = new ActivationSoftmaxLossCategoricalCrossentropy();
  dense1.setParameters(transpose(START.w1), [0, 0, 0]);
  dense2.setParameters(transpose(START.w2), [0, 0, 0, 0, 0]);
  dense3.setParameters(transpose(START.w3), [0, 0, 0, 0]);
  const optimizer = new OptimizerSGD({ learningRate: 0.01 });
  const forward = (training: boolean) => {
    dense1.forward(x);
    relu1.forward(dense1.output);
    drop1.forward(relu1.output, training); // dropout after the first ReLU
    dense2.forward(drop1.output);
    drop2.forward(dense2.output, training); // and before the second
    relu2.forward(drop2.output);
    dense3.forward(relu2.output);
    return lossActivation.forward(dense3.output, y);
  };
  const losses: number[] = [];
  const droppedPerEpoch: number[][] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    losses.push(forward(false)); // "loss before training", as the notebook prints it
    forward(true);
    droppedPerEpoch.push([drop1, drop2].map((d) => d.binaryMask.data.filter((m) => m === 0).length));
    lossActivation.backward(lossActivation.output, y);
    dense3.backward(lossActivation.dinputs);
    relu2.backward(dense3.dinputs);
    drop2.backward(relu2.dinputs);
    dense2.backward(drop2.dinputs);
    drop1.backward(dense2.dinputs);
    relu1.backward(drop1.dinputs);
    dense1.backward(relu1.dinputs);
    optimizer.preUpdateParams();
    for (const layer of [dense1, dense2, dense3]) optimizer.updateParams(layer);
    optimizer.postUpdateParams();
  }
  const final = forward(false);
  return { losses, final, droppedPerEpoch, prediction: lossActivation.output.toArray()[0] };
}

export function neuralthreadsReport(r: Awaited<ReturnType<typeof neuralthreads>>): ExperimentResult {
  return {
    title: 'neuralthreads: 5-3-5-4 network, exact-count dropout states (1 of 3, 2 of 5), SGD 0.01, 200 epochs',
    source: 'neuralthreads "Dropout step by step" (seed 001); its losses recomputed by scripts/neuralthreads_reference.py',
    command: 'npx tsx examples/neuralthreads-exact.ts',
    rows: [
      { setting: 'same start (seed 42)', measure: 'loss before training', seed: SEED_NEURALTHREADS.first.toFixed(6), ours: r.losses[0].toFixed(6) },
      { setting: 'after 200 epochs', measure: 'loss', seed: SEED_NEURALTHREADS.final.toFixed(6), ours: r.final.toFixed(6) },
      { setting: 'every epoch', measure: 'nodes dropped (H1, H2)', seed: '1, 2', ours: [...new Set(r.droppedPerEpoch.map((d) => d.join(', ')))].join(' / ') },
    ],
    notes: ['the dropout states are shuffled by different generators (NumPy\'s vs nnwasm\'s), so the runs agree at the start and in kind, not step by step'],
  };
}

if (isMain(import.meta)) {
  const { backend } = commandLine();
  const r = await neuralthreads({ backend });
  for (let e = 0; e < r.losses.length; e += 20) console.log(`loss before training is ${r.losses[e]} -- epoch number ${e + 1}`);
  printResult(neuralthreadsReport(r));
}
