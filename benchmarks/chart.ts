/**
 * A tiny canvas line/stacked-area chart for the bench pages (no chart library, nothing from a CDN).
 */

/** One plotted series. */
export interface Series {
  /** Legend label. */
  label: string;
  /** CSS colour. */
  color: string;
  /** Drawn stacked on the previous stacked series (an area), else as a line. */
  stacked?: boolean;
}

/** A chart that keeps the last `maxPoints` samples of each series. */
export interface Chart {
  /** Append one sample (one value per series, in series order) and redraw. */
  push(values: readonly number[]): void;
}

/** Draw into `canvas`: stacked areas first, then lines, a y grid and a legend. */
export function createChart(canvas: HTMLCanvasElement, series: readonly Series[], unit: string, maxPoints = 120): Chart {
  const data: number[][] = series.map(() => []);
  const draw = (): void => {
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const { width: W, height: H } = canvas;
    const left = 30, top = 16, bottom = 4;
    const plotH = H - top - bottom;
    const n = data[0]!.length;
    let max = 1;
    for (let i = 0; i < n; i++) {
      let stack = 0;
      for (let s = 0; s < series.length; s++) {
        const v = data[s]![i] ?? 0;
        if (series[s]!.stacked) stack += v;
        max = Math.max(max, series[s]!.stacked ? stack : v);
      }
    }
    const step = niceStep(max / 4);
    const topValue = Math.ceil((max * 1.05) / step) * step;
    const y = (v: number): number => top + plotH - (v / topValue) * plotH;
    const x = (i: number): number => left + (i / Math.max(1, maxPoints - 1)) * (W - left - 2);
    ctx.clearRect(0, 0, W, H);
    ctx.font = '10px monospace';
    ctx.strokeStyle = '#e3e3e3';
    ctx.fillStyle = '#777';
    ctx.lineWidth = 1;
    for (let v = 0; v <= topValue + 1e-9; v += step) {
      ctx.beginPath();
      ctx.moveTo(left, y(v));
      ctx.lineTo(W, y(v));
      ctx.stroke();
      ctx.fillText(String(Math.round(v * 10) / 10), 2, y(v) + 3);
    }
    // Legend.
    let lx = left;
    ctx.fillText(unit, lx, 10);
    lx += ctx.measureText(unit).width + 10;
    for (const s of series) {
      ctx.fillStyle = s.color;
      ctx.fillRect(lx, 3, 8, 8);
      ctx.fillStyle = '#444';
      ctx.fillText(s.label, lx + 11, 10);
      lx += ctx.measureText(s.label).width + 22;
    }
    if (n < 2) return;
    const base = new Array<number>(n).fill(0);
    for (let s = 0; s < series.length; s++) {
      if (!series[s]!.stacked) continue;
      const vals = data[s]!;
      ctx.beginPath();
      for (let i = 0; i < n; i++) ctx.lineTo(x(i), y(base[i]! + vals[i]!));
      for (let i = n - 1; i >= 0; i--) ctx.lineTo(x(i), y(base[i]!));
      ctx.closePath();
      ctx.fillStyle = series[s]!.color;
      ctx.fill();
      for (let i = 0; i < n; i++) base[i]! += vals[i]!;
    }
    ctx.lineWidth = 2;
    for (let s = 0; s < series.length; s++) {
      if (series[s]!.stacked) continue;
      ctx.strokeStyle = series[s]!.color;
      ctx.beginPath();
      for (let i = 0; i < n; i++) ctx.lineTo(x(i), y(data[s]![i]!));
      ctx.stroke();
    }
  };
  draw();
  return {
    push(values) {
      for (let s = 0; s < series.length; s++) {
        const arr = data[s]!;
        arr.push(Number.isFinite(values[s]) ? values[s]! : 0);
        if (arr.length > maxPoints) arr.shift();
      }
      draw();
    },
  };
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
