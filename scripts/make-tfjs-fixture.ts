/**
 * test/fixtures/tfjs-sharded/: a small CNN built by TensorFlow.js and saved as
 * tensorflowjs_converter lays a layers model out: model.json whose one weight group lists two
 * shard files (group1-shard1of2.bin, group1-shard2of2.bin) that split the weights mid-tensor,
 * plus expected.json, TF.js's own prediction for a fixed input (what the import must reproduce).
 *
 *   npx tsx scripts/make-tfjs-fixture.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';

await tf.setBackend('cpu');
const model = tf.sequential({ layers: [
  tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), name: 'conv' }),
  tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
  tf.layers.flatten({ name: 'flat' }),
  tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), biasInitializer: tf.initializers.constant({ value: 0.1 }), name: 'out' }),
] });
let artifacts: tf.io.ModelArtifacts | undefined;
await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
const bytes = new Uint8Array(artifacts!.weightData as ArrayBuffer);
const cut = 50; // mid-tensor, as the converter's 4 MB shards cut
const dir = new URL('../test/fixtures/tfjs-sharded/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('group1-shard1of2.bin', dir), bytes.subarray(0, cut));
writeFileSync(new URL('group1-shard2of2.bin', dir), bytes.subarray(cut));
writeFileSync(new URL('model.json', dir), JSON.stringify({
  format: 'layers-model', generatedBy: 'TensorFlow.js tfjs-layers v4.22.0', convertedBy: 'written by scripts/make-tfjs-fixture.ts as the converter shards',
  modelTopology: artifacts!.modelTopology,
  weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: artifacts!.weightSpecs }],
}, null, 1));
const x = Array.from({ length: 2 * 6 * 6 * 2 }, (_, i) => Math.sin(i * 0.37));
const y = (model.predict(tf.tensor(x, [2, 6, 6, 2])) as tf.Tensor).arraySync();
writeFileSync(new URL('expected.json', dir), JSON.stringify({ input: { shape: [2, 6, 6, 2], values: x }, prediction: y }));
console.log(`wrote ${dir.pathname}: ${bytes.length} bytes of weights in 2 shards`);
