// The request-log settings of an environment as the settings form edits them.
import type { Environment } from '../../lib/stores/environments.svelte';

export interface LogDraft {
  logRetentionRecords: number | null;
  logRetentionDays: number | null;
  logBodyLimitBytes: number | null;
  logRedactNames: string[];
}

export const LOG_KEYS = ['logRetentionRecords', 'logRetentionDays', 'logBodyLimitBytes', 'logRedactNames'] as const;

export const logDraftOf = (e: Environment): LogDraft => ({
  logRetentionRecords: e.logRetentionRecords,
  logRetentionDays: e.logRetentionDays,
  logBodyLimitBytes: e.logBodyLimitBytes,
  logRedactNames: [...e.logRedactNames],
});

const RANGES = {
  logRetentionRecords: [100, 100_000_000],
  logRetentionDays: [1, 3650],
  logBodyLimitBytes: [0, 1024 * 1024],
} as const;

/** Problems by field key (as the server names them). */
export function validateLogs(d: LogDraft): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, [min, max]] of Object.entries(RANGES)) {
    const v = d[key as keyof typeof RANGES];
    if (v == null || !Number.isInteger(v) || v < min || v > max) {
      out[key] = `Must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}.`;
    }
  }
  return out;
}

/** The fields of `UpdateEnvironmentInput` (call after `validateLogs` found nothing). */
export function logInput(d: LogDraft): {
  logRetentionRecords: number;
  logRetentionDays: number;
  logBodyLimitBytes: number;
  logRedactNames: string[];
} {
  return {
    logRetentionRecords: d.logRetentionRecords ?? 0,
    logRetentionDays: d.logRetentionDays ?? 0,
    logBodyLimitBytes: d.logBodyLimitBytes ?? 0,
    logRedactNames: [...d.logRedactNames],
  };
}
