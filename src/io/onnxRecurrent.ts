/**
 * ONNX's RNN, LSTM and GRU operators for nnwasm's recurrent layers (src/io/onnx.ts calls
 * `emitRecurrent`). ONNX takes time first ([T, N, F], layout 0) and lays its weights out per gate
 * row, [G·U, F], where Keras has [F, G·U]; LSTM's gates run i, o, f, c in ONNX and i, f, c, o in
 * Keras, GRU's z, r, h in both (`linear_before_reset` is Keras's reset_after). Biases are
 * [Wb, Rb]: Keras's one bias is Wb with Rb = 0, except GRU with reset_after, whose two rows are
 * exactly ONNX's two. goBackwards is direction 'reverse', whose Y is indexed by time, so a
 * sequence output is flipped into Keras's processing order. Dropout is the identity at inference.
 */
import { LayerLSTM, LayerGRU, type RecurrentLayer, type RecurrentActivation } from '../layers/recurrent.ts';
import { ValueError } from '../errors.ts';
import type { Attr, OnnxGraph } from './onnx.ts';

/** ONNX's activation names; its HardSigmoid defaults (alpha 0.2, beta 0.5) are TF.js's */
const ONNX_ACTIVATION: Partial<Record<RecurrentActivation, string>> = { tanh: 'Tanh', sigmoid: 'Sigmoid', relu: 'Relu', hardSigmoid: 'HardSigmoid' };
/** Keras's gate blocks in ONNX's order */
const LSTM_GATES = [0, 3, 1, 2];

/** [rows, G·U] (Keras) → [G·U, rows] with the gate blocks of U columns reordered by `gates` */
function perGate(w: Float32Array, rows: number, units: number, gates: number[]): Float32Array {
  const gu = gates.length * units, out = new Float32Array(w.length);
  gates.forEach((from, to) => {
    for (let u = 0; u < units; u++) for (let r = 0; r < rows; r++) out[(to * units + u) * rows + r] = w[r * gu + from * units + u];
  });
  return out;
}

/** a bias [G·U] (or two) with its blocks reordered */
const reorder = (b: Float32Array, units: number, gates: number[]) => Float32Array.from(gates.flatMap((from) => Array.from(b.subarray(from * units, (from + 1) * units))));

/** the layer's node on [N, T, F] in, [N, U] or [N, T, U] out */
export function emitRecurrent(g: OnnxGraph, layer: RecurrentLayer, sample: readonly number[], where: string): void {
  const [, features] = sample, U = layer.units, lstm = layer instanceof LayerLSTM, gru = layer instanceof LayerGRU;
  const gates = lstm ? LSTM_GATES : gru ? [0, 1, 2] : [0], gu = gates.length * U;
  const names = (lstm || gru ? [layer.recurrentActivation, layer.activation, ...(lstm ? [layer.activation] : [])] : [layer.activation]).map((a) => {
    const name = ONNX_ACTIVATION[a];
    if (!name) throw new ValueError(`${where}: ${layer}'s ${a} activation has no ONNX counterpart in the export (tanh, sigmoid, relu, hardSigmoid)`);
    return name;
  });
  const W = g.constant('W', [1, gu, features], perGate(layer.kernel.data, features, U, gates));
  const R = g.constant('R', [1, gu, U], perGate(layer.recurrentKernel.data, U, U, gates));
  const bias = new Float32Array(2 * gu); // [Wb, Rb]
  if (layer.bias) {
    const b = layer.bias.data;
    bias.set(reorder(b.subarray(0, gu), U, gates));
    if (gru && layer.resetAfter) bias.set(b.subarray(gu, 2 * gu), gu);
  }
  const B = g.constant('B', [1, 2 * gu], bias);
  const attrs: Attr[] = [['hidden_size', 'int', U], ['direction', 'string', layer.goBackwards ? 'reverse' : 'forward'], ['activations', 'strings', names]];
  if (gru) attrs.push(['linear_before_reset', 'int', layer.resetAfter ? 1 : 0]);
  g.node('Transpose', [], [['perm', 'ints', [1, 0, 2]]]); // [T, N, F]
  const [Y, Yh] = g.nodeOutputs(lstm ? 'LSTM' : gru ? 'GRU' : 'RNN', [W, R, B], attrs, 2);
  if (!layer.returnSequences) {
    g.value = Yh; // [1, N, U]
    return g.node('Squeeze', [g.constant('axes', [1], [0], 'int64')]);
  }
  g.value = Y; // [T, 1, N, U]
  g.node('Squeeze', [g.constant('axes', [1], [1], 'int64')]);
  // Keras returns a backward layer's outputs in processing order: last time step first
  if (layer.goBackwards) g.node('Slice', [g.constant('starts', [1], [-1], 'int64'), g.constant('ends', [1], [-(2 ** 63)], 'int64'), g.constant('axes', [1], [0], 'int64'), g.constant('steps', [1], [-1], 'int64')]);
  g.node('Transpose', [], [['perm', 'ints', [1, 0, 2]]]);
}
