import { createPrivacyTrack } from '../../src/index.js';
import { assert } from './assert.js';
import { camera, frameReader, MODEL_BASE } from './helpers.js';

describe('smoke', () => {
  it('runs', async () => {
    const cam = await camera();
    const track = await createPrivacyTrack(cam, { modelBaseUrl: MODEL_BASE, effect: { type: 'color', color: '#f0f' } });
    const r = frameReader(track);
    for (let i = 0; i < 30; i++) (await r.next())?.close();
    console.log(JSON.stringify(track.privacy.stats));
    await new Promise((res) => setTimeout(res, 1500));
    console.log(JSON.stringify(track.privacy.stats));
    track.stop();
    cam.stop();
    assert(track.readyState === 'ended');
  });
});
