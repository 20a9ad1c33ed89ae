/**
 * The CPU blend: for every plane and channel, out = bg + alpha·(src − bg) in fixed point, with
 * alpha from the upsampled mask. Each row comes in runs (`AlphaRow.runs`, alpha-stage.ts): background
 * runs are written with native fills/copies (a blur's low-res grid: one vertical lerp of two
 * horizontally upsampled grid rows, by a wasm SIMD kernel when one is given), person runs with
 * native copies of the camera pixels, and only edge runs are blended per pixel. Blending YUV equals blending RGB (the
 * transform is affine), so the frame never leaves its own pixel format.
 */
import type { Mask } from '../../segmenter/types.js';
import { RunKind, type AlphaSampler } from './alpha-stage.js';
import type { LowBackground } from './blur-stage.js';
import type { Plane } from './planes.js';

/** Where background values come from. */
export type Background =
  | { kind: 'constant'; values: number[][] }
  | { kind: 'planes'; data: Uint8Array; planes: readonly Plane[] }
  | { kind: 'low'; grid: LowBackground };

/** The blend stage. */
export interface CpuBlendStage {
  /**
   * Blend `src` over `bg` with the person alpha of `mask` into `dst`. `scratch` ({@link
   * blendScratchBytes} bytes, 16-byte aligned) is the blur background's working memory; when it
   * and `dst` lie in the kernels' memory the kernels run, else the stage uses its own buffers.
   */
  render(src: Uint8Array, srcPlanes: readonly Plane[], dst: Uint8Array, dstPlanes: readonly Plane[], mask: Mask | null, bg: Background, scratch?: Uint8Array): void;
}

interface XMap {
  x0: Int32Array;
  wx: Float32Array;
}

function gridXMap(width: number, gw: number): XMap {
  const x0 = new Int32Array(width);
  const wx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const f = Math.min(gw - 1, Math.max(0, ((x + 0.5) * gw) / width - 0.5));
    const i = Math.min(Math.max(0, gw - 2), Math.floor(f));
    x0[x] = i;
    wx[x] = gw > 1 ? f - i : 0;
  }
  return { x0, wx };
}

/**
 * Every grid row of a plane's grid channels upsampled horizontally to `width` pixels, as 8.8 fixed
 * point (value × 256, rounded), interleaved like the plane (`nc` channels per pixel; channels
 * from `cc` on, RGBA's alpha, are 255). A plane row's background is then one vertical lerp of two
 * of these rows over contiguous bytes, all channels at once, with no per-pixel grid lookup.
 */
function upsampleGridRows(channels: readonly Float32Array[], gw: number, gh: number, xm: XMap, width: number, nc: number, out: Uint16Array): void {
  const { x0, wx } = xm;
  for (let gy = 0; gy < gh; gy++) {
    const g = gy * gw;
    const o = gy * width * nc;
    for (let c = 0; c < nc; c++) {
      const grid = channels[c];
      if (!grid) {
        for (let x = 0; x < width; x++) out[o + x * nc + c] = 255 << 8;
        continue;
      }
      for (let x = 0; x < width; x++) {
        const i = g + x0[x]!;
        const l = grid[i]!;
        const r = gw > 1 ? grid[i + 1]! : l;
        out[o + x * nc + c] = (l + (r - l) * wx[x]!) * 256 + 0.5;
      }
    }
  }
}

/** Row `y` of a plane `height` rows tall samples grid rows `r0`, `r1` with weight `wy` (0..256) on `r1`. */
function gridRowWeights(y: number, height: number, gh: number): { r0: number; r1: number; wy: number } {
  const fy = Math.min(gh - 1, Math.max(0, ((y + 0.5) * gh) / height - 0.5));
  const r0 = Math.min(Math.max(0, gh - 2), Math.floor(fy));
  return { r0, r1: Math.min(gh - 1, r0 + 1), wy: gh > 1 ? Math.round((fy - r0) * 256) : 0 };
}

/**
 * dst[d + i] = (h[a + i]·(256 − wy) + h[b + i]·wy + 32768) >> 16 for i in [0, n): two upsampled
 * grid rows lerped. The wasm kernel `lerpRows` (kernels/kernels.as.ts) computes the same.
 */
function lerpRowsJs(h: Uint16Array, a: number, b: number, wy: number, dst: Uint8Array, d: number, n: number): void {
  const iy = 256 - wy;
  for (let i = 0; i < n; i++) dst[d + i] = (h[a + i]! * iy + h[b + i]! * wy + 32768) >> 16;
}

/** Wasm twins of the blend's hot loops; they read and write only their own memory. */
export interface BlendKernels {
  /** The wasm memory's current buffer (the kernels only run on views of it). */
  readonly buffer: ArrayBuffer;
  /** {@link lerpRowsJs} on byte offsets into the wasm memory. */
  lerpRows(a: number, b: number, wy: number, dst: number, n: number): void;
  /** One channel of {@link upsampleGridRows}, on byte offsets into the wasm memory. */
  upsampleRows(grid: number, gw: number, gh: number, x0: number, wx: number, width: number, nc: number, c: number, out: number): void;
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/** Where the parts of the blend's scratch lie (byte offsets into it) for a grid and plane width. */
function scratchLayout(planes: readonly Plane[], grid: Pick<LowBackground, 'width' | 'height'>): { rows: number; grid: number; x0: number; wx: number; bytes: number } {
  const rowValues = planes.reduce((m, p) => Math.max(m, grid.height * p.width * p.channels), 0);
  const width = planes.reduce((m, p) => Math.max(m, p.width), 0);
  const gridAt = align16(rowValues * 2);
  const x0At = gridAt + align16(grid.width * grid.height * 4);
  const wxAt = x0At + align16(width * 4);
  return { rows: 0, grid: gridAt, x0: x0At, wx: wxAt, bytes: wxAt + align16(width * 4) };
}

/**
 * Bytes of scratch the blend needs for a blur background on `planes` with `grid`: the upsampled
 * grid rows, and (for the kernels) a copy of one grid channel and the plane's x map.
 */
export function blendScratchBytes(planes: readonly Plane[], grid: Pick<LowBackground, 'width' | 'height'>): number {
  return scratchLayout(planes, grid).bytes;
}

/**
 * Create the stage with an alpha sampler. With `kernels`, a blur background is written by the
 * wasm kernel whenever the output and the scratch rows passed to `render` live in its memory.
 */
export function createCpuBlendStage(alpha: AlphaSampler, kernels: BlendKernels | null = null): CpuBlendStage {
  const xmaps = new Map<string, XMap>();
  let ownRows: Uint16Array = new Uint16Array(0);

  return {
    render(src, srcPlanes, dst, dstPlanes, mask, bg, scratch) {
      for (let pi = 0; pi < srcPlanes.length; pi++) {
        const sp = srcPlanes[pi]!;
        const dp = dstPlanes[pi]!;
        const { width: w, height: h, channels: nc, colourChannels: cc } = sp;
        // The mask is classified once; planes of another size (chroma) only remap it, and planes
        // of one size (I420's U and V) share one preparation.
        if (pi === 0) alpha.prepare(mask, w, h);
        else if (w !== srcPlanes[pi - 1]!.width || h !== srcPlanes[pi - 1]!.height) alpha.resize(w, h);
        let rows = ownRows;
        let wasm = false;
        if (bg.kind === 'low') {
          const g = bg.grid;
          const key = `${w}:${g.width}`;
          let xm = xmaps.get(key);
          if (!xm) xmaps.set(key, (xm = gridXMap(w, g.width)));
          const channels = g.channels[pi]!;
          const at = scratch ? scratchLayout(dstPlanes, g) : null;
          wasm = kernels !== null && at !== null && scratch!.byteLength >= at.bytes && scratch!.buffer === kernels.buffer && dst.buffer === kernels.buffer && scratch!.byteOffset % 16 === 0;
          if (wasm) {
            // The kernels see only their memory: copy this plane's grid channels and x map in.
            const base = scratch!.byteOffset;
            const buf = kernels!.buffer;
            rows = new Uint16Array(buf, base + at!.rows, g.height * w * nc);
            new Int32Array(buf, base + at!.x0, w).set(xm.x0);
            new Float32Array(buf, base + at!.wx, w).set(xm.wx);
            const gridCopy = new Float32Array(buf, base + at!.grid, g.width * g.height);
            for (let c = 0; c < channels.length; c++) {
              gridCopy.set(channels[c]!);
              kernels!.upsampleRows(base + at!.grid, g.width, g.height, base + at!.x0, base + at!.wx, w, nc, c, base + at!.rows);
            }
            // Channels without a grid (RGBA's alpha) are opaque, as in upsampleGridRows.
            for (let c = channels.length; c < nc; c++) for (let i = c; i < rows.length; i += nc) rows[i] = 255 << 8;
          } else {
            const need = g.height * w * nc;
            if (ownRows.length < need) ownRows = new Uint16Array(need);
            rows = ownRows;
            upsampleGridRows(channels, g.width, g.height, xm, w, nc, rows);
          }
        }
        const rowBytes = w * nc;
        for (let y = 0; y < h; y++) {
          const { alpha: a, runs, runCount } = alpha.row(y);
          const so = sp.offset + y * sp.stride;
          const d0 = dp.offset + y * dp.stride;
          let a0 = 0;
          let b0 = 0;
          let wy = 0;
          if (bg.kind === 'low') {
            // Background runs, every channel at once: two upsampled grid rows lerped.
            const gr = gridRowWeights(y, h, bg.grid.height);
            a0 = gr.r0 * rowBytes;
            b0 = gr.r1 * rowBytes;
            wy = gr.wy;
            for (let r = 0; r < runCount; r++) {
              if (runs[r * 3 + 2] !== RunKind.Background) continue;
              const from = runs[r * 3]! * nc;
              const n = runs[r * 3 + 1]! * nc - from;
              if (wasm) kernels!.lerpRows(rows.byteOffset + (a0 + from) * 2, rows.byteOffset + (b0 + from) * 2, wy, dst.byteOffset + d0 + from, n);
              else lerpRowsJs(rows, a0 + from, b0 + from, wy, dst, d0 + from, n);
            }
          }
          for (let c = 0; c < nc; c++) {
            const si = so + c;
            const di = d0 + c;
            if (c >= cc) {
              for (let x = 0; x < w; x++) dst[di + x * nc] = 255; // RGBA alpha: opaque
              continue;
            }
            let v = 0;
            let bd = src;
            let bi = 0;
            if (bg.kind === 'constant') {
              v = bg.values[pi]![c]!;
            } else if (bg.kind === 'planes') {
              const bp = bg.planes[pi]!;
              bi = bp.offset + y * bp.stride + c;
              bd = bg.data;
            }
            const ia = a0 + c;
            const ib = b0 + c;
            const iy = 256 - wy;
            for (let r = 0; r < runCount; r++) {
              const from = runs[r * 3]!;
              const to = runs[r * 3 + 1]!;
              const kind = runs[r * 3 + 2]!;
              if (kind === RunKind.Person) {
                // The camera pixel, untouched.
                if (nc === 1) dst.set(src.subarray(si + from, si + to), di + from);
                else for (let x = from; x < to; x++) dst[di + x * nc] = src[si + x * nc]!;
              } else if (kind === RunKind.Background) {
                if (bg.kind === 'constant') {
                  if (nc === 1) dst.fill(v, di + from, di + to);
                  else for (let x = from; x < to; x++) dst[di + x * nc] = v;
                } else if (bg.kind === 'planes') {
                  if (nc === 1) dst.set(bd.subarray(bi + from, bi + to), di + from);
                  else for (let x = from; x < to; x++) dst[di + x * nc] = bd[bi + x * nc]!;
                } // 'low': written above for all channels
              } else if (bg.kind === 'constant') {
                for (let x = from; x < to; x++) {
                  const al = a[x]!;
                  const s = src[si + x * nc]!;
                  dst[di + x * nc] = al === 256 ? s : v + (((s - v) * al + 128) >> 8);
                }
              } else if (bg.kind === 'planes') {
                for (let x = from; x < to; x++) {
                  const al = a[x]!;
                  const s = src[si + x * nc]!;
                  const b = bd[bi + x * nc]!;
                  dst[di + x * nc] = al === 256 ? s : b + (((s - b) * al + 128) >> 8);
                }
              } else {
                for (let x = from; x < to; x++) {
                  const al = a[x]!;
                  if (al === 256) {
                    dst[di + x * nc] = src[si + x * nc]!;
                    continue;
                  }
                  const g = (rows[ia + x * nc]! * iy + rows[ib + x * nc]! * wy + 32768) >> 16;
                  dst[di + x * nc] = g + (((src[si + x * nc]! - g) * al + 128) >> 8);
                }
              }
            }
          }
        }
      }
    },
  };
}
