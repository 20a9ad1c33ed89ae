/**
 * Turning effect sources into pixels: CSS colours into RGB, image sources into ImageBitmaps.
 */
import { InvalidOptionsError } from '../errors.js';
import type { Effect, ImageEffect } from '../options.js';

let colorCtx: OffscreenCanvasRenderingContext2D | null = null;

/**
 * Parse any CSS colour into linear-free 0..1 RGB using the browser's own parser.
 * @throws InvalidOptionsError (`effect.color`) when the browser does not understand it
 */
export function parseCssColor(color: string): [number, number, number] {
  colorCtx ??= new OffscreenCanvas(1, 1).getContext('2d', { willReadFrequently: true });
  const ctx = colorCtx;
  if (!ctx) throw new InvalidOptionsError('effect.color', ['a CSS colour string'], color, 'No 2D canvas to parse it.');
  // An unparseable colour leaves fillStyle unchanged: try two different sentinels.
  ctx.fillStyle = '#000000';
  ctx.fillStyle = color;
  const a = ctx.fillStyle;
  ctx.fillStyle = '#ffffff';
  ctx.fillStyle = color;
  const b = ctx.fillStyle;
  if (a !== b) throw new InvalidOptionsError('effect.color', ['a CSS colour string'], color);
  ctx.clearRect(0, 0, 1, 1);
  ctx.fillStyle = color;
  ctx.fillRect(0, 0, 1, 1);
  const d = ctx.getImageData(0, 0, 1, 1).data;
  return [d[0]! / 255, d[1]! / 255, d[2]! / 255];
}

/**
 * Decode an image effect's source into an ImageBitmap the caller owns (and must `close()`).
 * @throws InvalidOptionsError (`effect.source`) when it cannot be fetched or decoded
 */
export async function loadImageSource(source: ImageEffect['source']): Promise<ImageBitmap> {
  try {
    if (typeof source === 'string' || source instanceof URL) {
      const url = new URL(String(source), typeof location !== 'undefined' ? location.href : undefined).href;
      const response = await fetch(url, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
      return await createImageBitmap(await response.blob());
    }
    if (typeof HTMLImageElement === 'function' && source instanceof HTMLImageElement) await source.decode();
    return await createImageBitmap(source);
  } catch (cause) {
    throw new InvalidOptionsError('effect.source', ['a reachable, decodable image'], source instanceof Blob ? source : String(source),
      `Could not load it: ${String(cause)}`);
  }
}

/**
 * An effect prepared for a GPU compositor: its colour parsed, its image decoded. CPU-side, so it
 * survives a context or device loss. The holder owns `image` and closes it when replaced.
 */
export interface PreparedEffect {
  effect: Effect;
  color: [number, number, number];
  image: ImageBitmap | null;
}

/**
 * Prepare `effect` (colour → RGB, image → ImageBitmap; the others as they are; a video source is
 * read per frame by the compositor).
 * @throws InvalidOptionsError for a colour or image the browser cannot use
 */
export async function prepareEffect(effect: Effect): Promise<PreparedEffect> {
  switch (effect.type) {
    case 'color':
      return { effect, color: parseCssColor(effect.color), image: null };
    case 'image':
      return { effect, color: [0, 0, 0], image: await loadImageSource(effect.source) };
    default:
      return { effect, color: [0, 0, 0], image: null };
  }
}
