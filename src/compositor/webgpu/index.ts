/**
 * The WebGPU compositor (GPU-resident path only): from the camera texture and the refined mask
 * texture, builds the effect's background and blends, on tfjs's device, into an OffscreenCanvas
 * with a `webgpu` context (resized to each frame); the output VideoFrame is made from that
 * canvas. Stages, in order: weight (masked downsample) → blur → blend; the WGSL twins of the
 * WebGL compositor's stages, with the same parameters (edges, blur buffer height, sigma).
 *
 * The frame's refine dispatches (recorded by the refiner) and these passes are one command
 * buffer, submitted in `render` inside error scopes: an invalid command buffer runs none of it,
 * and the error marks the session lost (frames are withheld from then on). `toVideoFrame` refuses
 * while the session is lost.
 *
 * Ownership: this compositor creates and destroys every GPU object it uses (through its tracker)
 * and the effect images; it never closes the frames it is given (the pipeline owns them).
 */
import { CompositorError, UnsupportedEnvironmentError } from '../../errors.js';
import type { WebGpuFrame, WebGpuMask } from '../../gpu/webgpu/frame.js';
import type { GpuContext, GpuTarget } from '../../gpu/webgpu/gpu.js';
import { replaceTfjsWebgpuBackend, type WebGpuSession } from '../../gpu/webgpu/session.js';
import type { Effect } from '../../options.js';
import { prepareEffect, type PreparedEffect } from '../effect-source.js';
import type { Compositor } from '../types.js';
import { BLUR_BUFFER_HEIGHT } from '../webgl/index.js';
import { BlendMode, createBlendStage, fitRect, PERSON_EDGES, type BlendStage } from './blend-stage.js';
import { createBlurStage, type BlurStage } from './blur-stage.js';
import { createWeightStage, LOW_FORMAT, type WeightStage } from './weight-stage.js';

/** GPU objects on one device; rebuilt after the device is replaced. */
interface Resources {
  ctx: GpuContext;
  generation: number;
  weight: WeightStage;
  blur: BlurStage;
  blend: BlendStage;
  /** 1×1 stand-in bound where a pass reads no mask or no background. */
  blank: GpuTarget;
  background: GpuTarget | undefined;
  lowA: GpuTarget | undefined;
  lowB: GpuTarget | undefined;
}


/** The WebGPU compositor, plus the start-up check that its canvas can present on this device. */
export interface WebGpuCompositor extends Compositor<WebGpuFrame, WebGpuMask> {
  /**
   * Draw one black frame on the canvas, make a VideoFrame of it and wait for the device: on some
   * software adapters (Chromium's SwiftShader WebGPU without Vulkan) a WebGPU canvas's
   * `getCurrentTexture` loses the device. Then tfjs's backend is rebuilt (so the page's tfjs
   * keeps working) and this rejects with an `UnsupportedEnvironmentError`.
   */
  probe(): Promise<void>;
  /**
   * Create this device's pipelines now (they compile in the GPU process before the device's next
   * work completes), so the first frame after start or after a rebuild does not pay for them.
   */
  prepare(): void;
}

const LOW_USAGE = GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.TEXTURE_BINDING;
const IMAGE_USAGE = GPUTextureUsage.COPY_DST | GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.TEXTURE_BINDING;
/** How long the probe waits for a loss to show after its frame completed. */
const PROBE_GRACE_MS = 100;

/**
 * Create the WebGPU compositor on `session`; the person fades in between mask values `edges`
 * (default {@link PERSON_EDGES}).
 * @throws UnsupportedEnvironmentError when no `webgpu` canvas context can be made
 */
export function createWebGpuCompositor(session: WebGpuSession, edges: readonly [number, number] = PERSON_EDGES): WebGpuCompositor {
  const canvas = new OffscreenCanvas(2, 2);
  const made: unknown = canvas.getContext('webgpu');
  if (typeof GPUCanvasContext !== 'function' || !(made instanceof GPUCanvasContext)) {
    throw new UnsupportedEnvironmentError(['WebGPU canvas'], 'OffscreenCanvas has no webgpu context here.');
  }
  const context = made;
  const format = navigator.gpu.getPreferredCanvasFormat();
  let res: Resources | null = null;
  let configured: GPUDevice | null = null;
  let disposed = false;
  let current: PreparedEffect = { effect: { type: 'blur', radius: 24 }, color: [0, 0, 0], image: null };
  let uploadedImage: ImageBitmap | null = null;
  let rendered = false;
  let personEdges = edges;

  function resources(): Resources {
    if (disposed) throw new CompositorError('Compositor was disposed.');
    session.check();
    return build();
  }

  /** This generation's GPU objects (created on first use, or by `prepare`), the canvas configured for its device. */
  function build(): Resources {
    if (!res || res.generation !== session.generation) {
      res?.ctx.dispose(); // its objects died with the old device; this settles the bookkeeping
      uploadedImage = null;
      const ctx = session.tracker();
      res = {
        ctx, generation: session.generation, weight: createWeightStage(ctx), blur: createBlurStage(ctx), blend: createBlendStage(ctx, format),
        blank: ctx.target(1, 1, 'rgba8unorm', IMAGE_USAGE), background: undefined, lowA: undefined, lowB: undefined,
      };
    }
    if (configured !== session.device) {
      context.configure({ device: session.device, format, alphaMode: 'opaque', usage: GPUTextureUsage.RENDER_ATTACHMENT });
      configured = session.device;
    }
    return res;
  }

  /** Copy an image source into `r.background` (sized to it). */
  function upload(r: Resources, source: ImageBitmap | HTMLVideoElement, width: number, height: number): GpuTarget {
    r.background = r.ctx.target(width, height, 'rgba8unorm', IMAGE_USAGE, r.background);
    const t = r.background;
    session.device.queue.copyExternalImageToTexture({ source }, { texture: t.texture }, [width, height]);
    return t;
  }

  function draw(r: Resources, frame: WebGpuFrame, mask: WebGpuMask | null): void {
    const { effect } = current;
    const { width, height } = frame;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    if (mask && mask.kind !== 'texture') throw new CompositorError('The compositor samples refined masks; refine the model\'s mask first.');
    const encoder = session.encoder();
    const veil = mask === null;
    // Veiled: the mask is never read (veil), but a texture must be bound.
    const maskView = mask?.kind === 'texture' ? mask.view : r.blank.view;
    let bg = r.blank.view;
    let mode: BlendMode = effect.type === 'none' ? BlendMode.Passthrough : BlendMode.Color;
    let bgRect: [number, number, number, number] = [1, 1, 0, 0];
    if (effect.type === 'blur') {
      const lowH = Math.min(height, BLUR_BUFFER_HEIGHT);
      const lowW = Math.max(1, Math.round((width * lowH) / height));
      r.lowA = r.ctx.target(lowW, lowH, LOW_FORMAT, LOW_USAGE, r.lowA);
      r.lowB = r.ctx.target(lowW, lowH, LOW_FORMAT, LOW_USAGE, r.lowB);
      r.weight.render(encoder, frame.view, maskView, r.lowA, width, height, veil);
      // radius is in pixels at 720p: sigma = radius/2 there, scaled into low-res texels.
      const sigma = ((effect.radius ?? 24) / 2) * (height / 720) * (lowH / height);
      r.blur.render(encoder, r.lowA, r.lowB, Math.max(0.5, sigma));
      bg = r.lowA.view;
      mode = BlendMode.Blur;
    } else if (effect.type === 'image' && current.image) {
      const image = current.image;
      if (uploadedImage !== image || !r.background) {
        upload(r, image, image.width, image.height);
        uploadedImage = image;
      }
      bg = r.background!.view;
      mode = BlendMode.Texture;
      bgRect = fitRect(effect.fit ?? 'cover', width, height, image.width, image.height);
    } else if (effect.type === 'video' && effect.source.readyState >= 2 && effect.source.videoWidth > 0) {
      const video = effect.source;
      bg = upload(r, video, video.videoWidth, video.videoHeight).view;
      uploadedImage = null;
      mode = BlendMode.Texture;
      bgRect = fitRect(effect.fit ?? 'cover', width, height, video.videoWidth, video.videoHeight);
    }
    // A video background that has no frame yet falls back to the colour (black): still protected.
    const out = context.getCurrentTexture().createView();
    r.blend.render(encoder, frame.view, maskView, bg, out, { mode, veil, color: current.color, bgRect, edges: personEdges });
  }

  return {
    kind: 'webgpu',
    get effect() {
      return current.effect;
    },

    setEdges(next: readonly [number, number]): void {
      personEdges = next;
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

    render(frame: WebGpuFrame, mask: WebGpuMask | null): void {
      rendered = false;
      const r = resources();
      try {
        const { errors } = session.scoped(() => draw(r, frame, mask));
        void errors.then((e) => {
          if (e) session.fail(e);
        });
      } catch (cause) {
        session.discard();
        throw cause instanceof CompositorError ? cause : new CompositorError(`WebGPU compositing failed: ${String(cause)}`, { cause });
      }
      void session.submit(); // its errors mark the session lost; this frame's output is black then
      if (session.lost) throw new CompositorError('WebGPU device lost while drawing; the frame is withheld.');
      rendered = true;
    },

    toVideoFrame(timestamp: number): VideoFrame {
      if (!rendered || session.lost) throw new CompositorError('No rendered frame to output.');
      return new VideoFrame(canvas, { timestamp, alpha: 'discard' });
    },

    prepare(): void {
      if (!disposed) build();
    },

    async probe(): Promise<void> {
      const device = session.device;
      const saved = current;
      let failure: unknown = null;
      try {
        const r = resources();
        current = { effect: { type: 'color', color: '#000' }, color: [0, 0, 0], image: null };
        session.scoped(() => draw(r, { texture: r.blank.texture, view: r.blank.view, width: 16, height: 16 }, null));
        void session.submit();
        new VideoFrame(canvas, { timestamp: 0, alpha: 'discard' }).close();
        // Here (SwiftShader without Vulkan) the device is lost right after, and onSubmittedWorkDone rejects.
        const lost = await Promise.race([
          device.queue.onSubmittedWorkDone().then(() => new Promise<boolean>((ok) => setTimeout(() => ok(false), PROBE_GRACE_MS)), () => true),
          device.lost.then(() => true),
        ]);
        if (lost || session.lost) failure = session.lastFailure ?? 'the device was lost';
      } catch (cause) {
        failure = cause;
      } finally {
        current = saved;
      }
      if (failure === null) return;
      await replaceTfjsWebgpuBackend(device).catch(() => {}); // keep the page's tfjs usable
      throw new UnsupportedEnvironmentError(['WebGPU canvas'],
        'A WebGPU canvas cannot present on this adapter: drawing to it lost the device. On Chromium with SwiftShader (no GPU), start it with --enable-features=Vulkan --use-vulkan=swiftshader, or use compositor \'cpu\'.',
        { cause: failure });
    },

    dispose(): void {
      if (disposed) return;
      disposed = true;
      res?.ctx.dispose();
      res = null;
      if (configured) context.unconfigure();
      configured = null;
      current.image?.close();
    },
  };
}
