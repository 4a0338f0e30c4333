/**
 * EXPERIMENTS.md's waves comparison: the LSTM with both dropouts beside no dropout,
 * recurrent dropout alone, and input dropout as a separate layer with the mask shared by every
 * step (TemporalDropout) or fresh at every step (Dropout). Each network trains 10 epochs (or the
 * count given) on the waves task; the table gives the test accuracy after every epoch's end
 * (last, best) and of the Monte Carlo mean of 30 passes with dropout on.
 *
 *   npx tsx examples/waves-masks.ts [epochs]
 */
import { waves, type WavesVariant } from './waves.ts';

const epochs = Number(process.argv[2] ?? 10);
const variants: WavesVariant[] = ['lstm-dropout', 'lstm', 'lstm-recurrent', 'temporal-input', 'per-step-input'];
console.log(`| network (→ Dense(3)), ${epochs} epochs | test accuracy, last epoch | best epoch | Monte Carlo mean, 30 passes | per epoch |`);
console.log('|---|---:|---:|---:|---|');
for (const variant of variants) {
  const r = await waves({ epochs, variant, mcSamples: 30 });
  const best = Math.max(...r.curve);
  console.log(`| ${variant} | ${r.accuracy.toFixed(4)} | ${best.toFixed(4)} (epoch ${r.curve.indexOf(best) + 1}) | ${r.mcAccuracy!.toFixed(4)} | ${r.curve.map((a) => a.toFixed(2)).join(' ')} |`);
}
