import { createPrivacyTrack } from '../../src/index.js';
import { assert } from './assert.js';
import { camera, frameReader, MODEL_BASE, sleep } from './helpers.js';

describe('smoke', () => {
  for (const compositor of ['cpu', 'webgl'] as const) {
    for (const effect of [{ type: 'blur' }, { type: 'color', color: '#f0f' }] as const) {
      it(`runs ${compositor} ${effect.type}`, async () => {
        const cam = await camera();
        const track = await createPrivacyTrack(cam, { modelBaseUrl: MODEL_BASE, effect, compositor });
        const r = frameReader(track);
        const pump = (async () => { for (;;) { const f = await r.next(2000); if (!f) break; f.close(); } })();
        await sleep(4000);
        console.log(compositor, effect.type, JSON.stringify(track.privacy.stats));
        track.stop();
        cam.stop();
        await pump;
        assert(track.readyState === 'ended');
      });
    }
  }
});
