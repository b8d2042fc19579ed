// An environment's variables (`env.<name>` in routers) as the settings table
// edits them: one row per name, its JSON value typed as string, number or
// boolean, and anything else (objects, arrays, null) kept as raw JSON.
export type VarType = 'string' | 'number' | 'boolean' | 'json';

export interface VarRow {
  key: number;
  name: string;
  type: VarType;
  /** The value as typed: text of a string, a number or raw JSON. */
  text: string;
  flag: boolean;
}

let nextKey = 1;

export function newVar(): VarRow {
  return { key: nextKey++, name: '', type: 'string', text: '', flag: false };
}

function typeOf(v: unknown): VarType {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  return 'json';
}

export function varRows(variables: unknown): VarRow[] {
  const obj = variables && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : {};
  return Object.entries(obj).map(([name, v]) => {
    const type = typeOf(v);
    const text = type === 'string' ? (v as string) : type === 'boolean' ? '' : JSON.stringify(v);
    return { ...newVar(), name, type, text, flag: v === true };
  });
}

/** Keeps what was typed when the type changes, where it still means something. */
export function retype(row: VarRow, type: VarType): VarRow {
  if (type === 'boolean') return { ...row, type, flag: row.text.trim() === 'true' || row.flag };
  if (type === 'number') return { ...row, type, text: Number.isFinite(Number(row.text)) && row.text.trim() ? row.text.trim() : '' };
  if (type === 'json' && row.type === 'string') return { ...row, type, text: JSON.stringify(row.text) };
  if (type === 'json' && row.type === 'boolean') return { ...row, type, text: String(row.flag) };
  if (type === 'string' && row.type === 'json') {
    try {
      const v = JSON.parse(row.text);
      return { ...row, type, text: typeof v === 'string' ? v : row.text };
    } catch {
      return { ...row, type };
    }
  }
  return { ...row, type };
}

/** As the server checks names (lowercased): a letter, then letters, digits and `_`, at most 63. */
const NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** The variables object, or the problems by row key. */
export function buildVariables(rows: VarRow[]): { value: Record<string, unknown>; errors: Record<number, string> } {
  const value: Record<string, unknown> = {};
  const errors: Record<number, string> = {};
  const seen = new Set<string>();
  for (const r of rows) {
    const name = r.name.trim();
    if (!NAME.test(name.toLowerCase())) {
      errors[r.key] = name ? 'A name has letters, digits and _, starting with a letter.' : 'Give the variable a name.';
      continue;
    }
    if (seen.has(name)) {
      errors[r.key] = `${name} is listed twice.`;
      continue;
    }
    seen.add(name);
    if (r.type === 'string') value[name] = r.text;
    else if (r.type === 'boolean') value[name] = r.flag;
    else if (r.type === 'number') {
      const n = Number(r.text);
      if (!r.text.trim() || !Number.isFinite(n)) errors[r.key] = 'Must be a number.';
      else value[name] = n;
    } else {
      try {
        value[name] = JSON.parse(r.text);
      } catch {
        errors[r.key] = 'Not JSON (text needs quotes, or pick the string type).';
      }
    }
  }
  return { value, errors };
}
