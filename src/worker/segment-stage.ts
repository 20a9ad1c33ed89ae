/**
 * Split worker mode, segmentation side: reads camera frames from the transferred processor
 * `readable`, segments and refines each one, and hands the frame together with its own mask to
 * the compositing worker over a MessagePort. While the compositing worker draws frame N, this
 * worker segments frame N+1: the two cores work at once, and every mask still belongs to the
 * frame it travels with (mask age 0: no stale mask, leak vector L5).
 *
 * Fail closed, as the main-thread pipeline: a frame whose segmentation throws, is late
 * (`maskTimeoutMs`) or cannot start because an earlier one still runs travels without a mask,
 * and the compositor veils it. Flow control: at most {@link SEGMENT_CREDITS} frames are on their
 * way to the compositor; when it is behind, frames wait in the processor (which keeps only the
 * newest), never in a queue that grows.
 *
 * Ownership: each VideoFrame is read here, copied to CPU planes, and transferred to the
 * compositing worker (the transfer closes it here); on any path that does not send it, it is
 * closed here.
 */
import { SegmentationError } from '../errors.js';
import { createFrameReader, type FramePixels } from '../frame/pixels.js';
import { debugHooks } from '../internal/debug.js';
import { START_MASK_TIMEOUT_MS } from '../pipeline.js';
import type { Refiner } from '../refine/types.js';
import type { Mask, Segmenter } from '../segmenter/types.js';
import type { FrameSource } from '../source/types.js';
import type { ModelName } from '../options.js';
import { CadenceController, erodeMask, lumaThumb, MOTION_THRESHOLD, REUSE_EROSION, thumbDiff } from './mask-reuse.js';
import { ModelStepController } from './model-step.js';
import { toWireError, type PortMessage, type WireError } from './protocol.js';

/** Frames sent to the compositor and not yet taken by it. */
export const SEGMENT_CREDITS = 1;

const LATE = Symbol('late');

type FrameMessage = Extract<PortMessage, { type: 'frame' }>;

/** What the segmentation loop needs. */
export interface SegmentStageParts {
  source: FrameSource;
  segmenter: Segmenter;
  refiner: Refiner;
  /** To the compositing worker. */
  port: MessagePort;
  maskTimeoutMs: number;
  /**
   * Adaptive quality: the oldest a reused mask may be, ms (0 = never reuse, segment every
   * frame). See src/worker/mask-reuse.ts for when a mask is reused.
   */
  maxMaskAgeMs: number;
  /** The camera's nominal frame rate (its settings), or null if it does not say. */
  cameraFrameRate: number | null;
  /**
   * Adaptive quality: may the segmenter switch to a cheaper model that shows no more background
   * when it falls far behind the camera (src/worker/model-step.ts)?
   */
  adaptiveModel: boolean;
  /**
   * About once a second: mean segmentation time (ms), adaptive level (cadence step + model
   * step), masks reused since start, and the model in use.
   */
  onStats(stats: SegmentStats): void;
}

/** What the segmentation worker reports about once a second. */
export interface SegmentStats {
  segmentationMs: number;
  qualityLevel: number;
  reusedMasks: number;
  model: ModelName;
}

/** The running loop; `stop()` ends it and disposes the parts. Idempotent. */
export interface SegmentStage {
  readonly done: Promise<void>;
  stop(): void;
}

/** Start the segmentation loop. */
export function startSegmentStage(parts: SegmentStageParts): SegmentStage {
  const { source, segmenter, refiner, port } = parts;
  const reader = createFrameReader();
  let credits = SEGMENT_CREDITS;
  let wake: (() => void) | null = null;
  let stopped = false;
  let inflight: Promise<Mask> | null = null;
  let masked = false; // until the first mask, wait as long as the pipeline does while starting
  let msSum = 0;
  let msCount = 0;
  let reusedMasks = 0;
  const cadence = new CadenceController(parts.maxMaskAgeMs > 0, parts.cameraFrameRate ? 1000 / parts.cameraFrameRate : null);
  const modelStep = new ModelStepController(parts.adaptiveModel && typeof segmenter.stepDown === 'function');
  let modelSteps = 0;
  /** The last segmented frame's refined mask (a copy), its luma thumbnail and timestamp (µs). */
  let last: { mask: Mask; thumb: ReturnType<typeof lumaThumb>; ts: number } | null = null;
  const statsTimer = setInterval(() => {
    parts.onStats({ segmentationMs: msCount ? Math.round((msSum / msCount) * 100) / 100 : 0, qualityLevel: cadence.level + modelSteps, reusedMasks, model: segmenter.model });
    msSum = msCount = 0;
  }, 1000);
  /** Ask for a cheaper model in the background; this model keeps segmenting until it is ready. */
  const stepModelDown = (): void => {
    segmenter.stepDown?.().then((stepped) => {
      if (stepped && !stopped) modelSteps++;
    }, (error: unknown) => {
      // The cheaper model could not be loaded (an app that hosts only the model it asks for,
      // say): stay on this one — a slower track, not a leak — and say why, once.
      console.warn(`videochat-privacy: adaptive quality could not switch from ${segmenter.model} to a cheaper model (${String(error)}); staying on ${segmenter.model}. Host its files next to the others, or set adaptiveModel: false.`);
    });
  };

  port.onmessage = (e: MessageEvent<PortMessage>) => {
    if (e.data.type !== 'credit') return;
    credits++;
    wake?.();
  };

  const waitCredit = (): Promise<void> => (credits > 0 || stopped ? Promise.resolve() : new Promise<void>((r) => (wake = r)));

  /** This frame's raw mask, or the reason it has none. */
  async function segment(pixels: FramePixels): Promise<{ mask: Mask } | { error: WireError }> {
    if (inflight) return { error: toWireError(new SegmentationError('Segmentation is slower than the mask timeout; frames are veiled.')) };
    // Taken before the call: a wasm model runs synchronously inside segment() up to its first read.
    const started = performance.now();
    const job = (async () => {
      const fault = debugHooks.beforeSegment?.();
      if (fault) await fault;
      return segmenter.segment(pixels); // reads `pixels` synchronously before its first await
    })();
    inflight = job;
    job.finally(() => {
      if (inflight === job) inflight = null;
    }).catch(() => {});
    // The model-size step judges every call by how long it really took, late ones included (a
    // model slower than the mask timeout veils every frame: that is when the step matters most).
    job.then(() => {
      if (!stopped && modelStep.record(performance.now() - started, cadence.periodMs)) stepModelDown();
    }, () => {});
    const timeoutMs = masked ? parts.maskTimeoutMs : START_MASK_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<typeof LATE>((resolve) => (timer = setTimeout(() => resolve(LATE), timeoutMs)));
    try {
      const raw = await Promise.race([job, late]);
      if (raw === LATE) return { error: toWireError(new SegmentationError(`No mask within ${timeoutMs} ms; the frame is veiled.`)) };
      return { mask: raw };
    } catch (cause) {
      return { error: toWireError(new SegmentationError(`Segmentation failed: ${String(cause)}`, { cause })) };
    } finally {
      clearTimeout(timer);
    }
  }

  const done = (async () => {
    while (!stopped) {
      await waitCredit();
      wake = null;
      if (stopped) break;
      const frame = await source.next();
      if (!frame) break;
      if (stopped) {
        frame.close();
        break;
      }
      const image = frame.image;
      if (!(image instanceof VideoFrame)) {
        frame.close();
        continue;
      }
      let message: Omit<FrameMessage, 'readAt' | 'sentAt'>;
      const t0 = performance.now();
      try {
        const pixels = await reader.read(image);
        const thumb = lumaThumb(pixels);
        const t = performance.now();
        const segmentThis = cadence.wantsSegmentation();
        if (!segmentThis && last && (frame.timestamp - last.ts) / 1000 <= parts.maxMaskAgeMs && thumbDiff(thumb, last.thumb) <= MOTION_THRESHOLD) {
          // Adaptive quality: the previous frame's mask, young, on a near-identical image, eroded.
          const eroded = erodeMask(last.mask, REUSE_EROSION);
          reusedMasks++;
          message = { type: 'frame', frame: image, mask: eroded, error: null };
        } else {
          const result = await segment(pixels);
          if ('mask' in result) {
            // The refined mask is the refiner's reused buffer: send a copy (it is transferred).
            const refined = refiner.refine(pixels, result.mask);
            const data = new Uint8Array(refined.data);
            msSum += performance.now() - t;
            msCount++;
            masked = true;
            last = parts.maxMaskAgeMs > 0 ? { mask: { data: new Uint8Array(data), width: refined.width, height: refined.height }, thumb, ts: frame.timestamp } : null;
            message = { type: 'frame', frame: image, mask: { data, width: refined.width, height: refined.height }, error: null };
          } else {
            last = null; // never reuse across a failure
            message = { type: 'frame', frame: image, mask: null, error: result.error };
          }
        }
        cadence.record(frame.timestamp, performance.now() - t0, message.mask === null || last?.ts === frame.timestamp);
      } catch (cause) {
        message = { type: 'frame', frame: image, mask: null, error: toWireError(new SegmentationError(`Could not segment the frame: ${String(cause)}`, { cause })) };
      }
      if (stopped) {
        frame.close();
        break;
      }
      credits--;
      const sent: FrameMessage = { ...message, readAt: performance.timeOrigin + t0, sentAt: performance.timeOrigin + performance.now() };
      port.postMessage(sent, message.mask ? [image, message.mask.data.buffer] : [image]);
    }
    if (!stopped) port.postMessage({ type: 'end' } satisfies PortMessage);
  })();

  return {
    done,
    stop(): void {
      if (stopped) return;
      stopped = true;
      clearInterval(statsTimer);
      wake?.();
      source.dispose();
      refiner.dispose();
      segmenter.dispose();
      port.close();
    },
  };
}
