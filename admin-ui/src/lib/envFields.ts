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
}

export const LIMITS: LimitField[] = [
  { key: 'requestsPerSecond', label: 'Requests per second', format: (n) => `${fmtNumber(n)} /s`, unit: '', scale: 1, whole: true,
    hint: 'Per environment; more answer 429' },
  { key: 'maxConcurrentRequests', label: 'Concurrent requests', format: fmtNumber, unit: '', scale: 1, whole: true,
    hint: 'In flight at once; more answer 503' },
  { key: 'maxBodyBytes', label: 'Max body size', format: fmtBytes, unit: 'MiB', scale: MIB, whole: false,
    hint: 'Larger request bodies answer 413' },
  { key: 'requestTimeoutMs', label: 'Request timeout', format: (n) => `${fmtNumber(n / 1000)} s`, unit: 'seconds', scale: 1000,
    whole: false, hint: 'A slower request answers 504' },
  { key: 'maxFileBytes', label: 'Max file size', format: fmtBytes, unit: 'MiB', scale: MIB, whole: false,
    hint: 'Admin uploads and file columns' },
  { key: 'fileQuotaBytes', label: 'File quota', format: (n) => (n ? fmtBytes(n) : 'no quota'), unit: 'MiB', scale: MIB,
    whole: false, zero: 'no quota', hint: '0 = no quota' },
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
