/**
 * Camera frames as CPU pixel planes. On this path (wasm segmentation) a `VideoFrame.copyTo` is
 * the cheapest way to reach the pixels: measured 0.8 ms for a 720p I420 frame, against ~57 ms for
 * drawing the same frame into a canvas or texture and reading it back under a software GPU.
 * The compositor then uploads the planes as plain byte textures and converts colour in its shaders.
 */

/** Pixel layouts the pipeline understands. */
export type PixelFormat = 'I420' | 'NV12' | 'RGBA' | 'BGRA';

/** One frame's pixels in CPU memory. The buffer is owned by the {@link FrameReader} that filled it. */
export interface FramePixels {
  readonly format: PixelFormat;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  /** Byte offset and stride of each plane (1 for RGBA/BGRA, 2 for NV12, 3 for I420). */
  readonly planes: ReadonlyArray<{ offset: number; stride: number }>;
  /** YUV → RGB matrix for YUV formats. */
  readonly matrix: 'bt601' | 'bt709';
  /** True when YUV values use the full 0–255 range (else 16–235). */
  readonly fullRange: boolean;
  /** The source frame's colour space, carried to the output frame. */
  readonly colorSpace: VideoColorSpaceInit;
}

const FORMAT_MAP: Record<string, PixelFormat | undefined> = {
  I420: 'I420', I420A: 'I420', NV12: 'NV12', RGBA: 'RGBA', RGBX: 'RGBA', BGRA: 'BGRA', BGRX: 'BGRA',
};

/**
 * Reads frames into one reused buffer (`F`: CPU planes by default; a texture on the GPU-resident
 * path). The result is valid until the next call; the caller still closes the frame.
 */
export interface FrameReader<F = FramePixels> {
  /** Copy a frame's visible pixels into the reader's buffer (CPU memory or a texture). */
  read(frame: VideoFrame | HTMLCanvasElement): Promise<F>;
}

/** Create a reader with its own reusable buffer. */
export function createFrameReader(): FrameReader {
  let buffer = new Uint8Array(0);
  let ctx: CanvasRenderingContext2D | null = null;
  return {
    async read(frame): Promise<FramePixels> {
      if (typeof HTMLCanvasElement === 'function' && frame instanceof HTMLCanvasElement) {
        ctx ??= frame.getContext('2d', { willReadFrequently: true });
        const data = ctx!.getImageData(0, 0, frame.width, frame.height).data;
        return rgba(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), frame.width, frame.height);
      }
      const vf = frame as VideoFrame;
      const mapped = vf.format ? FORMAT_MAP[vf.format] : undefined;
      const width = vf.visibleRect?.width ?? vf.displayWidth;
      const height = vf.visibleRect?.height ?? vf.displayHeight;
      if (mapped) {
        const size = vf.allocationSize();
        if (buffer.byteLength < size) buffer = new Uint8Array(size);
        const layout = await vf.copyTo(buffer);
        const cs = vf.colorSpace;
        return {
          format: mapped,
          width,
          height,
          data: buffer,
          planes: layout.map((l) => ({ offset: l.offset, stride: l.stride })),
          matrix: cs?.matrix === 'bt709' ? 'bt709' : 'bt601',
          fullRange: cs?.fullRange === true,
          colorSpace: cs?.toJSON ? cs.toJSON() : {},
        };
      }
      // Unknown or GPU-only format: ask the browser to convert to RGBA.
      const size = width * height * 4;
      if (buffer.byteLength < size) buffer = new Uint8Array(size);
      const layout = await vf.copyTo(buffer, { format: 'RGBA' } as VideoFrameCopyToOptions);
      return { ...rgba(buffer, width, height), planes: layout.map((l) => ({ offset: l.offset, stride: l.stride })) };
    },
  };
}

function rgba(data: Uint8Array, width: number, height: number): FramePixels {
  return {
    format: 'RGBA', width, height, data, planes: [{ offset: 0, stride: width * 4 }], matrix: 'bt601', fullRange: true,
    colorSpace: { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true },
  };
}

/** YUV → RGB coefficients [rV, gU, gV, bU] for a matrix. */
export function yuvCoefficients(matrix: 'bt601' | 'bt709'): [number, number, number, number] {
  return matrix === 'bt709' ? [1.5748, -0.1873, -0.4681, 1.8556] : [1.402, -0.344136, -0.714136, 1.772];
}

/**
 * Resize (bilinear) and convert a frame into a `size`×`size` float RGB tensor buffer, 0..1,
 * stretching the frame to the square (as MediaPipe does). Reference CPU path for the segmenter.
 */
export function toModelInput(p: FramePixels, out: Float32Array, outW: number, outH: number): void {
  const { width: w, height: h, data } = p;
  const sx = w / outW;
  const sy = h / outH;
  const [rV, gU, gV, bU] = yuvCoefficients(p.matrix);
  const yScale = p.fullRange ? 1 / 255 : 1 / 219;
  const yOff = p.fullRange ? 0 : 16;
  const cScale = p.fullRange ? 1 / 255 : 1 / 224;
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  let j = 0;
  for (let oy = 0; oy < outH; oy++) {
    const fy = Math.min(h - 1, Math.max(0, (oy + 0.5) * sy - 0.5));
    const y0 = fy | 0;
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = fy - y0;
    for (let ox = 0; ox < outW; ox++) {
      const fx = Math.min(w - 1, Math.max(0, (ox + 0.5) * sx - 0.5));
      const x0 = fx | 0;
      const x1 = Math.min(w - 1, x0 + 1);
      const wx = fx - x0;
      let r: number, g: number, b: number;
      if (p.format === 'RGBA' || p.format === 'BGRA') {
        const { offset, stride } = p.planes[0]!;
        const i00 = offset + y0 * stride + x0 * 4, i01 = offset + y0 * stride + x1 * 4;
        const i10 = offset + y1 * stride + x0 * 4, i11 = offset + y1 * stride + x1 * 4;
        const c0 = lerp2(data[i00]!, data[i01]!, data[i10]!, data[i11]!, wx, wy);
        const c1 = lerp2(data[i00 + 1]!, data[i01 + 1]!, data[i10 + 1]!, data[i11 + 1]!, wx, wy);
        const c2 = lerp2(data[i00 + 2]!, data[i01 + 2]!, data[i10 + 2]!, data[i11 + 2]!, wx, wy);
        if (p.format === 'RGBA') { r = c0 / 255; g = c1 / 255; b = c2 / 255; }
        else { r = c2 / 255; g = c1 / 255; b = c0 / 255; }
      } else {
        const yp = p.planes[0]!;
        const Y = lerp2(
          data[yp.offset + y0 * yp.stride + x0]!, data[yp.offset + y0 * yp.stride + x1]!,
          data[yp.offset + y1 * yp.stride + x0]!, data[yp.offset + y1 * yp.stride + x1]!, wx, wy);
        // Chroma at half resolution: nearest chroma sample is enough for a 256×256 model input.
        const cx = Math.min(cw - 1, (fx * 0.5 + 0.25) | 0);
        const cy = Math.min(ch - 1, (fy * 0.5 + 0.25) | 0);
        let U: number, V: number;
        if (p.format === 'I420') {
          const up = p.planes[1]!, vp = p.planes[2]!;
          U = data[up.offset + cy * up.stride + cx]!;
          V = data[vp.offset + cy * vp.stride + cx]!;
        } else {
          const uv = p.planes[1]!;
          U = data[uv.offset + cy * uv.stride + cx * 2]!;
          V = data[uv.offset + cy * uv.stride + cx * 2 + 1]!;
        }
        const yy = (Y - yOff) * yScale;
        const u = (U - 128) * cScale;
        const v = (V - 128) * cScale;
        r = yy + rV * v;
        g = yy + gU * u + gV * v;
        b = yy + bU * u;
      }
      out[j++] = r < 0 ? 0 : r > 1 ? 1 : r;
      out[j++] = g < 0 ? 0 : g > 1 ? 1 : g;
      out[j++] = b < 0 ? 0 : b > 1 ? 1 : b;
    }
  }
}

function lerp2(a: number, b: number, c: number, d: number, wx: number, wy: number): number {
  const top = a + (b - a) * wx;
  const bottom = c + (d - c) * wx;
  return top + (bottom - top) * wy;
}
