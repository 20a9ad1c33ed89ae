/**
 * The CPU blend: for every plane and channel, out = bg + alpha·(src − bg) in fixed point, with
 * alpha from the upsampled mask. Outside a row's person span the background is written with
 * native fills and copies; inside it, one fused loop. Blending YUV equals blending RGB (the
 * transform is affine), so the frame never leaves its own pixel format.
 */
import type { Mask } from '../../segmenter/types.js';
import type { AlphaSampler } from './alpha-stage.js';
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

/** Bilinear upsample of one grid row into dst[x·nc] for x in [from, to). */
function upsample(row: Float32Array, x0: Int32Array, wx: Float32Array, dst: Uint8Array, di: number, nc: number, from: number, to: number): void {
  for (let x = from; x < to; x++) {
    const i = x0[x]!;
    const l = row[i]!;
    dst[di + x * nc] = (l + (row[i + 1]! - l) * wx[x]! + 0.5) | 0;
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
        alpha.prepare(mask, w, h);
        let xm: XMap | undefined;
        if (bg.kind === 'low') {
          const key = `${w}:${bg.grid.width}`;
          xm = xmaps.get(key);
          if (!xm) xmaps.set(key, (xm = gridXMap(w, bg.grid.width)));
          if (rowBuf.length < bg.grid.width + 1) rowBuf = new Float32Array(bg.grid.width + 1);
        }
        const gRow = rowBuf;
        for (let y = 0; y < h; y++) {
          const { alpha: a, start, end } = alpha.row(y);
          const so = sp.offset + y * sp.stride;
          const d0 = dp.offset + y * dp.stride;
          for (let c = 0; c < nc; c++) {
            const si = so + c;
            const di = d0 + c;
            if (c >= cc) {
              for (let x = 0; x < w; x++) dst[di + x * nc] = 255; // RGBA alpha: opaque
              continue;
            }
            if (bg.kind === 'constant') {
              const v = bg.values[pi]![c]!;
              if (nc === 1) {
                dst.fill(v, di, di + start);
                dst.fill(v, di + end, di + w);
              } else {
                for (let x = 0; x < start; x++) dst[di + x * nc] = v;
                for (let x = end; x < w; x++) dst[di + x * nc] = v;
              }
              for (let x = start; x < end; x++) {
                const al = a[x]!;
                const s = src[si + x * nc]!;
                dst[di + x * nc] = al === 256 ? s : v + (((s - v) * al + 128) >> 8);
              }
            } else if (bg.kind === 'planes') {
              const bp = bg.planes[pi]!;
              const bi = bp.offset + y * bp.stride + c;
              const bd = bg.data;
              if (nc === 1) {
                dst.set(bd.subarray(bi, bi + start), di);
                dst.set(bd.subarray(bi + end, bi + w), di + end);
              } else {
                for (let x = 0; x < start; x++) dst[di + x * nc] = bd[bi + x * nc]!;
                for (let x = end; x < w; x++) dst[di + x * nc] = bd[bi + x * nc]!;
              }
              for (let x = start; x < end; x++) {
                const al = a[x]!;
                const s = src[si + x * nc]!;
                const v = bd[bi + x * nc]!;
                dst[di + x * nc] = al === 256 ? s : v + (((s - v) * al + 128) >> 8);
              }
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
              const { x0, wx } = xm!;
              upsample(gRow, x0, wx, dst, di, nc, 0, start);
              upsample(gRow, x0, wx, dst, di, nc, end, w);
              for (let x = start; x < end; x++) {
                const al = a[x]!;
                if (al === 256) {
                  dst[di + x * nc] = src[si + x * nc]!;
                  continue;
                }
                const i = x0[x]!;
                const l = gRow[i]!;
                const v = (l + (gRow[i + 1]! - l) * wx[x]! + 0.5) | 0;
                dst[di + x * nc] = v + (((src[si + x * nc]! - v) * al + 128) >> 8);
              }
            }
          }
        }
      }
    },
  };
}
