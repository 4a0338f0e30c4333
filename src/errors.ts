/** Every error nnwasm throws on bad input says who complained and what shapes it saw. */
export class NnwasmError extends Error {
  override name = 'NnwasmError';
}
/** Shapes that do not fit together (names the layer and both shapes). */
export class ShapeError extends NnwasmError {
  override name = 'ShapeError';
}
/** A value out of its domain: NaN/Infinity, a label out of range, a rate outside [0, 1). */
export class ValueError extends NnwasmError {
  override name = 'ValueError';
}

export const shapeOf = (rows: number, cols: number) => `${rows}×${cols}`;

/** Training produced NaN or Infinity; the update was not applied, so the weights are the last good ones. */
export class TrainingDivergedError extends NnwasmError {
  override name = 'TrainingDivergedError';
  constructor(readonly epoch: number, readonly step: number, readonly tensor: string) {
    super(`training diverged at epoch ${epoch}, step ${step}: ${tensor} is not finite; the update was skipped and the model keeps the last good weights (lower the learning rate?)`);
  }
}

/** A tensor, layer, loss, optimizer or model was used after its dispose(). */
export class DisposedError extends NnwasmError {
  override name = 'DisposedError';
}

/** Bytes that are not a model nnwasm can load: truncated, corrupted, another format or version. */
export class FormatError extends NnwasmError {
  override name = 'FormatError';
}

/** The backend's memory cannot grow to hold a tensor (wasm32 stops at 4 GiB; the host may stop sooner). */
export class OutOfMemoryError extends NnwasmError {
  override name = 'OutOfMemoryError';
}
