// The pipeline end to end in Chromium with the fake camera and the real shipped model:
// transports, fail-closed start, teardown to baseline, typed errors, live effect switching.
import * as tf from '@tensorflow/tfjs-core';
import {
  createPrivacyTrack, InvalidOptionsError, ModelLoadError, PrivacyTrackError, TrackEndedError, type PrivacyTrack,
} from '../../src/index.js';
import { debugCounters, debugHooks } from '../../src/internal/debug.js';
import { assert, atLeast, equal, rejects } from './assert.js';
import { camera, fedTrack, frameReader, loadPortrait, MODEL_BASE, pixels, portraitIds, scoreColourOutput, sleep, startFeeding } from './helpers.js';

const MAGENTA: [number, number, number] = [255, 0, 255];

async function countFrames(track: MediaStreamTrack, ms: number): Promise<{ frames: number; width: number; height: number }> {
  const reader = frameReader(track);
  const end = performance.now() + ms;
  let frames = 0, width = 0, height = 0;
  while (performance.now() < end) {
    const f = await reader.next(2000);
    if (!f) break;
    frames++;
    width = f.displayWidth;
    height = f.displayHeight;
    f.close();
  }
  reader.cancel();
  return { frames, width, height };
}

describe('createPrivacyTrack in Chromium', () => {
  let cam: MediaStreamTrack | null = null;
  let track: PrivacyTrack | null = null;
  afterEach(() => {
    track?.stop();
    cam?.stop();
    track = null;
    cam = null;
    debugHooks.onOutput = null;
  });

  for (const transport of ['insertable-streams', 'canvas'] as const) {
    it(`frames flow through the ${transport} transport`, async () => {
      cam = await camera(1280, 720);
      track = await createPrivacyTrack(cam, { modelBaseUrl: MODEL_BASE, transport, effect: { type: 'color', color: '#0a0' } });
      assert(track instanceof MediaStreamTrack, 'result is a MediaStreamTrack');
      equal(track.kind, 'video');
      equal(track.readyState, 'live');
      equal(track.privacy.state, 'running');
      const { frames, width, height } = await countFrames(track, 3000);
      atLeast(frames, 10, `only ${frames} frames in 3 s on ${transport}`);
      equal(width, 1280, 'output width');
      equal(height, 720, 'output height');
      equal(track.privacy.stats.transport, transport);
      equal(track.privacy.stats.backend, 'wasm');
      atLeast(track.privacy.stats.fps, 1, 'stats.fps is reported');
    });
  }

  it('the very first output frame is already protected, and keeps the capture timestamp', async () => {
    const portrait = await loadPortrait((await portraitIds())[0]!);
    const input = fedTrack();
    const seen: Array<{ ts: number; score: ReturnType<typeof scoreColourOutput> }> = [];
    const original = pixels(portrait.image, portrait.width, portrait.height);
    debugHooks.onOutput = (frame) => {
      if (seen.length < 3) {
        const out = pixels(frame, portrait.width, portrait.height);
        seen.push({ ts: frame.timestamp, score: scoreColourOutput(out, original, portrait, MAGENTA) });
      }
    };
    // Feed frames continuously from before the pipeline exists.
    const feeder = startFeeding(input, portrait.image, portrait.width, portrait.height);
    try {
      track = await createPrivacyTrack(input.track, { modelBaseUrl: MODEL_BASE, effect: { type: 'color', color: 'rgb(255 0 255)' } });
      await sleep(300);
    } finally {
      await feeder.stop();
      await input.close();
    }
    atLeast(seen.length, 1, 'no output frame observed');
    const first = seen[0]!;
    assert(first.ts > 0 && first.ts % 33333 === 0, `first output timestamp ${first.ts} is not an input capture timestamp`);
    for (const [i, s] of seen.entries()) {
      assert(s.score.leak < 0.05, `output frame ${i}: ${(s.score.leak * 100).toFixed(1)} % of the background shown`);
      atLeast(s.score.iou, 0.8, `output frame ${i}: IoU ${s.score.iou.toFixed(3)}`);
    }
  });

  it('stop() returns tensors, open frames and pipelines to baseline, idempotently (main thread)', async () => {
    // Warm-up cycle so the backend's own one-off allocations are in the baseline. The main-thread
    // pipeline (worker: false); worker.test.ts checks the same in worker mode.
    cam = await camera(640, 480);
    (await createPrivacyTrack(cam, { modelBaseUrl: MODEL_BASE, worker: false })).stop();
    await sleep(100);
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    track = await createPrivacyTrack(cam, { modelBaseUrl: MODEL_BASE, worker: false });
    assert(tf.memory().numTensors > tensors, 'the model holds tensors while running');
    await countFrames(track, 1000);
    track.stop();
    track.stop(); // idempotent
    track.privacy.stop();
    await sleep(300);
    equal(track.readyState, 'ended');
    equal(track.privacy.state, 'stopped');
    equal(tf.memory().numTensors, tensors, 'tensor count back to baseline');
    equal(tf.memory().numBytes, bytes, 'tensor bytes back to baseline');
    equal(debugCounters.openFrames, 0, 'no VideoFrame left open');
    equal(debugCounters.livePipelines, 0, 'no pipeline left running');
    equal(cam.readyState, 'live', 'the camera is the app\'s: stopping the output leaves it running');
  });

  it('the input ending ends the output', async () => {
    cam = await camera(640, 480);
    track = await createPrivacyTrack(cam, { modelBaseUrl: MODEL_BASE });
    const ended = new Promise<void>((resolve) => track!.addEventListener('ended', () => resolve(), { once: true }));
    const errors: PrivacyTrackError[] = [];
    track.privacy.addEventListener('error', (e) => errors.push(e.detail));
    cam.stop();
    await Promise.race([ended, sleep(5000).then(() => { throw new Error('output did not end within 5 s'); })]);
    equal(track.readyState, 'ended');
    equal(track.privacy.state, 'stopped');
    assert(errors.some((e) => e instanceof TrackEndedError), 'a TrackEndedError was reported');
    equal(debugCounters.livePipelines, 0);
    equal(debugCounters.liveWorkers, 0);
  });

  it('bad options and bad inputs reject with typed errors and leave nothing running', async () => {
    cam = await camera(640, 480);
    const tensors = tf.memory().numTensors;
    const cases: Array<[string, () => Promise<unknown>, (e: unknown) => boolean]> = [
      ['effect.type', () => createPrivacyTrack(cam!, { effect: { type: 'sparkle' } as never }), (e) => e instanceof InvalidOptionsError && e.option === 'effect.type'],
      ['effect.radius', () => createPrivacyTrack(cam!, { effect: { type: 'blur', radius: 1 } }), (e) => e instanceof InvalidOptionsError && e.option === 'effect.radius'],
      ['backend', () => createPrivacyTrack(cam!, { backend: 'cuda' as never }), (e) => e instanceof InvalidOptionsError && e.option === 'backend' && e.allowed.includes('\'wasm\'')],
      ['unknown key', () => createPrivacyTrack(cam!, { efect: {} } as never), (e) => e instanceof InvalidOptionsError && e.option === 'efect'],
      ['input', () => createPrivacyTrack({} as MediaStreamTrack), (e) => e instanceof InvalidOptionsError && e.option === 'input'],
      ['effect.color', () => createPrivacyTrack(cam!, { modelBaseUrl: MODEL_BASE, effect: { type: 'color', color: 'not-a-colour' } }), (e) => e instanceof InvalidOptionsError && e.option === 'effect.color'],
      ['modelBaseUrl', () => createPrivacyTrack(cam!, { modelBaseUrl: '/no-such-folder/', wasmBaseUrl: `${MODEL_BASE}wasm/` }), (e) => e instanceof ModelLoadError && (e.url ?? '').includes('/no-such-folder/selfie')],
    ];
    for (const [name, run, check] of cases) {
      const error = await rejects(run, `${name}: expected a rejection`);
      assert(check(error), `${name}: wrong error ${String(error)}`);
      assert(error instanceof PrivacyTrackError && typeof error.code === 'string', `${name}: not a PrivacyTrackError with a code`);
      equal(debugCounters.livePipelines, 0, `${name}: a pipeline was left running`);
    }
    const audio = new AudioContext().createMediaStreamDestination().stream.getAudioTracks()[0]!;
    const audioError = await rejects(() => createPrivacyTrack(audio));
    assert(audioError instanceof InvalidOptionsError && audioError.option === 'input', 'audio track rejected');
    const ended = cam.clone();
    ended.stop();
    assert((await rejects(() => createPrivacyTrack(ended, { modelBaseUrl: MODEL_BASE }))) instanceof TrackEndedError, 'ended input rejected');
    equal(tf.memory().numTensors, tensors, 'no tensors left behind by failed starts');
    equal(debugCounters.openFrames, 0);
  });

  it('setEffect switches live on the same track, and a bad effect keeps the old one', async () => {
    const portrait = await loadPortrait((await portraitIds())[1]!);
    const input = fedTrack();
    const feeder = startFeeding(input, portrait.image, portrait.width, portrait.height, 40);
    try {
      track = await createPrivacyTrack(input.track, { modelBaseUrl: MODEL_BASE, effect: { type: 'color', color: '#ff00ff' } });
      const original = pixels(portrait.image, portrait.width, portrait.height);
      const reader = frameReader(track);
      const scoreNext = async (colour: [number, number, number]): Promise<number> => {
        // Skip frames drawn before the switch could apply.
        for (let i = 0; i < 2; i++) (await reader.next())?.close();
        const f = await reader.next();
        assert(f, 'no frame');
        const s = scoreColourOutput(pixels(f, portrait.width, portrait.height), original, portrait, colour);
        f.close();
        return s.iou;
      };
      atLeast(await scoreNext([255, 0, 255]), 0.8, 'magenta background');
      await track.privacy.setEffect({ type: 'color', color: '#00ff00' });
      atLeast(await scoreNext([0, 255, 0]), 0.8, 'green background after setEffect');
      const bad = await rejects(() => track!.privacy.setEffect({ type: 'color', color: 'nope' }));
      assert(bad instanceof InvalidOptionsError, 'bad colour rejected');
      equal(track.privacy.effect.type, 'color');
      atLeast(await scoreNext([0, 255, 0]), 0.8, 'still green after a rejected setEffect');
      await track.privacy.setOptions({ effect: { type: 'blur' } });
      equal(track.privacy.effect.type, 'blur');
      const sw = await rejects(() => track!.privacy.setOptions({ backend: 'webgl' }));
      assert(sw instanceof InvalidOptionsError && sw.option === 'backend', 'live backend change is refused with a typed error');
      equal(track.readyState, 'live');
      reader.cancel();
    } finally {
      await feeder.stop();
      await input.close();
    }
  });
});
