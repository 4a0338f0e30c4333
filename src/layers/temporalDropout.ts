import type { LayerOptions } from './layer.ts';
import { BroadcastDropout } from './broadcastDropout.ts';
import { registerLayer } from './registry.ts';

/**
 * Temporal dropout (the seeds' dropout guide; Gal & Ghahramani 2016): on sequences
 * [batch, steps, features], one draw per sample and feature, mask (batch, 1, features), shared by
 * every step, so the dropout does not break the temporal pattern. Keras writes it
 * Dropout(rate, noise_shape=(None, 1, F)); that is what the TF.js export writes.
 */
export class LayerTemporalDropout extends BroadcastDropout {
  protected readonly kind = 'sequences';
  protected readonly sampleAxes = ['steps', 'features'];

  constructor(rate: number, opts: LayerOptions = {}) {
    super(rate, opts, 'LayerTemporalDropout');
    this.drawSeed();
  }
}

registerLayer('LayerTemporalDropout', LayerTemporalDropout, (c, opts) => new LayerTemporalDropout(c.rate as number, opts));
