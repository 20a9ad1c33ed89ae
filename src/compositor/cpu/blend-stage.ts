/**
 * The CPU blend: for every plane and channel, out = bg + alpha·(src − bg) in fixed point, with
 * alpha from the upsampled mask. Each row comes in runs (`AlphaRow.runs`, alpha-stage.ts): background
 * runs are written with native fills/copies (or the grid upsample), person runs with native
 * copies of the camera pixels, and only edge runs are blended per pixel. Blending YUV equals blending RGB (the
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
  render(src: Uint8Array, srcPlanes: readonly Plane[], dst: Uint8Array, dstPlanes: readonly Plane[], mask: Mask | null, bg: Background): void;
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

/** Bilinear upsample of one grid row into dst[x·nc] for x in [from, to), one grid interval at a time. */
function upsample(row: Float32Array, x0: Int32Array, wx: Float32Array, dst: Uint8Array, di: number, nc: number, from: number, to: number): void {
  let x = from;
  while (x < to) {
    const i = x0[x]!;
    const l = row[i]!;
    const d = row[i + 1]! - l;
    // Pixels of this interval share i: only the weight changes.
    do {
      dst[di + x * nc] = (l + d * wx[x]! + 0.5) | 0;
      x++;
    } while (x < to && x0[x] === i);
  }
}

/** Create the stage with an alpha sampler. */
export function createCpuBlendStage(alpha: AlphaSampler): CpuBlendStage {
  let rowBuf = new Float32Array(0);
  const xmaps = new Map<string, XMap>();

  return {
    render(src, srcPlanes, dst, dstPlanes, mask, bg) {
      for (let pi = 0; pi < srcPlanes.length; pi++) {
        const sp = srcPlanes[pi]!;
        const dp = dstPlanes[pi]!;
        const { width: w, height: h, channels: nc, colourChannels: cc } = sp;
        // Planes of one size (I420's U and V) share one preparation.
        if (pi === 0 || w !== srcPlanes[pi - 1]!.width || h !== srcPlanes[pi - 1]!.height) alpha.prepare(mask, w, h);
        let xm: XMap | undefined;
        if (bg.kind === 'low') {
          const key = `${w}:${bg.grid.width}`;
          xm = xmaps.get(key);
          if (!xm) xmaps.set(key, (xm = gridXMap(w, bg.grid.width)));
          if (rowBuf.length < bg.grid.width + 1) rowBuf = new Float32Array(bg.grid.width + 1);
        }
        const gRow = rowBuf;
        for (let y = 0; y < h; y++) {
          const { alpha: a, runs, runCount } = alpha.row(y);
          const so = sp.offset + y * sp.stride;
          const d0 = dp.offset + y * dp.stride;
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
            } else {
              // Low-res grid: vertical lerp once per row, horizontal per pixel.
              const g = bg.grid;
              const grid = g.channels[pi]![c]!;
              const fy = Math.min(g.height - 1, Math.max(0, ((y + 0.5) * g.height) / h - 0.5));
              const gy0 = Math.min(Math.max(0, g.height - 2), Math.floor(fy));
              const wy = g.height > 1 ? fy - gy0 : 0;
              const r0 = gy0 * g.width;
              const r1 = Math.min(g.height - 1, gy0 + 1) * g.width;
              const gw = g.width;
              for (let gx = 0; gx < gw; gx++) gRow[gx] = grid[r0 + gx]! + (grid[r1 + gx]! - grid[r0 + gx]!) * wy;
              gRow[gw] = gRow[gw - 1]!;
            }
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
                } else {
                  upsample(gRow, xm!.x0, xm!.wx, dst, di, nc, from, to);
                }
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
                const { x0, wx } = xm!;
                for (let x = from; x < to; x++) {
                  const al = a[x]!;
                  if (al === 256) {
                    dst[di + x * nc] = src[si + x * nc]!;
                    continue;
                  }
                  const i = x0[x]!;
                  const l = gRow[i]!;
                  const g = (l + (gRow[i + 1]! - l) * wx[x]! + 0.5) | 0;
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
