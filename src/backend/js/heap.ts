/** The JS backend's "linear memory": typed views over one ArrayBuffer, replaced when it grows. */
export interface Heap {
  f32: Float32Array;
  i32: Int32Array;
}
