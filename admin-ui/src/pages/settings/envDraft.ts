// An environment as its settings form edits it (limits in their units,
// variables as rows) and the `UpdateEnvironmentInput` it saves.
import type { UpdateEnvironmentInput } from '../../generated/graphql';
import { fromUnit, LIMITS, toUnit, type LimitKey } from '../../lib/envFields';
import type { Environment } from '../../lib/stores/environments.svelte';
import { logDraftOf, logInput, validateLogs, type LogDraft } from './logSettings';
import { buildVariables, varRows, type VarRow } from './variables';

export interface EnvDraft {
  name: string;
  /** In each limit's unit (MiB, seconds, counts). */
  limits: Record<LimitKey, number | null>;
  capabilities: Record<string, boolean>;
  logs: LogDraft;
  corsOrigins: string[];
  variables: VarRow[];
}

export function envDraftOf(e: Environment): EnvDraft {
  return {
    name: e.name,
    limits: Object.fromEntries(LIMITS.map((l) => [l.key, toUnit(e.limits[l.key], l.scale)])) as EnvDraft['limits'],
    capabilities: { ...e.capabilities },
    logs: logDraftOf(e),
    corsOrigins: [...e.corsOrigins],
    variables: varRows(e.variables),
  };
}

/** What the form compares to see edits: row keys are not edits. */
export const comparable = (d: EnvDraft): string =>
  JSON.stringify({ ...d, variables: d.variables.map(({ key: _, ...r }) => r) });

const ORIGIN = /^https?:\/\/[^/?#\s]+$/;

export interface Checked {
  /** Problems by field key (as the server names them: `limits.maxBodyBytes`, `corsOrigins`). */
  fields: Record<string, string>;
  /** Problems of variable rows, by row key. */
  variables: Record<number, string>;
  input: UpdateEnvironmentInput | null;
}

export function checkDraft(d: EnvDraft, env: Environment): Checked {
  const fields: Record<string, string> = validateLogs(d.logs);
  if (!d.name.trim()) fields.name = 'Name is required.';
  const limits: Record<string, number> = {};
  for (const l of LIMITS) {
    const v = d.limits[l.key];
    const key = `limits.${l.key}`;
    if (v == null || !Number.isFinite(v) || v < 0 || (v === 0 && !l.zero)) {
      fields[key] = l.zero ? `Must be 0 or more (0 = ${l.zero}).` : `Must be greater than 0${l.unit ? ` ${l.unit}` : ''}.`;
    } else if (l.whole && !Number.isInteger(v)) {
      fields[key] = 'Must be a whole number greater than 0.';
    } else {
      limits[l.key] = fromUnit(v, l.scale, env.limits[l.key]);
      // 0.0000001 MiB rounds to no byte at all.
      if (limits[l.key] === 0 && !l.zero) fields[key] = `Must be greater than 0${l.unit ? ` ${l.unit}` : ''}.`;
    }
  }
  const origins = d.corsOrigins.map((o) => o.trim()).filter(Boolean);
  const badOrigin = origins.find((o) => o !== '*' && !ORIGIN.test(o));
  if (badOrigin) fields.corsOrigins = `${badOrigin} is not an origin like https://app.example.com (scheme and host, no path), or *.`;
  const vars = buildVariables(d.variables);
  const ok = !Object.keys(fields).length && !Object.keys(vars.errors).length;
  return {
    fields,
    variables: vars.errors,
    input: ok
      ? {
          name: d.name.trim(),
          limits,
          capabilities: { ...d.capabilities },
          corsOrigins: origins,
          variables: vars.value,
          ...logInput(d.logs, env),
        }
      : null,
  };
}
