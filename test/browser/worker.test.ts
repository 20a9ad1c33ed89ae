// Worker mode: the pipeline in a dedicated module Worker (src/worker/). Frames flow, stats and
// events cross, teardown terminates the worker, and the main thread's own resources stay at
// their baseline.
import * as tf from '@tensorflow/tfjs-core';
import { createPrivacyTrack, type PrivacyTrack } from '../../src/index.js';
import { debugCounters, debugHooks } from '../../src/internal/debug.js';
import { assert, atLeast, equal } from './assert.js';
import { camera, frameReader, MODEL_BASE, sleep } from './helpers.js';

describe('worker mode', () => {
  let cam: MediaStreamTrack | null = null;
  let track: PrivacyTrack | null = null;
  afterEach(() => {
    track?.stop();
    cam?.stop();
    track = null;
    cam = null;
  });

  it('frames flow from the worker to the output track; stop terminates the worker', async () => {
    const tensors = tf.engine().state.numTensors;
    cam = await camera(1280, 720);
    track = await createPrivacyTrack(cam, { modelBaseUrl: MODEL_BASE, worker: true, effect: { type: 'blur' } });
    equal(debugCounters.liveWorkers, 1, 'one live worker');
    equal(track.privacy.state, 'running');
    const reader = frameReader(track);
    let frames = 0;
    const end = performance.now() + 3000;
    while (performance.now() < end) {
      const f = await reader.next(2000);
      if (!f) break;
      frames++;
      f.close();
    }
    reader.cancel();
    atLeast(frames, 10, `frames in 3 s from the worker (${frames})`);
    await sleep(1200);
    const stats = track.privacy.stats;
    console.log('[worker] stats', JSON.stringify(stats));
    equal(stats.worker, true, 'stats.worker');
    atLeast(stats.fps, 1, 'stats.fps relayed from the worker');
    track.stop();
    equal(track.readyState, 'ended');
    equal(track.privacy.state, 'stopped');
    equal(debugCounters.liveWorkers, 0, 'worker terminated after stop');
    equal(debugHooks.workers.size, 0, 'no worker handle left');
    equal(tf.engine().state.numTensors, tensors, 'main-thread tensors untouched');
  });
});
