// Labels of the environment limits and capabilities, shared by the dashboard
// cards and the settings forms.
import type { EnvironmentFieldsFragment } from '../generated/graphql';
import { fmtBytes, fmtNumber } from './format';

export type LimitKey = keyof EnvironmentFieldsFragment['limits'];
export type CapabilityKey = keyof EnvironmentFieldsFragment['capabilities'];

/** `min`: the smallest value the settings form takes (1 unless said; a quota of 0 means none). */
export const LIMITS: { key: LimitKey; label: string; format: (n: number) => string; min?: number }[] = [
  { key: 'requestsPerSecond', label: 'Requests per second', format: (n) => `${fmtNumber(n)} /s` },
  { key: 'maxConcurrentRequests', label: 'Max concurrent requests', format: fmtNumber },
  { key: 'maxBodyBytes', label: 'Max body size (bytes)', format: fmtBytes },
  { key: 'requestTimeoutMs', label: 'Request timeout (ms)', format: (n) => `${fmtNumber(n)} ms` },
  { key: 'maxFileBytes', label: 'Max file size (bytes)', format: fmtBytes },
  { key: 'fileQuotaBytes', label: 'File quota (bytes, 0 = none)', format: (n) => (n ? fmtBytes(n) : 'no quota'), min: 0 },
];

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
