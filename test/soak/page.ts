// Soak page: one privacy track on the fake camera, sampled on request by scripts/soak.mjs.
import * as tf from '@tensorflow/tfjs-core';
import { createPrivacyTrack, type PrivacyStats } from '../../src/index.js';
import { debugCounters, debugHooks } from '../../src/internal/debug.js';

declare global {
  interface Window {
    soak: { start(effect: string): Promise<void>; sample(): Promise<Record<string, number | string | boolean>> };
    // (gc is exposed by --js-flags=--expose-gc in scripts/soak.mjs)
  }
}

let stats: PrivacyStats | null = null;
let frames = 0;

window.soak = {
  async start(effect: string) {
    const [camera] = (await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } })).getVideoTracks();
    const track = await createPrivacyTrack(camera!, {
      modelBaseUrl: '/models/',
      effect: effect === 'color' ? { type: 'color', color: '#0a0' } : { type: 'blur' },
    });
    track.privacy.addEventListener('stats', (e) => (stats = e.detail));
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = new MediaStream([track]);
    document.body.append(video);
    await video.play();
    const count = (): void => {
      frames++;
      video.requestVideoFrameCallback(count);
    };
    video.requestVideoFrameCallback(count);
  },
  async sample() {
    (globalThis as { gc?: () => void }).gc?.();
    const mem = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
    // Worker mode: the tensors, frames and pipeline live in the worker(s); ask them. The main
    // thread's own counters are added (they stay 0 there). Engine counters need no backend.
    const handle = [...debugHooks.workers][0];
    const w = handle ? await handle.memory() : { numTensors: 0, numBytes: 0, openFrames: 0, livePipelines: 0 };
    return {
      worker: stats?.worker ?? false,
      tensors: tf.engine().state.numTensors + w.numTensors,
      tensorBytes: tf.engine().state.numBytes + w.numBytes,
      openFrames: debugCounters.openFrames + w.openFrames,
      livePipelines: debugCounters.livePipelines + w.livePipelines,
      heapMB: mem ? Math.round((mem.usedJSHeapSize / 1048576) * 10) / 10 : -1,
      presentedFrames: frames,
      fps: stats?.fps ?? 0,
      protection: stats?.protection ?? 'none',
      veiledFrames: stats?.veiledFrames ?? 0,
    };
  },
};
