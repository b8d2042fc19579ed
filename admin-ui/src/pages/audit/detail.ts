// An audit entry's detail as compact `key: value` text.

function valueText(v: unknown): string {
  if (v == null) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length ? v.map(valueText).join(', ') : '[]';
  return JSON.stringify(v);
}

/** `{release: 3, gate: "PASSED"}` → `["release: 3", "gate: PASSED"]`; a non-object is one part. */
export function detailParts(detail: unknown): string[] {
  if (detail == null) return [];
  if (typeof detail !== 'object' || Array.isArray(detail)) return [valueText(detail)];
  return Object.entries(detail as Record<string, unknown>).map(([k, v]) => `${k}: ${valueText(v)}`);
}

/** The actions the server records, for the filter (it accepts any other name too). */
export const AUDIT_ACTIONS = [
  'deploy',
  'deploy.forced',
  'rollback',
  'secret.set',
  'secret.delete',
  'router.settings',
  'end_user.groups',
  'environment.create',
  'environment.update',
  'environment.delete',
  'admin.create',
  'admin.update',
  'admin.delete',
  'token.create',
  'token.revoke',
  'console.call',
];
