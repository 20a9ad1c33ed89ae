// normalizeOptions / normalizeEffect: defaults, the error naming each bad field, URL handling.
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, PrivacyTrackError } from '../../src/errors.js';
import {
  DEFAULT_BLUR_RADIUS,
  DEFAULT_OPTIONS,
  MAX_BLUR_RADIUS,
  MIN_BLUR_RADIUS,
  defaultModelBaseUrl,
  normalizeEffect,
  normalizeOptions,
  personEdges,
  applyLiveOptions,
} from '../../src/options.js';

/** Run `fn`, require an InvalidOptionsError, and return it. */
function invalid(fn: () => unknown): InvalidOptionsError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(InvalidOptionsError);
  if (!(caught instanceof InvalidOptionsError)) throw new Error('unreachable');
  expect(caught).toBeInstanceOf(PrivacyTrackError);
  expect(caught).toBeInstanceOf(Error);
  expect(caught.code).toBe('invalid-options');
  expect(caught.name).toBe('InvalidOptionsError');
  return caught;
}

describe('applyLiveOptions (setOptions on a live track)', () => {
  const current = normalizeOptions();
  it('accepts effect and onStats, and model/people/backend/transport at their current value', () => {
    const onStats = (): void => {};
    expect(applyLiveOptions(current, { onStats }).onStats).toBe(onStats);
    expect(() => applyLiveOptions(current, { effect: { type: 'blur' }, model: 'selfie', backend: 'auto' })).not.toThrow();
  });
  it('takes a valid feather live and refuses a bad one', () => {
    expect(applyLiveOptions(current, { feather: 0.1 }).feather).toBe(0.1);
    expect(invalid(() => applyLiveOptions(current, { feather: 0.7 })).option).toBe('feather');
  });
  it.each([['maskTimeoutMs', 100], ['maxMaskAgeMs', 0], ['adaptiveModel', false], ['worker', false], ['compositor', 'cpu']])(
    'refuses creation-time option %s instead of ignoring it', (key, value) => {
      const err = invalid(() => applyLiveOptions(current, { [key]: value } as never));
      expect(err.option).toBe(key);
      expect(err.message).toMatch(/set when the track is created/);
      expect(err.allowed).toContain("'effect'");
    });
  it('refuses unknown keys', () => {
    const err = invalid(() => applyLiveOptions(current, { efect: { type: 'blur' } } as never));
    expect(err.option).toBe('efect');
    expect(err.message).toMatch(/Unknown option/);
  });
});

describe('feather', () => {
  it('maps to edges centred on 0.5; 0 is a step just above 0.5; accepts 0 and 0.6', () => {
    expect(personEdges(0.6)).toEqual([0.2, 0.8]);
    const [lo, hi] = personEdges(0);
    expect(lo).toBe(0.5);
    expect(hi - lo).toBeGreaterThan(0);
    expect(hi - lo).toBeLessThanOrEqual(1 / 256);
    expect(normalizeOptions({ feather: 0 }).feather).toBe(0);
    expect(normalizeOptions({ feather: 0.6 }).feather).toBe(0.6);
  });
});

describe('normalizeOptions defaults', () => {
  it('fills every field from the frozen defaults', () => {
    const o = normalizeOptions();
    expect(o.effect).toEqual({ type: 'blur', radius: DEFAULT_BLUR_RADIUS });
    expect(o.model).toBe('selfie');
    expect(o.people).toBe('all');
    expect(o.backend).toBe('auto');
    expect(o.transport).toBe('auto');
    expect(o.compositor).toBe('auto');
    expect(o.worker).toBe('auto');
    expect(o.maxMaskAgeMs).toBe(40);
    expect(o.adaptiveModel).toBe(true);
    expect(o.feather).toBe(0.3);
    expect(personEdges(o.feather)).toEqual([0.35, 0.65]); // the edges both compositors always used
    expect(o.workerUrl).toBeUndefined();
    expect(o.onStats).toBeUndefined();
    expect(o.onProgress).toBeUndefined();
    expect(o.modelBaseUrl.href).toBe(defaultModelBaseUrl().href);
    expect(o.modelBaseUrl.href.endsWith('/models/')).toBe(true);
    expect(o.wasmBaseUrl.href).toBe(new URL('wasm/', o.modelBaseUrl).href);
  });

  it('treats {} like no options', () => {
    expect(normalizeOptions({})).toEqual(normalizeOptions());
  });

  it('never hands out (or mutates) the frozen default effect', () => {
    expect(Object.isFrozen(DEFAULT_OPTIONS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_OPTIONS.effect)).toBe(true);
    const a = normalizeOptions();
    const b = normalizeEffect(undefined);
    expect(a.effect).not.toBe(DEFAULT_OPTIONS.effect);
    expect(b).not.toBe(DEFAULT_OPTIONS.effect);
    // The copies are writable and writing them leaves the defaults alone.
    (a.effect as { radius?: number }).radius = 50;
    (b as { radius?: number }).radius = 60;
    expect(DEFAULT_OPTIONS.effect.radius).toBe(DEFAULT_BLUR_RADIUS);
    expect(normalizeOptions().effect).toEqual({ type: 'blur', radius: DEFAULT_BLUR_RADIUS });
  });

  it('does not mutate the caller\'s options object', () => {
    const user = { effect: { type: 'blur' as const }, backend: 'wasm' as const };
    const before = JSON.stringify(user);
    const o = normalizeOptions(user);
    expect(JSON.stringify(user)).toBe(before);
    expect(o.effect).not.toBe(user.effect);
    expect(o.effect).toEqual({ type: 'blur', radius: DEFAULT_BLUR_RADIUS });
  });

  it('keeps every accepted explicit value', () => {
    const onStats = (): void => {};
    const onProgress = (): void => {};
    const o = normalizeOptions({
      effect: { type: 'color', color: '#0a0' },
      model: 'selfie',
      people: 'all',
      backend: 'webgl',
      transport: 'canvas',
      compositor: 'cpu',
      onStats,
      onProgress,
    });
    expect(o.effect).toEqual({ type: 'color', color: '#0a0' });
    expect(o.backend).toBe('webgl');
    expect(o.transport).toBe('canvas');
    expect(o.compositor).toBe('cpu');
    expect(o.onStats).toBe(onStats);
    expect(o.onProgress).toBe(onProgress);
  });

  it.each(['auto', 'webgpu', 'webgl', 'wasm'] as const)('accepts backend %s', (backend) => {
    expect(normalizeOptions({ backend }).backend).toBe(backend);
  });
  it.each(['auto', 'insertable-streams', 'canvas'] as const)('accepts transport %s', (transport) => {
    expect(normalizeOptions({ transport }).transport).toBe(transport);
  });
  it.each(['auto', 'webgl', 'cpu'] as const)('accepts compositor %s', (compositor) => {
    expect(normalizeOptions({ compositor }).compositor).toBe(compositor);
  });
  it('accepts compositor webgpu with backend webgpu and the selfie model (the WebGPU-resident path)', () => {
    expect(normalizeOptions({ compositor: 'webgpu', backend: 'webgpu' }).compositor).toBe('webgpu');
    expect(normalizeOptions({ compositor: 'webgpu', backend: 'webgpu', model: 'selfie' }).compositor).toBe('webgpu');
  });
  it.each(['auto', true, false] as const)('accepts worker %s', (worker) => {
    expect(normalizeOptions({ worker }).worker).toBe(worker);
  });
  it('keeps workerUrl as given (a file: no trailing slash)', () => {
    expect(normalizeOptions({ workerUrl: 'https://app.example/js/worker.js' }).workerUrl?.href).toBe('https://app.example/js/worker.js');
    const url = new URL('https://app.example/w.js');
    const o = normalizeOptions({ workerUrl: url });
    expect(o.workerUrl?.href).toBe(url.href);
    expect(o.workerUrl).not.toBe(url);
  });
});

describe('normalizeOptions rejects bad values, naming the field', () => {
  it.each([
    ['backend', { backend: 'cuda' }],
    ['backend', { backend: 1 }],
    ['backend', { backend: null }],
    ['transport', { transport: 'webrtc' }],
    ['compositor', { compositor: 'webgpu' }], // backend 'auto': the resident WebGPU path needs backend 'webgpu'
    ['compositor', { compositor: 'webgpu', backend: 'webgl' }],
    ['compositor', { compositor: 'webgpu', backend: 'wasm' }],
    ['compositor', { compositor: 'webgpu', backend: 'webgpu', model: 'lite' }],
    ['compositor', { compositor: 'gpu' }],
    ['model', { model: 'huge' }],
    ['people', { people: 'everyone' }],
    ['onStats', { onStats: 'log' }],
    ['onProgress', { onProgress: {} }],
    ['effect', { effect: 'blur' }],
    ['effect', { effect: null }],
    ['effect.type', { effect: { type: 'sepia' } }],
    ['effect.type', { effect: {} }],
    ['effect.radius', { effect: { type: 'blur', radius: MIN_BLUR_RADIUS - 1 } }],
    ['effect.radius', { effect: { type: 'blur', radius: MAX_BLUR_RADIUS + 1 } }],
    ['effect.radius', { effect: { type: 'blur', radius: Number.NaN } }],
    ['effect.radius', { effect: { type: 'blur', radius: Number.POSITIVE_INFINITY } }],
    ['effect.radius', { effect: { type: 'blur', radius: '24' } }],
    ['effect.source', { effect: { type: 'image' } }],
    ['effect.source', { effect: { type: 'image', source: '' } }],
    ['effect.source', { effect: { type: 'image', source: 42 } }],
    ['effect.fit', { effect: { type: 'image', source: 'bg.jpg', fit: 'stretch' } }],
    ['effect.source', { effect: { type: 'video', source: {} } }],
    ['effect.color', { effect: { type: 'color' } }],
    ['effect.color', { effect: { type: 'color', color: '   ' } }],
    ['modelBaseUrl', { modelBaseUrl: 42 }],
    ['modelBaseUrl', { modelBaseUrl: '' }],
    ['modelBaseUrl', { modelBaseUrl: 'relative/models/' }], // no page to resolve against in Node
    ['wasmBaseUrl', { wasmBaseUrl: {} }],
    ['worker', { worker: 'yes' }],
    ['maxMaskAgeMs', { maxMaskAgeMs: -1 }],
    ['maxMaskAgeMs', { maxMaskAgeMs: 101 }],
    ['maxMaskAgeMs', { maxMaskAgeMs: '40' }],
    ['adaptiveModel', { adaptiveModel: 'no' }],
    ['adaptiveModel', { adaptiveModel: 0 }],
    ['feather', { feather: -0.1 }],
    ['feather', { feather: 0.61 }],
    ['feather', { feather: Number.NaN }],
    ['feather', { feather: '0.3' }],
    ['worker', { worker: 1 }],
    ['workerUrl', { workerUrl: '' }],
    ['workerUrl', { workerUrl: 42 }],
  ])('%s ← %j', (option, options) => {
    const err = invalid(() => normalizeOptions(options));
    expect(err.option).toBe(option);
    expect(err.message).toContain(`\`${option}\``);
    expect(err.allowed.length).toBeGreaterThan(0);
  });

  it('names unknown keys (typos) and lists the known ones', () => {
    const err = invalid(() => normalizeOptions({ efect: { type: 'blur' } }));
    expect(err.option).toBe('efect');
    expect(err.allowed).toContain('effect');
    expect(err.message).toMatch(/Unknown option/);
  });

  it.each([
    ['null', null],
    ['a string', 'blur'],
    ['a number', 3],
    ['an array', []],
  ])('rejects non-object options (%s)', (_label, value) => {
    const err = invalid(() => normalizeOptions(value));
    expect(err.option).toBe('options');
  });

  it('lists allowed values in the error', () => {
    const err = invalid(() => normalizeOptions({ backend: 'cuda' }));
    expect(err.allowed).toEqual(["'auto'", "'webgpu'", "'webgl'", "'wasm'"]);
    expect(err.message).toContain('"cuda"');
  });

  it('explains why a weak blur radius is refused', () => {
    const err = invalid(() => normalizeOptions({ effect: { type: 'blur', radius: 1 } }));
    expect(err.message).toMatch(/readable/);
  });

  it.each(['selfie', 'selfie-landscape', 'lite', 'full', 'heavy'] as const)('accepts model %s', (model) => {
    expect(normalizeOptions({ model }).model).toBe(model);
  });

  it('model \'selfie-landscape\' accepts backend auto/webgl only (the MediaPipe solution runs its own WebGL graph)', () => {
    expect(normalizeOptions({ model: 'selfie-landscape', backend: 'webgl' }).backend).toBe('webgl');
    expect(normalizeOptions({ model: 'selfie-landscape' }).backend).toBe('auto');
    for (const backend of ['wasm', 'webgpu']) {
      const err = invalid(() => normalizeOptions({ model: 'selfie-landscape', backend }));
      expect(err.option).toBe('backend');
      expect(err.allowed).toEqual(["'auto'", "'webgl'"]);
      expect(err.message).toMatch(/WebGL graph/);
    }
  });

  it('rejects people: \'primary\' in this release, saying so', () => {
    expect(normalizeOptions({}).people).toBe('all');
    const err = invalid(() => normalizeOptions({ people: 'primary' }));
    expect(err.option).toBe('people');
    expect(err.allowed).toEqual(["'all'"]);
    expect(err.message).toMatch(/not in this release/);
  });
});

describe('normalizeEffect', () => {
  it('accepts the blur radius bounds and fills the default', () => {
    expect(normalizeEffect({ type: 'blur' })).toEqual({ type: 'blur', radius: DEFAULT_BLUR_RADIUS });
    expect(normalizeEffect({ type: 'blur', radius: MIN_BLUR_RADIUS })).toEqual({ type: 'blur', radius: MIN_BLUR_RADIUS });
    expect(normalizeEffect({ type: 'blur', radius: MAX_BLUR_RADIUS })).toEqual({ type: 'blur', radius: MAX_BLUR_RADIUS });
  });

  it('fills fit for image effects and keeps URL sources', () => {
    const url = new URL('https://example.com/bg.jpg');
    expect(normalizeEffect({ type: 'image', source: 'bg.jpg' })).toEqual({ type: 'image', source: 'bg.jpg', fit: 'cover' });
    expect(normalizeEffect({ type: 'image', source: url, fit: 'contain' })).toEqual({ type: 'image', source: url, fit: 'contain' });
  });

  it('accepts a Blob image source (present in Node)', () => {
    const blob = new Blob([new Uint8Array([1, 2, 3])]);
    const e = normalizeEffect({ type: 'image', source: blob });
    expect(e.type === 'image' && e.source).toBe(blob);
  });

  it('drops unknown fields from the copy', () => {
    expect(normalizeEffect({ type: 'none', radius: 10 })).toEqual({ type: 'none' });
    expect(normalizeEffect({ type: 'color', color: 'green', fit: 'cover' })).toEqual({ type: 'color', color: 'green' });
  });

  it('uses the given option path in errors', () => {
    const err = invalid(() => normalizeEffect({ type: 'blur', radius: 0 }, 'next'));
    expect(err.option).toBe('next.radius');
    expect(invalid(() => normalizeEffect(7, 'next')).option).toBe('next');
    expect(invalid(() => normalizeEffect({ type: 'x' }, 'next')).option).toBe('next.type');
  });
});

describe('modelBaseUrl / wasmBaseUrl', () => {
  it('adds a trailing slash and puts wasm/ under modelBaseUrl', () => {
    const o = normalizeOptions({ modelBaseUrl: 'https://cdn.example.com/app/models' });
    expect(o.modelBaseUrl.href).toBe('https://cdn.example.com/app/models/');
    expect(o.wasmBaseUrl.href).toBe('https://cdn.example.com/app/models/wasm/');
  });

  it('keeps an existing trailing slash (no doubling)', () => {
    const o = normalizeOptions({ modelBaseUrl: 'https://cdn.example.com/models/' });
    expect(o.modelBaseUrl.href).toBe('https://cdn.example.com/models/');
  });

  it('accepts URL objects and copies them', () => {
    const url = new URL('https://cdn.example.com/m');
    const o = normalizeOptions({ modelBaseUrl: url });
    expect(o.modelBaseUrl.href).toBe('https://cdn.example.com/m/');
    expect(o.modelBaseUrl).not.toBe(url);
    expect(url.href).toBe('https://cdn.example.com/m'); // caller's URL untouched
  });

  it('takes an explicit wasmBaseUrl, with a trailing slash', () => {
    const o = normalizeOptions({ modelBaseUrl: 'https://a.example/models/', wasmBaseUrl: 'https://b.example/tfjs-wasm' });
    expect(o.modelBaseUrl.href).toBe('https://a.example/models/');
    expect(o.wasmBaseUrl.href).toBe('https://b.example/tfjs-wasm/');
  });

  it('keeps query strings out of the path when adding the slash', () => {
    const o = normalizeOptions({ modelBaseUrl: 'https://a.example/models?v=2' });
    expect(o.modelBaseUrl.pathname).toBe('/models/');
    expect(o.modelBaseUrl.search).toBe('?v=2');
  });
});
