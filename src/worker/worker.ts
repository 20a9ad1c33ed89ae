/**
 * The pipeline worker (worker mode): runs the same {@link Pipeline} as the main thread — tfjs wasm
 * segmentation, refiner, compositor — on frames from a transferred MediaStreamTrackProcessor
 * `readable`, writing into a transferred track generator `writable`. The tracks stay on the main
 * thread with the host (src/worker/host.ts); only frames cross, and they never leave this worker
 * unprotected: the worker writes the output itself.
 *
 * Built as a self-contained module (tsup.worker.config.ts → dist/worker.js) so it runs from a
 * plain URL as well as through a bundler.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createCompositor } from '../compositor/index.js';
import { PrivacyTrackError, UnsupportedEnvironmentError } from '../errors.js';
import { debugCounters, debugHooks } from '../internal/debug.js';
import { normalizeEffect, personEdges, type Effect, type NormalizedOptions } from '../options.js';
import { createFrameReader } from '../frame/pixels.js';
import { Pipeline } from '../pipeline.js';
import { createRefiner } from '../refine/index.js';
import { createSegmenter } from '../segmenter/index.js';
import { createWritableSink } from '../sink/writable.js';
import type { Refiner } from '../refine/types.js';
import type { Segmenter } from '../segmenter/types.js';
import { createReadableSource } from '../source/readable.js';
import type { FrameSource } from '../source/types.js';
import { createPairedStages } from './paired.js';
import { startSegmentStage, type SegmentStage } from './segment-stage.js';
import { toWireError, type HostMessage, type WireEffect, type WorkerConfig, type WorkerFault, type WorkerMessage } from './protocol.js';

/** The worker's global scope, typed for what this file uses. */
interface WorkerScope {
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<HostMessage>) => void): void;
  setTimeout(handler: () => void, ms: number): number;
}

function isWorkerScope(scope: unknown): scope is WorkerScope {
  return typeof scope === 'object' && scope !== null && 'postMessage' in scope && typeof (scope as { importScripts?: unknown }).importScripts === 'function';
}

/** Start tfjs wasm from the app's own URL (never a CDN). */
async function initWasm(wasmBaseUrl: string): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(wasmBaseUrl);
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
    await tf.ready();
  } catch (cause) {
    throw new UnsupportedEnvironmentError(['wasm'], `tfjs backend 'wasm' failed to start in the worker (are the .wasm files served at ${wasmBaseUrl}?): ${String(cause)}`, { cause });
  }
  if (!ok || tf.getBackend() !== 'wasm') {
    throw new UnsupportedEnvironmentError(['wasm'], `tfjs backend 'wasm' failed to start in the worker (are the .wasm files served at ${wasmBaseUrl}?)`);
  }
}

/** A wire effect as a normalised {@link Effect}; the caller closes `bitmap` once it is applied. */
function toEffect(wire: WireEffect): Effect {
  return wire.type === 'image' ? normalizeEffect({ type: 'image', source: wire.bitmap, fit: wire.fit }) : normalizeEffect(wire);
}

function closeWire(wire: WireEffect): void {
  if (wire.type === 'image') wire.bitmap.close();
}

function runWorker(scope: WorkerScope): void {
  let pipeline: Pipeline | null = null;
  let segmentStage: SegmentStage | null = null;
  let stopped = false;
  const post = (message: WorkerMessage, transfer?: Transferable[]): void => scope.postMessage(message, transfer);

  /** Undo list for start-up: run in reverse when a step fails. */
  function undoAll(undo: Array<() => void>): void {
    while (undo.length) {
      try {
        undo.pop()!();
      } catch {
        /* the original error is what the host needs */
      }
    }
  }

  async function loadSegmenter(config: WorkerConfig, undo: Array<() => void>): Promise<Segmenter> {
    await initWasm(config.wasmBaseUrl);
    const segmenter = await createSegmenter({
      model: config.model, people: config.people, backend: 'wasm', modelBaseUrl: new URL(config.modelBaseUrl),
      onProgress: config.progress ? (p) => post({ type: 'progress', loaded: p.loaded, total: p.total }) : undefined,
    });
    undo.push(() => segmenter.dispose());
    return segmenter;
  }

  /** Segmentation half of split mode: posts 'started' once its model is ready. */
  async function startSegment(readable: ReadableStream<VideoFrame>, port: MessagePort, config: WorkerConfig): Promise<void> {
    const undo: Array<() => void> = [() => port.close()];
    try {
      const segmenter = await loadSegmenter(config, undo);
      const refiner = createRefiner();
      undo.push(() => refiner.dispose());
      const source = createReadableSource(readable);
      undo.push(() => source.dispose());
      if (stopped) throw new PrivacyTrackError('aborted', 'Stopped during start-up.');
      undo.length = 0;
      segmentStage = startSegmentStage({
        source, segmenter, refiner, port, maskTimeoutMs: config.maskTimeoutMs, maxMaskAgeMs: config.maxMaskAgeMs, cameraFrameRate: config.cameraFrameRate,
        adaptiveModel: config.adaptiveModel, onStats: (stats) => post({ type: 'segment-stats', ...stats }),
      });
      post({ type: 'started' });
    } catch (error) {
      undoAll(undo);
      post({ type: 'failed', error: toWireError(error) });
    }
  }

  /** The whole pipeline (`port` null) or the compositing half of split mode (frames and masks from `port`). */
  async function startPipeline(input: ReadableStream<VideoFrame> | MessagePort, writable: WritableStream<VideoFrame>, config: WorkerConfig): Promise<void> {
    const undo: Array<() => void> = [];
    try {
      let source: FrameSource;
      let segmenter: Segmenter;
      let refiner: Refiner;
      if (input instanceof MessagePort) {
        ({ source, segmenter } = createPairedStages(input, config.model));
        undo.push(() => source.dispose());
        refiner = createRefiner('none'); // refined in the segmentation worker
      } else {
        segmenter = await loadSegmenter(config, undo);
        refiner = createRefiner();
        undo.push(() => refiner.dispose());
        source = createReadableSource(input);
        undo.push(() => source.dispose());
      }
      const sink = createWritableSink(writable, null);
      undo.push(() => sink.dispose());
      const compositor = await createCompositor(config.compositor, personEdges(config.feather));
      undo.push(() => compositor.dispose());
      const effect = toEffect(config.effect);
      try {
        await compositor.setEffect(effect);
      } finally {
        closeWire(config.effect);
      }
      if (stopped) throw new PrivacyTrackError('aborted', 'Stopped during start-up.');
      const options: NormalizedOptions = {
        effect, model: config.model, people: config.people, backend: 'wasm', transport: 'insertable-streams',
        compositor: config.compositor, maskTimeoutMs: config.maskTimeoutMs, maxMaskAgeMs: config.maxMaskAgeMs, adaptiveModel: config.adaptiveModel, feather: config.feather, worker: true, workerUrl: undefined,
        modelBaseUrl: new URL(config.modelBaseUrl), wasmBaseUrl: new URL(config.wasmBaseUrl), onStats: undefined, onProgress: undefined,
      };
      const p = new Pipeline({ input: null, options, transport: 'insertable-streams', reader: createFrameReader(), segmenter, refiner, sink, compositor, source });
      undo.length = 0; // the pipeline owns every part now
      pipeline = p;
      p.addEventListener('stats', (e) => post({ type: 'stats', stats: (e as CustomEvent).detail }));
      p.addEventListener('error', (e) => post({ type: 'error', error: toWireError((e as CustomEvent).detail) }));
      p.addEventListener('state', () => {
        post({ type: 'state', state: p.state, protection: p.protection });
        // After the pipeline's own error event (dispatched right after 'stopped').
        if (p.state === 'stopped') queueMicrotask(() => post({ type: 'ended' }));
      });
      void p.run();
      await p.ready;
      post({ type: 'started' });
    } catch (error) {
      undoAll(undo);
      post({ type: 'failed', error: toWireError(error) });
    }
  }

  function inject(fault: WorkerFault): void {
    switch (fault.kind) {
      case 'throw':
        debugHooks.beforeSegment = () => {
          throw new Error('injected model failure (worker)');
        };
        break;
      case 'stall': {
        let done = false;
        debugHooks.beforeSegment = () => {
          if (fault.once && done) return;
          done = true;
          return new Promise((resolve) => scope.setTimeout(resolve, fault.ms));
        };
        break;
      }
      case 'clear':
        debugHooks.beforeSegment = null;
        break;
      case 'crash':
        // An uncaught exception in the worker's global scope: the host sees an 'error' event.
        scope.setTimeout(() => {
          throw new Error('injected worker crash');
        }, 0);
        break;
    }
  }

  // Video effect frames: at most one being applied and one waiting (the newest).
  let videoBusy = false;
  let videoNext: { bitmap: ImageBitmap; fit: 'cover' | 'contain' } | null = null;
  const dropVideoNext = (): void => {
    videoNext?.bitmap.close();
    videoNext = null;
  };
  function applyVideo(): void {
    const current = pipeline;
    if (videoBusy || !videoNext || !current) return;
    const next = videoNext;
    videoNext = null;
    videoBusy = true;
    current.setEffect(normalizeEffect({ type: 'image', source: next.bitmap, fit: next.fit })).catch(() => {
      /* an unusable frame: the previous one stays */
    }).finally(() => {
      next.bitmap.close();
      videoBusy = false;
      applyVideo();
    });
  }

  scope.addEventListener('message', (event) => {
    const message = event.data;
    switch (message.type) {
      case 'init':
        if (message.config.tapTime) {
          const origin = performance.timeOrigin;
          debugHooks.onOutputTime = (timestamp, outputAtMs, marks) => post({
            type: 'output-time', timestamp, at: origin + outputAtMs, readAt: origin + marks.readAtMs,
            segmentedAt: marks.segmentedAtMs === null ? null : origin + marks.segmentedAtMs, compositeStartAt: origin + marks.compositeStartAtMs,
          });
        }
        if (message.config.tap) {
          debugHooks.onOutput = (frame) => {
            const copy = frame.clone();
            post({ type: 'output', frame: copy }, [copy]);
          };
        }
        if (message.role === 'segment') void startSegment(message.readable, message.port, message.config);
        else if (message.role === 'composite') void startPipeline(message.port, message.writable, message.config);
        else void startPipeline(message.readable, message.writable, message.config);
        break;
      case 'video-frame':
        dropVideoNext();
        videoNext = { bitmap: message.bitmap, fit: message.fit };
        applyVideo();
        break;
      case 'effect': {
        dropVideoNext(); // a newer effect: the video's waiting frame must not override it
        const { id, effect: wire } = message;
        const current = pipeline;
        if (!current) {
          closeWire(wire);
          post({ type: 'effect-done', id, error: toWireError(new PrivacyTrackError('aborted', 'The pipeline is not running.')) });
          break;
        }
        current.setEffect(toEffect(wire)).then(
          () => post({ type: 'effect-done', id, error: null }),
          (error: unknown) => post({ type: 'effect-done', id, error: toWireError(error) }),
        ).finally(() => closeWire(wire));
        break;
      }
      case 'feather':
        void pipeline?.setOptions({ feather: message.feather }).catch(() => {}); // validated by the host
        break;
      case 'stop':
        stopped = true;
        pipeline?.stop();
        segmentStage?.stop();
        break;
      case 'fault':
        inject(message.fault);
        break;
      case 'memory': {
        // The engine's own counters: reading them initialises no backend (the compositing worker has none).
        const m = tf.engine().state;
        post({ type: 'memory', id: message.id, numTensors: m.numTensors, numBytes: m.numBytes, openFrames: debugCounters.openFrames, livePipelines: debugCounters.livePipelines });
        break;
      }
    }
  });
  post({ type: 'loaded' });
}

const scope: unknown = globalThis;
if (isWorkerScope(scope)) runWorker(scope);
