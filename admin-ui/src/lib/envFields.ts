// Labels of the environment limits and capabilities, shared by the dashboard
// cards and the settings forms. The server counts bytes and milliseconds;
// people think in MiB and seconds, so forms show `unit` and convert by `scale`.
import type { EnvironmentFieldsFragment } from '../generated/graphql';
import { fmtBytes, fmtNumber } from './format';

export type LimitKey = keyof EnvironmentFieldsFragment['limits'];
export type CapabilityKey = keyof EnvironmentFieldsFragment['capabilities'];

export const MIB = 1024 * 1024;
export const KIB = 1024;

export interface LimitField {
  key: LimitKey;
  /** The limit's name (cards); forms add the unit. */
  label: string;
  format: (n: number) => string;
  /** What a form shows: the server's value divided by `scale`. */
  unit: string;
  scale: number;
  /** What 0 means where it is allowed (a quota of 0 is none); elsewhere a form wants more than 0. */
  zero?: string;
  /** Counts are whole numbers; sizes and times may be fractions of their unit. */
  whole: boolean;
  hint?: string;
  /** Which heading of the settings form it is under. */
  group: LimitGroup;
}

export type LimitGroup = 'requests' | 'realtime' | 'feed';

/** The settings form's headings of the limits, in order. */
export const LIMIT_GROUPS: { key: LimitGroup; title: string }[] = [
  { key: 'requests', title: 'Requests and files' },
  { key: 'realtime', title: 'Realtime (watch routers)' },
  { key: 'feed', title: 'Change feed retention' },
];

export const LIMITS: LimitField[] = [
  { key: 'requestsPerSecond', label: 'Requests per second', format: (n) => `${fmtNumber(n)} /s`, unit: '', scale: 1, whole: true,
    hint: 'Per environment; more answer 429', group: 'requests' },
  { key: 'maxConcurrentRequests', label: 'Concurrent requests', format: fmtNumber, unit: '', scale: 1, whole: true,
    hint: 'In flight at once; more answer 503', group: 'requests' },
  { key: 'maxBodyBytes', label: 'Max body size', format: fmtBytes, unit: 'MiB', scale: MIB, whole: false,
    hint: 'Larger request bodies answer 413', group: 'requests' },
  { key: 'requestTimeoutMs', label: 'Request timeout', format: (n) => `${fmtNumber(n / 1000)} s`, unit: 'seconds', scale: 1000,
    whole: false, hint: 'A slower request answers 504', group: 'requests' },
  { key: 'maxFileBytes', label: 'Max file size', format: fmtBytes, unit: 'MiB', scale: MIB, whole: false,
    hint: 'Admin uploads and file columns', group: 'requests' },
  { key: 'fileQuotaBytes', label: 'File quota', format: (n) => (n ? fmtBytes(n) : 'no quota'), unit: 'MiB', scale: MIB,
    whole: false, zero: 'no quota', hint: '0 = no quota', group: 'requests' },
  { key: 'maxSubscribers', label: 'Subscribers in all', format: fmtNumber, unit: '', scale: 1, whole: true,
    hint: 'Connected at once; a new stream beyond it answers 503 (1 to 1,000,000)', group: 'realtime' },
  { key: 'maxSubscribersPerUser', label: 'Subscribers per user', format: fmtNumber, unit: '', scale: 1, whole: true,
    hint: 'Per end user, or per address when anonymous; beyond it 429 (1 to 10,000)', group: 'realtime' },
  { key: 'maxEventsPerSecond', label: 'Events per second', format: (n) => `${fmtNumber(n)} /s`, unit: '', scale: 1, whole: true,
    hint: 'To each subscriber; more are paced, none is dropped (1 to 1,000,000)', group: 'realtime' },
  { key: 'feedRetentionEvents', label: 'Feed retention', format: (n) => `${fmtNumber(n)} events`, unit: 'events', scale: 1,
    whole: true, hint: 'The newest kept; resuming from an older cursor gets resync (100 to 100,000,000)', group: 'feed' },
  { key: 'feedRetentionHours', label: 'Feed retention', format: (n) => `${fmtNumber(n)} h`, unit: 'hours', scale: 1,
    whole: true, hint: 'Older events are dropped; resuming from before gets resync (1 to 8,784)', group: 'feed' },
];

/** The label a form shows: the name and its unit. */
export const limitLabel = (l: { label: string; unit: string }): string => (l.unit ? `${l.label} (${l.unit})` : l.label);

/** A server value in a form's unit, rounded so that a size like 1,000,000 bytes reads 0.954 MiB. */
export function toUnit(raw: number, scale: number): number {
  return scale === 1 ? raw : Math.round((raw / scale) * 1000) / 1000;
}

/** A form value back in the server's unit; an untouched (rounded) value keeps the exact original. */
export function fromUnit(shown: number, scale: number, original: number | null): number {
  if (original !== null && toUnit(original, scale) === shown) return original;
  return Math.round(shown * scale);
}

export const CAPABILITIES: { key: CapabilityKey; label: string }[] = [
  { key: 'monitoring', label: 'Monitoring' },
  { key: 'requestLogs', label: 'Request logs' },
  { key: 'apiTest', label: 'API test' },
  { key: 'databaseManagement', label: 'Database management' },
  { key: 'userManagement', label: 'User management' },
  { key: 'fileManagement', label: 'File management' },
];

/** `test` and `production` exist in every installation and cannot be deleted. */
export const isBuiltinEnvironment = (slug: string): boolean => slug === 'test' || slug === 'production';
