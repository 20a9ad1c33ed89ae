/**
 * The WebGL2 compositor: uploads the camera frame and the mask, builds the effect's background,
 * and blends. Stages, in order: weight (masked downsample) → blur → blend.
 *
 * Ownership: this compositor creates and deletes every GL object (through the context tracker);
 * it never closes the frames it is given (the pipeline owns them). On context loss it refuses to
 * render (the pipeline withholds frames) and rebuilds everything on restore.
 */
import { CompositorError, UnsupportedEnvironmentError } from '../../errors.js';
import { debugHooks } from '../../internal/debug.js';
import type { Effect } from '../../options.js';
import type { FramePixels } from '../../frame/pixels.js';
import type { Mask } from '../../segmenter/types.js';
import { loadImageSource, parseCssColor } from '../effect-source.js';
import type { Compositor } from '../types.js';
import { createFrameStage, type FrameStage } from './frame-stage.js';
import { BlendMode, createBlendStage, fitRect, type BlendStage } from './blend-stage.js';
import { createBlurStage, type BlurStage } from './blur-stage.js';
import { createGlContext, type GlContext, type Target } from './gl.js';
import { createWeightStage, type WeightStage } from './weight-stage.js';

/** Low-resolution blur buffer height: blur cost is independent of the camera resolution. */
export const BLUR_BUFFER_HEIGHT = 180;

interface Resources {
  ctx: GlContext;
  frame: FrameStage;
  mask: WebGLTexture;
  background: WebGLTexture;
  weight: WeightStage;
  blur: BlurStage;
  blend: BlendStage;
  lowA: Target | undefined;
  lowB: Target | undefined;
  backgroundSource: ImageBitmap | HTMLVideoElement | null;
}

/** A prepared effect: CPU-side, survives context loss. */
interface PreparedEffect {
  effect: Effect;
  color: [number, number, number];
  image: ImageBitmap | null;
}

/** Create a WebGL2 compositor drawing onto its own OffscreenCanvas. */
export function createWebGLCompositor(): Compositor {
  const canvas = new OffscreenCanvas(2, 2);
  const gl = canvas.getContext('webgl2', {
    alpha: false, antialias: false, depth: false, stencil: false, premultipliedAlpha: false,
    preserveDrawingBuffer: false, powerPreference: 'high-performance',
  }) as WebGL2RenderingContext | null;
  if (!gl) throw new UnsupportedEnvironmentError(['WebGL2'], 'The compositor needs WebGL2.');

  let res: Resources | null = null;
  let lost = false;
  let disposed = false;
  let current: PreparedEffect = { effect: { type: 'blur', radius: 24 }, color: [0, 0, 0], image: null };
  let uploadedImage: ImageBitmap | null = null;

  function build(): Resources {
    const ctx = createGlContext(gl!);
    const frame = createFrameStage(ctx);
    const mask = ctx.texture();
    const background = ctx.texture();
    return {
      ctx, frame, mask, background,
      weight: createWeightStage(ctx), blur: createBlurStage(ctx), blend: createBlendStage(ctx),
      lowA: undefined, lowB: undefined, backgroundSource: null,
    };
  }

  const onLost = (e: Event): void => {
    e.preventDefault(); // allow restoration
    lost = true;
    res = null; // the objects are gone with the context
    uploadedImage = null;
  };
  const onRestored = (): void => {
    lost = false;
  };
  canvas.addEventListener('webglcontextlost', onLost as EventListener);
  debugHooks.webglCanvases.add(canvas);
  canvas.addEventListener('webglcontextrestored', onRestored as EventListener);

  function resources(): Resources {
    if (disposed) throw new CompositorError('Compositor was disposed.');
    if (lost || gl!.isContextLost()) throw new CompositorError('WebGL context lost; frames are withheld until it is restored.');
    res ??= build();
    return res;
  }

  function upload(tex: WebGLTexture, source: TexImageSource): void {
    gl!.pixelStorei(gl!.UNPACK_ALIGNMENT, 4);
    gl!.bindTexture(gl!.TEXTURE_2D, tex);
    gl!.pixelStorei(gl!.UNPACK_FLIP_Y_WEBGL, false);
    gl!.texImage2D(gl!.TEXTURE_2D, 0, gl!.RGBA, gl!.RGBA, gl!.UNSIGNED_BYTE, source);
  }

  function uploadMask(tex: WebGLTexture, mask: Mask | null): void {
    gl!.pixelStorei(gl!.UNPACK_ROW_LENGTH, 0);
    gl!.bindTexture(gl!.TEXTURE_2D, tex);
    gl!.pixelStorei(gl!.UNPACK_ALIGNMENT, 1);
    if (mask) {
      gl!.texImage2D(gl!.TEXTURE_2D, 0, gl!.R8, mask.width, mask.height, 0, gl!.RED, gl!.UNSIGNED_BYTE, mask.data);
    } else {
      gl!.texImage2D(gl!.TEXTURE_2D, 0, gl!.R8, 1, 1, 0, gl!.RED, gl!.UNSIGNED_BYTE, new Uint8Array(1));
    }
  }

  let rendered = false;
  return {
    kind: 'webgl',
    get effect() {
      return current.effect;
    },

    async setEffect(effect: Effect): Promise<void> {
      let next: PreparedEffect;
      switch (effect.type) {
        case 'color':
          next = { effect, color: parseCssColor(effect.color), image: null };
          break;
        case 'image':
          next = { effect, color: [0, 0, 0], image: await loadImageSource(effect.source) };
          break;
        default:
          next = { effect, color: [0, 0, 0], image: null };
      }
      if (disposed) {
        next.image?.close();
        return;
      }
      const previous = current;
      current = next; // atomic swap between frames: no frame is drawn without an effect
      if (previous.image && previous.image !== next.image) previous.image.close();
    },

    render(frame: FramePixels, mask: Mask | null): void {
      const r = resources();
      const { effect } = current;
      const { width, height } = frame;
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
      }
      r.frame.upload(frame);
      const veil = mask === null;
      if (effect.type === 'none') {
        r.blend.render(r.frame, r.mask, null, width, height, { mode: BlendMode.Passthrough, veil, color: [0, 0, 0], bgRect: [1, 1, 0, 0] });
      } else {
        uploadMask(r.mask, mask);
        let bg: WebGLTexture | null = null;
        let mode: BlendMode = BlendMode.Color;
        let bgRect: [number, number, number, number] = [1, 1, 0, 0];
        if (effect.type === 'blur') {
          const lowH = Math.min(height, BLUR_BUFFER_HEIGHT);
          const lowW = Math.max(1, Math.round((width * lowH) / height));
          r.lowA = r.ctx.target(lowW, lowH, r.lowA);
          r.lowB = r.ctx.target(lowW, lowH, r.lowB);
          r.weight.render(r.frame, r.mask, r.lowA, width, height, veil);
          // radius is in pixels at 720p: sigma = radius/2 there, scaled into low-res texels.
          const sigma = ((effect.radius ?? 24) / 2) * (height / 720) * (lowH / height);
          r.blur.render(r.lowA, r.lowB, Math.max(0.5, sigma));
          bg = r.lowA.texture;
          mode = BlendMode.Blur;
        } else if (effect.type === 'image' && current.image) {
          if (uploadedImage !== current.image) {
            upload(r.background, current.image);
            uploadedImage = current.image;
          }
          bg = r.background;
          mode = BlendMode.Texture;
          bgRect = fitRect(effect.fit ?? 'cover', width, height, current.image.width, current.image.height);
        } else if (effect.type === 'video' && effect.source.readyState >= 2 && effect.source.videoWidth > 0) {
          upload(r.background, effect.source);
          uploadedImage = null;
          bg = r.background;
          mode = BlendMode.Texture;
          bgRect = fitRect(effect.fit ?? 'cover', width, height, effect.source.videoWidth, effect.source.videoHeight);
        }
        // A video background that has no frame yet falls back to the colour (black): still protected.
        r.blend.render(r.frame, r.mask, bg, width, height, { mode, veil, color: current.color, bgRect });
      }
      const error = gl.getError();
      if (error === gl.CONTEXT_LOST_WEBGL || gl.isContextLost()) {
        rendered = false;
        throw new CompositorError('WebGL context lost while drawing; the frame is withheld.');
      }
      rendered = true;
    },

    toVideoFrame(timestamp: number): VideoFrame {
      if (!rendered || lost) throw new CompositorError('No rendered frame to output.');
      return new VideoFrame(canvas, { timestamp, alpha: 'discard' });
    },

    dispose(): void {
      if (disposed) return;
      disposed = true;
      canvas.removeEventListener('webglcontextlost', onLost as EventListener);
      canvas.removeEventListener('webglcontextrestored', onRestored as EventListener);
      debugHooks.webglCanvases.delete(canvas);
      res?.ctx.dispose();
      res = null;
      current.image?.close();
    },
  };
}
