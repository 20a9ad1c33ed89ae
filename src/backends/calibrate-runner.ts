/**
 * The browser side of `backend: 'auto'` calibration: starts each candidate backend, loads the
 * selfie model (verified, from `modelBaseUrl`) and times `execute` on a blank 256×256 input. The
 * result is read back (`data()`) so the time includes the GPU work; this happens only during
 * start-up, never per frame.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as converter from '@tensorflow/tfjs-converter';
import type { Capabilities } from '../capabilities.js';
import { loadVerifiedGraphModel } from '../models/load.js';
import type { BackendName } from '../options.js';
import { SELFIE_INPUT_SIZE } from '../segmenter/selfie.js';
import { calibrate, calibrationCandidates, recordCalibration, type BackendCalibration, type CalibrationRunner } from './calibrate.js';
import { initBackend } from './index.js';

/** A runner that times the selfie model on each backend. */
export function createModelRunner(modelBaseUrl: URL, wasmBaseUrl: URL): CalibrationRunner {
  let model: converter.GraphModel | null = null;
  let input: tf.Tensor | null = null;
  return {
    async start(backend: BackendName) {
      await initBackend(backend, wasmBaseUrl);
      model = await loadVerifiedGraphModel(converter, modelBaseUrl, 'selfie');
      input = tf.zeros([1, SELFIE_INPUT_SIZE, SELFIE_INPUT_SIZE, 3]);
    },
    async run() {
      if (!model || !input) throw new Error('runner not started');
      const out = model.execute(input);
      try {
        if (out instanceof tf.Tensor) await out.data();
      } finally {
        tf.dispose(out);
      }
    },
    stop() {
      model?.dispose();
      input?.dispose();
      model = null;
      input = null;
    },
    now: () => performance.now(),
  };
}

/**
 * Resolve `'auto'` by calibration when more than one backend is worth timing (see
 * `calibrationCandidates`); otherwise the heuristic pick, untimed. Leaves the picked backend active.
 */
export async function calibrateAuto(caps: Capabilities, modelBaseUrl: URL, wasmBaseUrl: URL): Promise<BackendCalibration> {
  const result = await calibrate(calibrationCandidates(caps), createModelRunner(modelBaseUrl, wasmBaseUrl));
  await initBackend(result.pick, wasmBaseUrl);
  recordCalibration(result);
  return result;
}
