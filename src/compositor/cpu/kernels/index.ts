/**
 * The CPU compositor's wasm SIMD kernels (kernels.as.ts, compiled into kernels.wasm.ts by
 * scripts/build-kernels.mjs): the blend's hottest loops for a blur background — the vertical lerp
 * of upsampled grid rows (SIMD, 16 bytes per instruction) and the horizontal upsampling of the
 * grid rows. Measured in Node on this machine: the 720p luma plane's lerp 2.3 ms in JavaScript,
 * 0.27 ms with the kernel; bit for bit the same output.
 *
 * Each compositor gets its own instance and memory; the buffers the kernels touch (the output
 * frame, the blend's scratch rows) are laid out in that memory by {@link CpuKernels.reserve}.
 * Where WebAssembly SIMD is missing or refused (a CSP without `'wasm-unsafe-eval'`),
 * {@link loadCpuKernels} resolves to null and the compositor runs its JavaScript loops.
 */
import type { BlendKernels } from '../blend-stage.js';
import type { BlurKernels } from '../blur-stage.js';
import { KERNELS_WASM } from './kernels.wasm.js';

/** A compositor's kernel instance and its memory. */
export interface CpuKernels extends BlendKernels, BlurKernels {
  /**
   * Lay out regions of the given byte sizes in the memory (16-byte aligned, in order, from 0),
   * growing it when needed, and return their byte offsets. The memory is scratch used in turn: a
   * call ends the previous regions (the blur stage's, then the blend's and the output frame's,
   * which last until the frame is turned into a VideoFrame). Views made before a call may be
   * detached by it: take views after reserving.
   */
  reserve(sizes: readonly number[]): number[];
  /** Kernel calls since creation (tests check the kernels are used). */
  readonly calls: number;
}

const PAGE = 65536;

let compiled: Promise<WebAssembly.Module | null> | null = null;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** The compiled module (once per realm), or null where WebAssembly SIMD cannot be compiled. */
function compileOnce(): Promise<WebAssembly.Module | null> {
  compiled ??= (async () => {
    try {
      if (typeof WebAssembly !== 'object') return null;
      const bytes = decode(KERNELS_WASM);
      // SIMD: compiling fails where the engine lacks it.
      return await WebAssembly.compile(bytes);
    } catch {
      return null; // no SIMD, or a CSP that does not allow compiling WebAssembly
    }
  })();
  return compiled;
}

interface KernelExports {
  lerpRows(a: number, b: number, wy: number, dst: number, n: number): void;
  upsampleRows(grid: number, gw: number, gh: number, x0: number, wx: number, width: number, nc: number, c: number, out: number): void;
  blur2d(src: number, dst: number, tmp: number, w: number, h: number, k: number, taps: number): void;
}

function isKernelExports(exports: WebAssembly.Exports): exports is WebAssembly.Exports & KernelExports {
  return ['lerpRows', 'upsampleRows', 'blur2d'].every((name) => typeof exports[name] === 'function');
}

/** A new kernel instance with its own memory, or null where the kernels cannot run. */
export async function loadCpuKernels(): Promise<CpuKernels | null> {
  const module = await compileOnce();
  if (!module) return null;
  let instance: WebAssembly.Instance;
  const memory = new WebAssembly.Memory({ initial: 1 });
  try {
    instance = await WebAssembly.instantiate(module, { env: { memory } });
  } catch {
    return null;
  }
  const exports = instance.exports;
  if (!isKernelExports(exports)) return null;
  const { lerpRows, upsampleRows, blur2d } = exports;
  let calls = 0;
  return {
    get buffer() {
      return memory.buffer;
    },
    get calls() {
      return calls;
    },
    reserve(sizes) {
      const offsets: number[] = [];
      let end = 0;
      for (const size of sizes) {
        offsets.push(end);
        end += Math.ceil(size / 16) * 16;
      }
      const have = memory.buffer.byteLength;
      if (end > have) memory.grow(Math.ceil((end - have) / PAGE));
      return offsets;
    },
    lerpRows(a, b, wy, dst, n) {
      calls++;
      lerpRows(a, b, wy, dst, n);
    },
    upsampleRows(grid, gw, gh, x0, wx, width, nc, c, out) {
      calls++;
      upsampleRows(grid, gw, gh, x0, wx, width, nc, c, out);
    },
    blur2d(src, dst, tmp, w, h, k, taps) {
      calls++;
      blur2d(src, dst, tmp, w, h, k, taps);
    },
  };
}
