export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function fmtNumber(n: number): string {
  return n.toLocaleString('en-US');
}

export function fmtBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1 && v % 1024 === 0) {
    v /= 1024;
    i++;
  }
  return `${fmtNumber(v)} ${units[i]}`;
}

/** A latency: `0.42 ms`, `12.3 ms`, `245 ms`, `1.24 s`; `—` for none. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms == null) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** How long something lasted, for spans longer than a request: `820 ms`, `4.2 s`, `3 min 5 s`, `2 h 10 min`. */
export function fmtDuration(ms: number): string {
  if (ms < 1000) return fmtMs(ms);
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  return `${Math.floor(whole / 3600)} h ${Math.floor((whole % 3600) / 60)} min`;
}

/** A time of day with seconds (`14:03:27`), the date too when not today. */
export function fmtTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  if (d.toDateString() === new Date().toDateString()) return time;
  return `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}`;
}

/** `part` of `whole` as a percentage (`2.5 %`); `—` when whole is 0. */
export function fmtPercent(part: number, whole: number): string {
  if (!whole) return '—';
  const p = (part / whole) * 100;
  return `${p === 0 || p >= 10 ? Math.round(p) : p.toFixed(1)} %`;
}

/** A rate per second: `0.02 /s`, `3.5 /s`, `120 /s`. */
export function fmtRate(perSecond: number): string {
  if (perSecond === 0) return '0 /s';
  if (perSecond < 0.01) return '<0.01 /s';
  if (perSecond < 10) return `${perSecond.toFixed(2).replace(/\.?0+$/, '')} /s`;
  return `${fmtNumber(Math.round(perSecond))} /s`;
}

/** A size in human units: `512 B`, `3.4 KiB`, `12 MiB`, `1.25 GiB` (powers of 1024, like the limits). */
export function fmtSize(n: number): string {
  if (n < 1024) return `${fmtNumber(n)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${Number(v.toFixed(digits)).toLocaleString('en-US')} ${units[i]}`;
}
