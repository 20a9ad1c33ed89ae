/**
 * Plane geometry for the CPU compositor: which planes a pixel format has, their sizes, and how
 * many interleaved channels each carries.
 */
import type { FramePixels, PixelFormat } from '../../frame/pixels.js';

/** One plane of a frame. */
export interface Plane {
  /** Byte offset of the plane in its buffer. */
  offset: number;
  /** Bytes per row. */
  stride: number;
  /** Pixels per row / rows. */
  width: number;
  height: number;
  /** Interleaved channels per pixel (1 Y/U/V, 2 NV12 UV, 4 RGBA). */
  channels: number;
  /** Channels that carry colour (RGBA: 3; the 4th is left opaque). */
  colourChannels: number;
  /** 1 for full resolution, 2 for 4:2:0 chroma. */
  subsample: number;
}

/** Planes of a frame in a given buffer layout. */
export function planesOf(format: PixelFormat, width: number, height: number, layout: ReadonlyArray<{ offset: number; stride: number }>): Plane[] {
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  const l = (i: number): { offset: number; stride: number } => layout[i]!;
  switch (format) {
    case 'RGBA':
    case 'BGRA':
      return [{ ...l(0), width, height, channels: 4, colourChannels: 3, subsample: 1 }];
    case 'I420':
      return [
        { ...l(0), width, height, channels: 1, colourChannels: 1, subsample: 1 },
        { ...l(1), width: cw, height: ch, channels: 1, colourChannels: 1, subsample: 2 },
        { ...l(2), width: cw, height: ch, channels: 1, colourChannels: 1, subsample: 2 },
      ];
    case 'NV12':
      return [
        { ...l(0), width, height, channels: 1, colourChannels: 1, subsample: 1 },
        { ...l(1), width: cw, height: ch, channels: 2, colourChannels: 2, subsample: 2 },
      ];
  }
}

/** A tightly packed layout for `format` at `width`×`height`, and its total size. */
export function packedLayout(format: PixelFormat, width: number, height: number): { layout: Array<{ offset: number; stride: number }>; size: number } {
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  switch (format) {
    case 'RGBA':
    case 'BGRA':
      return { layout: [{ offset: 0, stride: width * 4 }], size: width * height * 4 };
    case 'I420':
      return {
        layout: [{ offset: 0, stride: width }, { offset: width * height, stride: cw }, { offset: width * height + cw * ch, stride: cw }],
        size: width * height + 2 * cw * ch,
      };
    case 'NV12':
      return { layout: [{ offset: 0, stride: width }, { offset: width * height, stride: cw * 2 }], size: width * height + cw * ch * 2 };
  }
}

/** Convert 0..255 RGB into the frame's channel values, plane by plane (e.g. Y, U, V). */
export function rgbToPlaneValues(frame: Pick<FramePixels, 'format' | 'matrix' | 'fullRange'>, r: number, g: number, b: number): number[][] {
  if (frame.format === 'RGBA') return [[r, g, b, 255]];
  if (frame.format === 'BGRA') return [[b, g, r, 255]];
  const [kr, kb] = frame.matrix === 'bt709' ? [0.2126, 0.0722] : [0.299, 0.114];
  const kg = 1 - kr - kb;
  const y = kr * r + kg * g + kb * b;
  const u = (b - y) / (2 * (1 - kb));
  const v = (r - y) / (2 * (1 - kr));
  const Y = frame.fullRange ? y : 16 + (y * 219) / 255;
  const U = 128 + (frame.fullRange ? u : (u * 224) / 255);
  const V = 128 + (frame.fullRange ? v : (v * 224) / 255);
  const c = (x: number): number => Math.max(0, Math.min(255, Math.round(x)));
  return frame.format === 'I420' ? [[c(Y)], [c(U)], [c(V)]] : [[c(Y)], [c(U), c(V)]];
}
