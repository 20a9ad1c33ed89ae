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
import { prepareEffect, type PreparedEffect } from '../effect-source.js';
import type { Compositor } from '../types.js';
import { createFrameStage, textureFrameBinder, type FrameBinder, type FrameStage } from './frame-stage.js';
import type { GpuFrame, GpuMask } from '../../gpu/frame.js';
import type { GpuSession } from '../../gpu/session.js';
import { BlendMode, createBlendStage, fitRect, PERSON_EDGES, type BlendStage } from './blend-stage.js';
import { createBlurStage, type BlurStage } from './blur-stage.js';
import { createGlContext, type GlContext, type Target } from './gl.js';
import { createWeightStage, type WeightStage } from './weight-stage.js';

/** Low-resolution blur buffer height: blur cost is independent of the camera resolution. */
export const BLUR_BUFFER_HEIGHT = 180;

/** GL objects of one context; rebuilt after a context restore. */
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
}


/** What a compositor core draws on, and how it gets its frame and mask to the GPU. */
interface CoreHost<F, M> {
  readonly gl: WebGL2RenderingContext;
  readonly canvas: OffscreenCanvas;
  /** Throw a CompositorError unless the context is usable now. */
  check(): void;
  /** A generation number: resources of another generation are rebuilt. */
  readonly generation: number;
  /** Run our GL calls (a shared context restores its owner's state afterwards). */
  run<T>(fn: () => T): T;
  /** A tracker for the core's objects. */
  tracker(): GlContext;
  /** Mask values between which the person fades in. */
  readonly edges: readonly [number, number];
  /** Put the frame where `frame`'s binder reads it (planes upload, or nothing for a texture). */
  frame(r: Resources, frame: F): FrameBinder;
  /** The texture holding `mask` (uploaded into `r.mask`, or the mask's own texture). */
  mask(r: Resources, mask: M): WebGLTexture;
  /** Whether to ask `gl.getError()` after drawing (a synchronous round trip; off on the GPU-resident path). */
  readonly checkErrors: boolean;
  /** Release the host's own listeners. */
  dispose(): void;
}

/** The compositor logic shared by both WebGL compositors (see the module comment). */
function createCore<F extends { width: number; height: number }, M>(host: CoreHost<F, M>): Compositor<F, M> {
  const { gl, canvas } = host;
  let res: (Resources & { generation: number }) | null = null;
  let disposed = false;
  let current: PreparedEffect = { effect: { type: 'blur', radius: 24 }, color: [0, 0, 0], image: null };
  let uploadedImage: ImageBitmap | null = null;
  let rendered = false;
  let edges = host.edges;

  function resources(): Resources {
    if (disposed) throw new CompositorError('Compositor was disposed.');
    host.check();
    if (!res || res.generation !== host.generation) {
      res?.ctx.dispose(); // its objects died with the old context; this settles the bookkeeping
      uploadedImage = null;
      const ctx = host.tracker();
      res = {
        ctx, frame: createFrameStage(ctx), mask: ctx.texture(), background: ctx.texture(),
        weight: createWeightStage(ctx), blur: createBlurStage(ctx), blend: createBlendStage(ctx),
        lowA: undefined, lowB: undefined, generation: host.generation,
      };
    }
    return res;
  }

  function upload(tex: WebGLTexture, source: TexImageSource): void {
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
    gl.pixelStorei(gl.UNPACK_ROW_LENGTH, 0);
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, source);
  }

  function draw(r: Resources, frame: F, mask: M | null): void {
    const { effect } = current;
    const { width, height } = frame;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const binder = host.frame(r, frame);
    const veil = mask === null;
    if (effect.type === 'none') {
      r.blend.render(binder, r.mask, null, width, height, { mode: BlendMode.Passthrough, veil, color: [0, 0, 0], bgRect: [1, 1, 0, 0], edges });
      return;
    }
    // Veiled: the mask texture is never read (u_veil), but a texture must be bound.
    const maskTex = mask === null ? r.mask : host.mask(r, mask);
    let bg: WebGLTexture | null = null;
    let mode: BlendMode = BlendMode.Color;
    let bgRect: [number, number, number, number] = [1, 1, 0, 0];
    if (effect.type === 'blur') {
      const lowH = Math.min(height, BLUR_BUFFER_HEIGHT);
      const lowW = Math.max(1, Math.round((width * lowH) / height));
      r.lowA = r.ctx.target(lowW, lowH, r.lowA);
      r.lowB = r.ctx.target(lowW, lowH, r.lowB);
      r.weight.render(binder, maskTex, r.lowA, width, height, veil);
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
    r.blend.render(binder, maskTex, bg, width, height, { mode, veil, color: current.color, bgRect, edges });
  }

  return {
    kind: 'webgl',
    get effect() {
      return current.effect;
    },

    setEdges(next: readonly [number, number]): void {
      edges = next;
    },

    async setEffect(effect: Effect): Promise<void> {
      const next = await prepareEffect(effect);
      if (disposed) {
        next.image?.close();
        return;
      }
      const previous = current;
      current = next; // atomic swap between frames: no frame is drawn without an effect
      if (previous.image && previous.image !== next.image) previous.image.close();
    },

    render(frame: F, mask: M | null): void {
      rendered = false;
      const r = resources();
      host.run(() => draw(r, frame, mask));
      // Submit the commands now (the output VideoFrame waits on them); getError, a synchronous
      // round trip, flushes too, flush alone does not wait.
      const error = host.checkErrors ? gl.getError() : (gl.flush(), gl.NO_ERROR);
      if (error === gl.CONTEXT_LOST_WEBGL || gl.isContextLost()) {
        throw new CompositorError('WebGL context lost while drawing; the frame is withheld.');
      }
      rendered = true;
    },

    toVideoFrame(timestamp: number): VideoFrame {
      if (!rendered || gl.isContextLost()) throw new CompositorError('No rendered frame to output.');
      return new VideoFrame(canvas, { timestamp, alpha: 'discard' });
    },

    dispose(): void {
      if (disposed) return;
      disposed = true;
      host.dispose();
      res?.ctx.dispose(); // deleting objects of a lost context is a no-op
      res = null;
      current.image?.close();
    },
  };
}

/**
 * Create a WebGL2 compositor drawing onto its own OffscreenCanvas from CPU planes and a CPU mask;
 * the person fades in between mask values `edges` (default {@link PERSON_EDGES}).
 */
export function createWebGLCompositor(edges: readonly [number, number] = PERSON_EDGES): Compositor {
  const canvas = new OffscreenCanvas(2, 2);
  const gl = canvas.getContext('webgl2', {
    alpha: false, antialias: false, depth: false, stencil: false, premultipliedAlpha: false,
    preserveDrawingBuffer: false, powerPreference: 'high-performance',
  });
  if (!gl) throw new UnsupportedEnvironmentError(['WebGL2'], 'The compositor needs WebGL2.');
  let lost = false;
  let generation = 0;
  const onLost = (e: Event): void => {
    e.preventDefault(); // allow restoration
    lost = true;
  };
  const onRestored = (): void => {
    lost = false;
    generation++; // the objects are gone with the context: rebuild them
  };
  canvas.addEventListener('webglcontextlost', onLost);
  canvas.addEventListener('webglcontextrestored', onRestored);
  debugHooks.webglCanvases.add(canvas);
  return createCore<FramePixels, Mask>({
    gl, canvas, checkErrors: true, edges,
    get generation() {
      return generation;
    },
    check() {
      if (lost || gl.isContextLost()) throw new CompositorError('WebGL context lost; frames are withheld until it is restored.');
    },
    run: (fn) => fn(),
    tracker: () => createGlContext(gl),
    frame(r, frame) {
      r.frame.upload(frame);
      return r.frame;
    },
    mask(r, mask) {
      gl.pixelStorei(gl.UNPACK_ROW_LENGTH, 0);
      gl.bindTexture(gl.TEXTURE_2D, r.mask);
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.R8, mask.width, mask.height, 0, gl.RED, gl.UNSIGNED_BYTE, mask.data);
      return r.mask;
    },
    dispose() {
      canvas.removeEventListener('webglcontextlost', onLost);
      canvas.removeEventListener('webglcontextrestored', onRestored);
      debugHooks.webglCanvases.delete(canvas);
    },
  });
}

/**
 * The GPU-resident compositor: draws with tfjs's own context onto tfjs's canvas (resized to the
 * frame), from the camera texture and the refined mask texture; the output VideoFrame is made
 * from that canvas. Context loss is the session's (see src/gpu/session.ts).
 */
export function createResidentCompositor(session: GpuSession, edges: readonly [number, number] = PERSON_EDGES): Compositor<GpuFrame, GpuMask> {
  let current: GpuFrame | null = null;
  let binder: { generation: number; binder: FrameBinder } | null = null;
  return createCore<GpuFrame, GpuMask>({
    gl: session.gl, canvas: session.canvas, checkErrors: false, edges,
    get generation() {
      return session.generation;
    },
    check: () => session.check(),
    run: (fn) => session.run(fn),
    tracker: () => session.tracker(),
    frame(r, frame) {
      current = frame;
      if (binder?.generation !== session.generation) {
        binder = { generation: session.generation, binder: textureFrameBinder(r.ctx, () => current!.texture) };
      }
      return binder.binder;
    },
    mask(_r, mask) {
      if (mask.layout !== 'r') throw new CompositorError('The compositor samples refined masks (layout \'r\'); refine the model\'s mask first.');
      return mask.texture;
    },
    dispose() {
      current = null;
    },
  });
}
