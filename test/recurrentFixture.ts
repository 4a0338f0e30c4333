/** test/fixtures/recurrent.json (scripts/recurrent_reference.py), typed: the recurrent layers' NumPy reference */
import { readFileSync } from 'node:fs';

interface Values { shape: number[]; values: number[] }
export interface RecurrentCase {
  name: string;
  layer: 'SimpleRNN' | 'LSTM' | 'GRU';
  options: { units: number; returnSequences: boolean; goBackwards: boolean; useBias: boolean; resetAfter?: boolean; dropout: number; recurrentDropout: number };
  kernel: Values;
  recurrentKernel: Values;
  bias?: Values;
  input: Values;
  inputMask?: Values;
  recurrentMask?: Values;
  dY: Values;
  expected: { Y: Values; dX: Values; dKernel: Values; dRecurrentKernel: Values; dBias?: Values };
}
export const recurrentFixture = JSON.parse(readFileSync(new URL('./fixtures/recurrent.json', import.meta.url), 'utf8')) as { cases: RecurrentCase[] };
