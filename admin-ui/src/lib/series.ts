// Chart series from routerStats: per-router points summed into one line.
import type { RouterStatsQuery } from '../generated/graphql';

export type RouterStat = RouterStatsQuery['routerStats'][number];

/** One point of a chart. */
export interface Point {
  at: string;
  value: number;
}

/** The sum over routers of one figure of their series, point by point (keyed by `at`). */
export function sumSeries(stats: RouterStat[], pick: (p: RouterStat['series'][number]) => number): Point[] {
  const byAt = new Map<string, number>();
  for (const s of stats) for (const p of s.series) byAt.set(p.at, (byAt.get(p.at) ?? 0) + pick(p));
  return [...byAt.entries()].sort(([a], [b]) => Date.parse(a) - Date.parse(b)).map(([at, value]) => ({ at, value }));
}

/** One router's series of one figure. */
export function seriesOf(stat: RouterStat, pick: (p: RouterStat['series'][number]) => number): Point[] {
  return stat.series.map((p) => ({ at: p.at, value: pick(p) }));
}
