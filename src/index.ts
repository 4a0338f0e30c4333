/**
 * nnwasm: the book's ("Neural Networks from Scratch") layers on SIMD WebAssembly kernels, with a
 * plain-TS twin backend, and a Model API on top.
 */
export { createBackend, useBackend, setBackend, getBackend, type BackendOptions } from './backend/create.ts';
export { Backend, type BackendName } from './backend/backend.ts';
export type { Kernels, Ptr } from './backend/kernels.ts';
export { Rng } from './backend/random.ts';
export { Tensor, shapeText } from './tensor.ts';
export { Matrix, type MatrixLike, type LabelsLike, type NestedNumbers } from './matrix.ts';
export { NnwasmError, ShapeError, ValueError, TrainingDivergedError, FormatError, OutOfMemoryError, DisposedError } from './errors.ts';
export { Layer, type LayerOptions, type LayerConfig, type Json } from './layers/layer.ts';
export { registerLayer, registeredLayers, type LayerFactory } from './layers/registry.ts';
export { LayerDense, type DenseOptions } from './layers/dense.ts';
export { LayerDropout } from './layers/dropout.ts';
// the dropout family
export { StochasticLayer } from './layers/stochastic.ts';
export { LayerExactDropout } from './layers/exactDropout.ts';
export { LayerGaussianDropout } from './layers/gaussianDropout.ts';
export { LayerAlphaDropout, ALPHA_PRIME } from './layers/alphaDropout.ts';
export { LayerScheduledDropout, type DropoutSchedule, type ScheduledDropoutOptions } from './layers/scheduledDropout.ts';
export { LayerConcreteDropout, type ConcreteDropoutOptions } from './layers/concreteDropout.ts';
export { LayerAdaptiveDropout, type AdaptiveDropoutOptions } from './layers/adaptiveDropout.ts';
export { ActivationSELU, ActivationTanh, SELU_LAMBDA, SELU_ALPHA } from './layers/seluTanh.ts';
// images (NHWC)
export { LayerConv2D, type Conv2DOptions } from './layers/conv2d.ts';
export { LayerMaxPooling2D, LayerAveragePooling2D, LayerGlobalAveragePooling2D, type Pooling2DOptions } from './layers/pooling.ts';
export { LayerFlatten } from './layers/flatten.ts';
export { LayerSpatialDropout2D } from './layers/spatialDropout.ts';
export type { Padding } from './layers/convGeometry.ts';
// normalization
export { LayerBatchNormalization, type BatchNormalizationOptions } from './layers/batchNormalization.ts';
export { LayerLayerNormalization } from './layers/layerNormalization.ts';
// sequences ([batch, steps, features])
export {
  RecurrentLayer, LayerSimpleRNN, LayerLSTM, LayerGRU, type RecurrentOptions, type LSTMOptions, type GRUOptions, type RecurrentMasks, type RecurrentActivation,
} from './layers/recurrent.ts';
export { LayerTemporalDropout } from './layers/temporalDropout.ts';
export { FeatureNormalization, type NormalizationOptions } from './layers/normalization.ts';
export type { InitializerName } from './layers/initializers.ts';
export type { PredictOptions, McPrediction } from './monteCarlo.ts';
export { ActivationReLU, ActivationSoftmax, ActivationSigmoid, ActivationLinear } from './layers/activations.ts';
export { Loss, LossCategoricalCrossentropy, LossBinaryCrossentropy, LossMeanSquaredError, LossMeanAbsoluteError } from './losses/loss.ts';
export { ActivationSoftmaxLossCategoricalCrossentropy } from './losses/softmaxCce.ts';
export { Optimizer, OptimizerSGD, OptimizerAdagrad, OptimizerRMSprop, OptimizerAdam, type OptimizerOptions } from './optimizers/optimizer.ts';
export { AccuracyCategorical, AccuracyBinary, AccuracyRegression, type Accuracy } from './accuracy.ts';
// the TF.js-style layers API, on the same layers
export { sequential, Sequential, type SequentialArgs } from './api/sequential.ts';
export { layers, regularizers, initializers, LayerSpec, type Regularizer, type ActivationName, type DenseArgs, type Conv2DArgs, type Pooling2DArgs, type NormalizationArgs } from './api/layers.ts';
export { exportOnnx, type OnnxExportOptions } from './io/onnx.ts';
export { exportTfjsLayers, importTfjsLayers, type TfjsArtifacts, type TfjsModelJSON, type TfjsWeightSpec, type TfjsExportOptions, type TfjsImportSource } from './io/tfjs.ts';
export { train, type LossName, type OptimizerName } from './byName.ts';
export { callbacks, Callback, EarlyStopping, LearningRateScheduler, ReduceLROnPlateau, type EarlyStoppingArgs, type ReduceLROnPlateauArgs, type CallbackParams, type TrainedModel } from './callbacks.ts';
export {
  schedules, LearningRateSchedule, ExponentialDecay, InverseTimeDecay, CosineDecay, PiecewiseConstantDecay,
  type ExponentialDecayArgs, type InverseTimeDecayArgs, type CosineDecayArgs, type PiecewiseConstantDecayArgs, type ScheduleConfig,
} from './schedules.ts';
export { Model, type CompileOptions, type FitOptions, type FitCallbacks, type Logs, type EpochLogs, type History, type Evaluation } from './model.ts';
export type { MetricName } from './metrics.ts';
export { spiralData, verticalData, sineData, blobs, wavesData, WAVE_CLASSES, type Classification, type BlobsOptions, type WavesOptions } from './data/datasets.ts';
