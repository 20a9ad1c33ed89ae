/**
 * `createPrivacyTrack`: builds the pipeline stage by stage, in order, and tears down whatever was
 * built if any step fails, so a rejection leaves nothing running.
 */
import { initBackend, resolveBackend } from './backends/index.js';
import { probeCapabilities, type Capabilities } from './capabilities.js';
import { createCompositor, resolveCompositor } from './compositor/index.js';
import type { PrivacyTrack } from './controller.js';
import { InvalidOptionsError, PrivacyTrackError, TrackEndedError, UnsupportedEnvironmentError } from './errors.js';
import { normalizeOptions, personEdges, type BackendName, type PrivacyTrackOptions, type TransportName, type TransportRequest } from './options.js';
import { Pipeline } from './pipeline.js';
import { createRefiner } from './refine/index.js';
import { createSegmenter, usesTfjs } from './segmenter/index.js';
import { createFrameSink } from './sink/index.js';
import { createFrameSource } from './source/index.js';
import { createFrameReader, type FrameReader } from './frame/pixels.js';
import type { Compositor } from './compositor/types.js';
import type { Refiner } from './refine/types.js';
import type { Segmenter } from './segmenter/types.js';
import { autoCompositor, residentPath } from './gpu/select.js';
import { startWorkerPipeline } from './worker/host.js';

/** The GPU-typed parts a resident path builds (src/gpu/, src/gpu/webgpu/). */
interface ResidentParts<F, M> {
  reader: FrameReader<F>;
  segmenter: Segmenter<F, M>;
  refiner: Refiner<F, M>;
  compositor: Compositor<F, M>;
}

/** Reads readyState afresh (TypeScript narrows it after the first check, but it changes over time). */
function trackEnded(track: MediaStreamTrack): boolean {
  return track.readyState === 'ended';
}

/** Pick a concrete transport, or throw when the browser has neither path. */
export function resolveTransport(request: TransportRequest, caps: Capabilities): TransportName {
  if (request === 'auto') {
    if (!caps.autoTransport) {
      throw new UnsupportedEnvironmentError(['MediaStreamTrackProcessor', 'requestVideoFrameCallback', 'HTMLCanvasElement.captureStream'],
        'This browser has neither insertable streams nor requestVideoFrameCallback + canvas.captureStream.');
    }
    return caps.autoTransport;
  }
  if (request === 'insertable-streams' && !caps.insertableStreams) {
    throw new UnsupportedEnvironmentError(['MediaStreamTrackProcessor', 'MediaStreamTrackGenerator'],
      'transport \'insertable-streams\' needs MediaStreamTrackProcessor and a track generator on the main thread.');
  }
  if (request === 'canvas' && !(caps.requestVideoFrameCallback && caps.canvasCaptureStream)) {
    throw new UnsupportedEnvironmentError(['requestVideoFrameCallback', 'HTMLCanvasElement.captureStream'],
      'transport \'canvas\' needs requestVideoFrameCallback and canvas.captureStream.');
  }
  return request;
}

/** Why worker mode cannot run with this configuration here, or null when it can. */
export function whyNoWorker(transport: TransportName, backend: BackendName, caps: Capabilities): UnsupportedEnvironmentError | null {
  if (transport !== 'insertable-streams') {
    return new UnsupportedEnvironmentError(['MediaStreamTrackProcessor'], 'worker mode needs the insertable-streams transport (its streams are what moves to the worker).');
  }
  if (!caps.workerStreams) {
    return new UnsupportedEnvironmentError(['transferable streams'], 'worker mode needs module workers and transferable ReadableStream/WritableStream.');
  }
  if (backend !== 'wasm') {
    return new UnsupportedEnvironmentError(['wasm'], `worker mode runs the wasm backend; backend '${backend}' stays on the main thread (use worker: false).`);
  }
  return null;
}

/**
 * Protect a camera track: returns a new `MediaStreamTrack` in which only the person is visible
 * and the background is blurred or replaced, computed on this device.
 *
 * Resolves once the model is loaded and the first protected frame exists. Rejects with
 * `InvalidOptionsError`, `UnsupportedEnvironmentError`, `ModelLoadError` or `TrackEndedError`,
 * leaving nothing running. The input track stays owned by the caller: stopping the output does
 * not stop the camera; the input ending ends the output.
 *
 * @example
 * ```ts
 * const track = await createPrivacyTrack(camera, { effect: { type: 'blur' } });
 * pc.addTrack(track);
 * ```
 */
export async function createPrivacyTrack(input: MediaStreamTrack, options?: PrivacyTrackOptions): Promise<PrivacyTrack> {
  if (typeof MediaStreamTrack !== 'function' || !(input instanceof MediaStreamTrack)) {
    throw new InvalidOptionsError('input', ['a video MediaStreamTrack'], input);
  }
  if (input.kind !== 'video') throw new InvalidOptionsError('input', ['a video MediaStreamTrack'], `a ${input.kind} track`);
  const opts = normalizeOptions(options);
  if (input.readyState === 'ended') throw new TrackEndedError('The input track has already ended.');

  const caps = probeCapabilities();
  const transport = resolveTransport(opts.transport, caps);
  // 'selfie-landscape' runs MediaPipe's own WebGL graph; tfjs is not started for it.
  const tfjs = usesTfjs(opts.model);
  if (!tfjs && !caps.webgl2) throw new UnsupportedEnvironmentError(['WebGL2'], 'model \'selfie-landscape\' needs WebGL.');
  let backend: BackendName = tfjs ? resolveBackend(opts.backend, caps) : 'webgl';
  let compositorKind = opts.compositor === 'auto' ? autoCompositor(backend, opts.model, opts.people, caps) : resolveCompositor(opts.compositor, caps);
  if (typeof VideoFrame !== 'function') throw new UnsupportedEnvironmentError(['VideoFrame'], 'The pipeline needs WebCodecs VideoFrame.');

  // Worker mode: the same pipeline in a dedicated worker (src/worker/), where the browser allows it.
  const workerBlocker = opts.worker === false ? null : whyNoWorker(transport, backend, caps);
  if (opts.worker === true && workerBlocker) throw workerBlocker;
  if (opts.worker !== false && !workerBlocker) {
    const track = await startWorkerPipeline(input, opts, { compositor: compositorKind, required: opts.worker === true });
    if (track) return track;
    // 'auto' and the worker script could not be loaded: run on the main thread.
  }

  // Built in order; on failure, undone in reverse.
  const undo: Array<() => void> = [];
  const cleanup = (): void => {
    while (undo.length) {
      try {
        undo.pop()!();
      } catch {
        /* teardown continues; the original error is what the caller needs */
      }
    }
  };
  try {
    if (tfjs) {
      if (opts.backend === 'auto' && caps.backendCandidates.length > 1) {
        // More than one backend worth trying: a short timed run of the model on each picks one.
        const { calibrateAuto } = await import('./backends/calibrate-runner.js');
        backend = (await calibrateAuto(caps, opts.modelBaseUrl, opts.wasmBaseUrl)).pick;
        if (opts.compositor === 'auto') compositorKind = autoCompositor(backend, opts.model, opts.people, caps);
      }
      await initBackend(backend, opts.wasmBaseUrl);
    }
    const resident = tfjs ? residentPath(backend, compositorKind, opts.model, opts.people) : null;
    if (resident) {
      // GPU-resident path: frame, model input and output, refined mask and output frame stay in
      // tfjs's WebGL context (src/gpu/) or on tfjs-webgpu's device (src/gpu/webgpu/). Loaded only
      // when selected.
      const partOptions = { modelBaseUrl: opts.modelBaseUrl, onProgress: opts.onProgress, edges: personEdges(opts.feather) };
      /** Own the parts from here on, build the rest of the pipeline around them and start it. */
      const start = async <F, M>(parts: ResidentParts<F, M>): Promise<PrivacyTrack> => {
        undo.push(() => parts.segmenter.dispose()); // last: it owns the session and the reader
        undo.push(() => parts.refiner.dispose());
        const sink = createFrameSink(transport);
        undo.push(() => {
          sink.dispose();
          sink.track?.stop();
        });
        undo.push(() => parts.compositor.dispose());
        await parts.compositor.setEffect(opts.effect);
        if (trackEnded(input)) throw new TrackEndedError('The input track ended during start-up.');
        const source = await createFrameSource(transport, input);
        undo.push(() => source.dispose());
        const pipeline = new Pipeline<F, M>({ input, options: opts, transport, sink, source, ...parts });
        undo.length = 0;
        void pipeline.run();
        await pipeline.ready;
        return pipeline.attach();
      };
      if (resident === 'webgl') return await start(await (await import('./gpu/index.js')).createGpuResidentParts(partOptions));
      const webgpu = await import('./gpu/webgpu/index.js');
      let parts: Awaited<ReturnType<typeof webgpu.createWebGpuResidentParts>> | null = null;
      try {
        parts = await webgpu.createWebGpuResidentParts(partOptions);
      } catch (error) {
        // compositor 'auto' chose WebGPU, but its canvas cannot present here (the start-up probe
        // lost the device and rebuilt tfjs's backend): the CPU-planes path below, nothing output yet.
        const canvasRefused = error instanceof UnsupportedEnvironmentError && error.missing.includes('WebGPU canvas');
        if (!(canvasRefused && opts.compositor === 'auto')) throw error;
      }
      if (parts) return await start(parts);
      compositorKind = caps.autoCompositor === 'webgpu' ? 'cpu' : caps.autoCompositor;
    }
    if (compositorKind === 'webgpu') {
      throw new UnsupportedEnvironmentError(['WebGPU'], 'compositor \'webgpu\' runs only GPU-resident: backend \'webgpu\', model \'selfie\', people \'all\'.');
    }
    const segmenter = await createSegmenter({ model: opts.model, people: opts.people, backend, modelBaseUrl: opts.modelBaseUrl, onProgress: opts.onProgress });
    undo.push(() => segmenter.dispose());
    const refiner = createRefiner();
    undo.push(() => refiner.dispose());
    const sink = createFrameSink(transport);
    undo.push(() => {
      sink.dispose();
      sink.track?.stop();
    });
    const compositor = await createCompositor(compositorKind, personEdges(opts.feather), caps.wasmSimd);
    undo.push(() => compositor.dispose());
    await compositor.setEffect(opts.effect);
    if (trackEnded(input)) throw new TrackEndedError('The input track ended during start-up.');
    const source = await createFrameSource(transport, input);
    undo.push(() => source.dispose());
    const pipeline = new Pipeline({ input, options: opts, transport, reader: createFrameReader(), segmenter, refiner, sink, compositor, source });
    undo.length = 0; // the pipeline owns every part now and tears them down itself
    void pipeline.run();
    await pipeline.ready;
    return pipeline.attach();
  } catch (error) {
    cleanup();
    if (error instanceof PrivacyTrackError) throw error;
    throw new PrivacyTrackError('aborted', `Could not start: ${String(error)}`, { cause: error });
  }
}
