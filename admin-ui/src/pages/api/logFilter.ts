// The log panel's filter as the form edits it, and as `RequestLogFilter` sends it.
import type { RequestLogFilter, RequestLogRowFieldsFragment, StreamClosedBy } from '../../generated/graphql';

export type LogRow = RequestLogRowFieldsFragment;

/** Why a stream closed, in words (after "closed by"). */
export const CLOSED_BY: Record<StreamClosedBy, string> = {
  CLIENT: 'the client',
  ACCESS_ENDED: 'access ended (token expired or user disabled)',
  SERVER: 'the server',
  ERROR: 'an error reading the change feed',
  REFUSED: 'the server: refused after it opened (the first message’s token, cursor or caller)',
};

export const eventsText = (n: number): string => `${n} event${n === 1 ? '' : 's'}`;

export interface LogFilterDraft {
  router: string;
  method: string;
  /** '' (any) or '2'…'5': all statuses of that hundred. */
  statusClass: string;
  /** An exact status such as '404', '' for any. */
  status: string;
  user: string;
  path: string;
  /** `datetime-local` values (local time), '' for open. */
  since: string;
  until: string;
}

export const EMPTY_FILTER: LogFilterDraft = { router: '', method: '', statusClass: '', status: '', user: '', path: '', since: '', until: '' };

export const STATUS_CLASSES = ['2', '3', '4', '5'] as const;

function isoOf(local: string): string | null {
  if (!local) return null;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** An exact status the API accepts (100 to 599), or null. */
export function exactStatus(status: string): number | null {
  return /^[1-5]\d\d$/.test(status.trim()) ? Number(status.trim()) : null;
}

/** The filter as the API takes it; empty fields are left out. */
export function toApiFilter(f: LogFilterDraft): RequestLogFilter {
  const out: RequestLogFilter = {};
  if (f.router) out.router = f.router;
  if (f.method) out.method = f.method;
  if (f.statusClass) out.statusClass = Number(f.statusClass);
  const status = exactStatus(f.status);
  if (status !== null) out.status = status;
  if (f.user.trim()) out.user = f.user.trim();
  if (f.path.trim()) out.pathContains = f.path.trim();
  const since = isoOf(f.since);
  const until = isoOf(f.until);
  if (since) out.since = since;
  if (until) out.until = until;
  return out;
}

export const isFiltered = (f: LogFilterDraft): boolean => Object.keys(toApiFilter(f)).length > 0;

/** Newest first (ids are time-ordered UUID v7), without duplicates. */
export function mergeNewest(a: LogRow[], b: LogRow[]): LogRow[] {
  const byId = new Map<string, LogRow>();
  for (const r of [...a, ...b]) byId.set(r.id, r);
  return [...byId.values()].sort((x, y) => (x.id < y.id ? 1 : x.id > y.id ? -1 : 0));
}

/**
 * Does a record pass the filter? Used to keep rows that arrived live across a
 * reload: the tail hands records over before the log writer stores them
 * (batched, up to ~200 ms), so a query right after may not return them yet.
 */
export function matchesFilter(r: LogRow, f: RequestLogFilter): boolean {
  const has = (text: string | null, part: string | null | undefined) =>
    !part || (!!text && text.toLowerCase().includes(part.toLowerCase()));
  const at = Date.parse(r.at);
  return (
    (!f.router || r.router === f.router) &&
    (!f.method || r.method.toUpperCase() === f.method.toUpperCase()) &&
    (f.status == null || r.status === f.status) &&
    (f.statusClass == null || Math.floor(r.status / 100) === f.statusClass) &&
    (f.userId == null || r.userId === f.userId) &&
    has(r.userEmail, f.user) &&
    has(r.path, f.pathContains) &&
    (!f.since || at >= Date.parse(f.since)) &&
    (!f.until || at <= Date.parse(f.until))
  );
}
