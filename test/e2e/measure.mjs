// Functions that run IN THE PAGE (passed to puppeteer's page.evaluate, so each is self-contained).
//
// The fake camera plays the doctor clip (../shared/media/video/doctor-540p.mp4 at 720p): a woman
// at a desk, static camera. Its background region used here is the "border": the left and right
// 8 % bands down to 80 % of the height (blinds, shelves, a monitor's edge on the left; the desk
// and her hands are below 80 %) and the top 6 % of the frame except where her head reaches it
// (45–85 % of the width). In the 4 s of the clip no part of the person enters that border.

/**
 * Wait until `selector` (a <video>) plays frames; returns its size.
 * @returns {Promise<{width:number,height:number,waitedMs:number}>}
 */
export async function waitForVideo(selector, timeoutMs) {
  const t0 = performance.now();
  const video = document.querySelector(selector);
  if (!video) throw new Error(`no element ${selector}`);
  for (;;) {
    if (document.body.dataset.state === 'error') {
      throw new Error(`the example reported an error: ${document.querySelector('#status')?.textContent}`);
    }
    if (video.srcObject && video.readyState >= 2 && video.videoWidth > 0) break;
    if (performance.now() - t0 > timeoutMs) {
      throw new Error(`${selector} showed no frame within ${timeoutMs} ms (readyState ${video.readyState}, ` +
        `status: ${document.querySelector('#status')?.textContent})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { width: video.videoWidth, height: video.videoHeight, waitedMs: Math.round(performance.now() - t0) };
}

/**
 * Sample the output video `selector` `samples` times, `intervalMs` apart, and classify each border
 * pixel against the expected background and the raw camera (a second getUserMedia on the same
 * fake device). A pixel "matches" a reference when every channel is within `tolerance`.
 *
 * @param {string} selector the output <video>
 * @param {{expect: {color?: [number,number,number], selector?: string, recentFrames?: number, url?: string, blur?: boolean} | null,
 *          samples?: number, intervalMs?: number, tolerance?: number, rawTolerance?: number,
 *          size?: [number, number]}} options
 *   expect.color: a constant RGB; expect.selector: an element drawn at the same size (a background
 *   <video>; with expect.recentFrames = n, each sample is scored against the best of the video's
 *   last n presented frames); expect.url: an image drawn at the same size (cover of a same-aspect image);
 *   expect.blur: compare Laplacian energy instead; null: only the raw comparison.
 */
export async function measureBorder(selector, options) {
  const { expect, samples = 5, intervalMs = 300, tolerance = 40, rawTolerance = 24 } = options;
  const video = document.querySelector(selector);
  const [w, h] = options.size ?? [video.videoWidth, video.videoHeight];

  const rawStream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } });
  const raw = document.createElement('video');
  raw.muted = true;
  raw.playsInline = true;
  raw.srcObject = rawStream;
  await raw.play();
  while (raw.readyState < 2 || raw.videoWidth === 0) await new Promise((r) => setTimeout(r, 50));

  let image = null;
  if (expect?.url) {
    image = new Image();
    image.src = expect.url;
    await image.decode();
  }
  const refEl = expect?.selector ? document.querySelector(expect.selector) : image;

  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const grab = (el) => {
    ctx.drawImage(el, 0, 0, w, h);
    return ctx.getImageData(0, 0, w, h).data;
  };
  const top = Math.round(h * 0.06);
  const side = Math.round(w * 0.08);
  const bottom = Math.round(h * 0.8);
  const headFrom = Math.round(w * 0.45);
  const headTo = Math.round(w * 0.85);
  const inBorder = (x, y) => (y < top && (x < headFrom || x >= headTo)) || (y < bottom && (x < side || x >= w - side));
  const near = (a, i, b, j, tol) =>
    Math.abs(a[i] - b[j]) <= tol && Math.abs(a[i + 1] - b[j + 1]) <= tol && Math.abs(a[i + 2] - b[j + 2]) <= tol;
  const lum = (d, i) => 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
  const laplacianEnergy = (d) => {
    let s = 0;
    let n = 0;
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 1; x++) {
        if (!inBorder(x, y)) continue;
        const i = (y * w + x) * 4;
        const l = 4 * lum(d, i) - lum(d, i - 4) - lum(d, i + 4) - lum(d, i - 4 * w) - lum(d, i + 4 * w);
        s += l * l;
        n++;
      }
    }
    return s / n;
  };

  const out = [];
  let previous = null;
  let changed = 0;
  for (let k = 0; k < samples; k++) {
    if (k) await new Promise((r) => setTimeout(r, intervalMs));
    // A background <video> (expect.recentFrames): the output shows the frame the compositor drew,
    // which the output <video> displays some frames later; compare with the best match among the
    // background's last `recentFrames` frames (each taken as it is presented), not with the one
    // playing at the instant of the grab — that would measure display lag, not what was drawn.
    const refs = [];
    if (refEl && expect?.recentFrames) {
      for (let f = 0; f < expect.recentFrames; f++) {
        await new Promise((res) => refEl.requestVideoFrameCallback(() => res()));
        refs.push(grab(refEl));
      }
    }
    const o = grab(video);
    const r = grab(raw);
    let ref = refEl ? (refs.length ? null : grab(refEl)) : null;
    if (refs.length) {
      let best = -1;
      for (const candidate of refs) {
        let m = 0;
        for (let y = 0; y < h; y += 2) for (let x = 0; x < w; x += 2) if (inBorder(x, y) && near(o, (y * w + x) * 4, candidate, (y * w + x) * 4, tolerance)) m++;
        if (m > best) {
          best = m;
          ref = candidate;
        }
      }
    }
    const color = expect?.color;
    let n = 0;
    let bg = 0;
    let rawOnly = 0;
    let rawAny = 0;
    let both = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (!inBorder(x, y)) continue;
        const i = (y * w + x) * 4;
        n++;
        const isRaw = near(o, i, r, i, rawTolerance);
        let isBg = false;
        if (color) isBg = near(o, i, color, 0, tolerance);
        else if (ref) isBg = near(o, i, ref, i, tolerance);
        if (isRaw) rawAny++;
        if (isBg && isRaw) both++;
        else if (isBg) bg++;
        else if (isRaw) rawOnly++;
      }
    }
    const sample = { bg: bg / n, rawOnly: rawOnly / n, rawAny: rawAny / n, both: both / n, pixels: n };
    if (expect?.blur) sample.energyRatio = laplacianEnergy(o) / laplacianEnergy(r);
    if (previous) {
      let diff = 0;
      for (let i = 0; i < o.length; i += 28) diff += Math.abs(o[i] - previous[i]);
      if (diff / (o.length / 28) > 0.05) changed++;
    }
    previous = o;
    out.push(sample);
  }
  rawStream.getTracks().forEach((t) => t.stop());
  const mean = (key) => out.reduce((s, x) => s + (x[key] ?? 0), 0) / out.length;
  const max = (key) => Math.max(...out.map((x) => x[key] ?? 0));
  const min = (key) => Math.min(...out.map((x) => x[key] ?? 0));
  return {
    width: w,
    height: h,
    samples: out.length,
    changed,
    bg: mean('bg'),
    minBg: min('bg'),
    rawOnly: mean('rawOnly'),
    maxRawOnly: max('rawOnly'),
    rawAny: mean('rawAny'),
    both: mean('both'),
    energyRatio: expect?.blur ? mean('energyRatio') : undefined,
    maxEnergyRatio: expect?.blur ? max('energyRatio') : undefined,
  };
}

/** Count output frames of `selector` for `ms` milliseconds (requestVideoFrameCallback). */
export async function countFrames(selector, ms) {
  const video = document.querySelector(selector);
  let frames = 0;
  let counting = true;
  const onFrame = () => {
    frames++;
    if (counting) video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  const t = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  counting = false;
  return frames / ((performance.now() - t) / 1000);
}
