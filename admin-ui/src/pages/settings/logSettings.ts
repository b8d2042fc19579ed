// The request-log settings of an environment as the settings form edits them:
// the body limit in KiB (the server counts bytes), the rest as they are.
import { fromUnit, KIB, toUnit } from '../../lib/envFields';
import type { Environment } from '../../lib/stores/environments.svelte';

export interface LogDraft {
  logRetentionRecords: number | null;
  logRetentionDays: number | null;
  /** In KiB. */
  logBodyLimitKiB: number | null;
  logRedactNames: string[];
}

/** The server's names of these fields (errors name them so). */
export const LOG_KEYS = ['logRetentionRecords', 'logRetentionDays', 'logBodyLimitBytes', 'logRedactNames'] as const;

export const logDraftOf = (e: Environment): LogDraft => ({
  logRetentionRecords: e.logRetentionRecords,
  logRetentionDays: e.logRetentionDays,
  logBodyLimitKiB: toUnit(e.logBodyLimitBytes, KIB),
  logRedactNames: [...e.logRedactNames],
});

const fmt = (n: number) => n.toLocaleString('en-US');

/** Problems by field key (as the server names them). */
export function validateLogs(d: LogDraft): Record<string, string> {
  const out: Record<string, string> = {};
  const whole: [keyof LogDraft, string, number, number][] = [
    ['logRetentionRecords', 'logRetentionRecords', 100, 100_000_000],
    ['logRetentionDays', 'logRetentionDays', 1, 3650],
  ];
  for (const [field, key, min, max] of whole) {
    const v = d[field] as number | null;
    if (v == null || !Number.isInteger(v) || v < min || v > max) out[key] = `Must be a whole number from ${fmt(min)} to ${fmt(max)}.`;
  }
  const kib = d.logBodyLimitKiB;
  if (kib == null || !Number.isFinite(kib) || kib < 0 || kib > 1024) out.logBodyLimitBytes = 'Must be from 0 to 1,024 KiB (1 MiB).';
  return out;
}

/** The fields of `UpdateEnvironmentInput` (call after `validateLogs` found nothing). */
export function logInput(d: LogDraft, env: Environment): {
  logRetentionRecords: number;
  logRetentionDays: number;
  logBodyLimitBytes: number;
  logRedactNames: string[];
} {
  return {
    logRetentionRecords: d.logRetentionRecords ?? 0,
    logRetentionDays: d.logRetentionDays ?? 0,
    logBodyLimitBytes: fromUnit(d.logBodyLimitKiB ?? 0, KIB, env.logBodyLimitBytes),
    logRedactNames: [...d.logRedactNames],
  };
}
