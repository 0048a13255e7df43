// Hand-written SVG line charts: latency CDFs and completions per second over time.
export interface Series {
  name: string;
  points: [number, number][];
}

const W = 720;
const H = 400;
const M = { l: 64, r: 170, t: 36, b: 48 };
const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#7f7f7f'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2)).replace(/\.0+$/, '');

function niceMax(x: number): number {
  if (x <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= x) return m * mag;
  return 10 * mag;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Logarithmic x axis (latencies spanning decades). */
  logX?: boolean;
  yMax?: number;
  /** Vertical markers (e.g. kills, restarts) at these x values. */
  markers?: { x: number; label: string }[];
}

export function lineChart(series: readonly Series[], o: ChartOptions): string {
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const logX = o.logX === true;
  const xMinRaw = xs.length ? Math.min(...xs) : 0;
  const xMaxRaw = xs.length ? Math.max(...xs) : 1;
  const xMin = logX ? 10 ** Math.floor(Math.log10(Math.max(0.1, xMinRaw))) : 0;
  const xMax = logX ? 10 ** Math.ceil(Math.log10(Math.max(xMin * 10, xMaxRaw))) : niceMax(xMaxRaw);
  const yMax = o.yMax ?? niceMax(ys.length ? Math.max(...ys) : 1);
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const r1 = (v: number): number => Math.round(v * 10) / 10;
  const sx = (x: number): number =>
    r1(M.l + (logX ? (Math.log10(Math.max(x, xMin)) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin)) : x / xMax) * pw);
  const sy = (y: number): number => r1(M.t + ph - (y / yMax) * ph);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2 - M.r / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(o.title)}</text>`,
  ];
  const xTicks = logX
    ? Array.from({ length: Math.round(Math.log10(xMax / xMin)) + 1 }, (_, i) => xMin * 10 ** i)
    : Array.from({ length: 6 }, (_, i) => (xMax * i) / 5);
  for (const t of xTicks) {
    out.push(`<line x1="${sx(t)}" y1="${M.t}" x2="${sx(t)}" y2="${M.t + ph}" stroke="#eee"/>`);
    out.push(`<text x="${sx(t)}" y="${M.t + ph + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const t = (yMax * i) / 5;
    out.push(`<line x1="${M.l}" y1="${sy(t)}" x2="${M.l + pw}" y2="${sy(t)}" stroke="#eee"/>`);
    out.push(`<text x="${M.l - 6}" y="${sy(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${M.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  for (const m of o.markers ?? []) {
    out.push(`<line x1="${sx(m.x)}" y1="${M.t}" x2="${sx(m.x)}" y2="${M.t + ph}" stroke="#999" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${sx(m.x) + 3}" y="${M.t + 12}" font-size="10" fill="#555">${esc(m.label)}</text>`);
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    if (s.points.length > 0) {
      const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)},${sy(Math.min(p[1], yMax)).toFixed(1)}`).join('');
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"/>`);
    }
    const ly = M.t + 14 + i * 18;
    out.push(`<line x1="${W - M.r + 12}" y1="${ly - 4}" x2="${W - M.r + 32}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${W - M.r + 38}" y="${ly}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Empirical CDF points of `values` (at most ~400 points). */
export function cdfPoints(values: readonly number[]): [number, number][] {
  const s = [...values].sort((a, b) => a - b);
  const step = Math.max(1, Math.floor(s.length / 400));
  const pts: [number, number][] = [];
  for (let i = 0; i < s.length; i += step) pts.push([s[i]!, (i + 1) / s.length]);
  if (s.length > 0) pts.push([s[s.length - 1]!, 1]);
  return pts;
}

export function cdfChart(series: { name: string; values: readonly number[] }[], title: string, xLabel: string): string {
  return lineChart(
    series.map((s) => ({ name: `${s.name} (n=${s.values.length})`, points: cdfPoints(s.values) })),
    { title, xLabel, yLabel: 'fraction of requests', logX: true, yMax: 1 },
  );
}

export function timeChart(series: { name: string; perSecond: readonly number[] }[], title: string, markers: ChartOptions['markers'] = []): string {
  return lineChart(
    series.map((s) => ({ name: s.name, points: s.perSecond.map((v, i): [number, number] => [i + 0.5, v]) })),
    { title, xLabel: 'seconds since the load started', yLabel: 'completions per second', markers },
  );
}
