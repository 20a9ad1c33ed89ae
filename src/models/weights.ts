/**
 * Reading and appending constants in a tfjs graph model's weight data, without creating tensors
 * (the load-time graph rewrite in optimize.ts needs a few small constants' values and adds new
 * ones). Layout as tfjs writes it: the specs' values back to back in spec order, each stored as
 * its `quantization.dtype` when quantized (float16, or uint8/uint16 with `min`/`scale`).
 *
 * ref: tfjs-core src/io/io_utils.ts (decodeWeights, getWeightBytelength)
 */

import type { io } from '@tensorflow/tfjs-core';

/** One entry of a weights manifest. */
export type WeightSpec = io.WeightsManifestEntry;

/** Values of a constant read from (or to be appended to) the weight data. */
export interface WeightValues {
  name: string;
  shape: number[];
  values: Float32Array | Int32Array;
}

const STORED_BYTES: Readonly<Record<string, number>> = Object.freeze({ float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 });

/** IEEE half → float. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Values of the named constants (float32 or int32 weights, quantized or not). A name that is
 * missing, or a weight stored in a way this reader does not handle (strings), is left out of the
 * result; so is everything when a string weight precedes it (its length is not in the spec).
 */
export function readWeights(specs: readonly WeightSpec[], data: ArrayBuffer, names: Iterable<string>): Map<string, WeightValues> {
  const wanted = new Set(names);
  const out = new Map<string, WeightValues>();
  let offset = 0;
  for (const spec of specs) {
    if (wanted.size === out.size) break;
    const stored = spec.quantization?.dtype ?? spec.dtype;
    const bytes = STORED_BYTES[stored];
    if (bytes === undefined) break; // a string weight: later offsets are unknown
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (wanted.has(spec.name) && (spec.dtype === 'float32' || spec.dtype === 'int32') && offset + size * bytes <= data.byteLength) {
      const view = new DataView(data, offset, size * bytes);
      const values = spec.dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
      const q = spec.quantization;
      for (let i = 0; i < size; i++) {
        let v: number;
        if (!q) v = spec.dtype === 'float32' ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
        else if (q.dtype === 'float16') v = halfToFloat(view.getUint16(i * 2, true));
        else v = (q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true)) * (q.scale ?? 1) + (q.min ?? 0);
        values[i] = spec.dtype === 'int32' ? Math.round(v) : v;
      }
      out.set(spec.name, { name: spec.name, shape: [...spec.shape], values });
    }
    offset += size * bytes;
  }
  return out;
}

/** `specs` and `data` with `added` appended (unquantized float32/int32). The inputs are not modified. */
export function appendWeights(specs: readonly WeightSpec[], data: ArrayBuffer, added: readonly WeightValues[]): { specs: WeightSpec[]; data: ArrayBuffer } {
  const extra = added.reduce((n, w) => n + w.values.byteLength, 0);
  const bytes = new Uint8Array(data.byteLength + extra);
  bytes.set(new Uint8Array(data), 0);
  let offset = data.byteLength;
  const out: WeightSpec[] = [...specs];
  for (const w of added) {
    bytes.set(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength), offset);
    offset += w.values.byteLength;
    out.push({ name: w.name, shape: [...w.shape], dtype: w.values instanceof Float32Array ? 'float32' : 'int32' });
  }
  return { specs: out, data: bytes.buffer };
}
