// Rows as the grid and forms show them: the columns of a table (system ones
// first), typed inputs (text in, JSON value out) and the equality filter.
import { fmtDate } from '../../lib/format';
import type { ColumnType, TableDef } from '../../lib/workspace';

export type RowValues = Record<string, unknown>;
export interface Row {
  id: string;
  values: RowValues;
  /** Readable labels of `owner` and relation cells (the server's `Row.labels`); absent on rows just written. */
  labels?: Record<string, unknown>;
}

export interface GridColumn {
  name: string;
  type: ColumnType;
  /** id, created_at, updated_at, owner: set by ServerKit, never edited here. */
  system: boolean;
  required: boolean;
  /** Relations: the table pointed at (from the workspace's definition). */
  table?: string;
}

/** What an input holds: a checkbox's state, or the text of any other input. */
export type InputValue = string | boolean;

const SYSTEM: GridColumn[] = [
  { name: 'id', type: 'integer', system: true, required: false },
  { name: 'created_at', type: 'datetime', system: true, required: false },
  { name: 'updated_at', type: 'datetime', system: true, required: false },
];

/**
 * The columns the environment serves when known (they can differ from the
 * workspace until the next refresh), else system columns and the definition's;
 * then any other key the rows carry.
 */
export function gridColumns(def: TableDef | null, rows: Row[], served: GridColumn[] | null = null): GridColumn[] {
  const target = (name: string) => def?.columns.find((c) => c.name === name && c.type === 'relation')?.table;
  const cols = served ? served.map((c) => (c.type === 'relation' ? { ...c, table: target(c.name) } : c)) : [...SYSTEM];
  if (!served) {
    if (def?.owned) cols.push({ name: 'owner', type: 'integer', system: true, required: false });
    for (const c of def?.columns ?? []) cols.push({ name: c.name, type: c.type, system: false, required: !!c.required, table: c.table });
  }
  const known = new Set(cols.map((c) => c.name));
  for (const r of rows) {
    for (const key of Object.keys(r.values)) {
      if (known.has(key)) continue;
      known.add(key);
      cols.push({ name: key, type: guessType(r.values[key]), system: false, required: false });
    }
  }
  return cols;
}

function guessType(v: unknown): ColumnType {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float';
  if (v !== null && typeof v === 'object') return 'json';
  return 'text';
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO instant as a datetime-local value (local time, seconds kept). */
function toLocal(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A stored value as its input shows it. */
export function toInput(col: GridColumn, value: unknown): InputValue {
  if (col.type === 'boolean') return value === true;
  if (value === null || value === undefined) return '';
  if (col.type === 'json') return JSON.stringify(value, null, 2);
  if (col.type === 'datetime' && typeof value === 'string') return toLocal(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** An input's content as the JSON value to send, or the reason it can't be. */
export function fromInput(col: GridColumn, input: InputValue): { value: unknown } | { error: string } {
  if (typeof input === 'boolean') return { value: input };
  const text = input.trim();
  if (text === '') return { value: col.type === 'text' && col.required ? '' : null };
  switch (col.type) {
    case 'integer':
    case 'relation': {
      const n = Number(text);
      return Number.isInteger(n) ? { value: n } : { error: 'a whole number' };
    }
    case 'float': {
      const n = Number(text);
      return Number.isFinite(n) ? { value: n } : { error: 'a number' };
    }
    case 'datetime': {
      const d = new Date(text);
      return Number.isNaN(d.getTime()) ? { error: 'a date and time' } : { value: d.toISOString() };
    }
    case 'json':
      try {
        return { value: JSON.parse(text) };
      } catch (err) {
        return { error: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
      }
    default:
      return { value: input };
  }
}

/** The values of the inputs that differ from `base` (all of them without a base), or per-column errors. */
export function collect(
  cols: GridColumn[],
  inputs: Record<string, InputValue>,
  base: Record<string, InputValue> | null,
): { values: RowValues; errors: Record<string, string> } {
  const values: RowValues = {};
  const errors: Record<string, string> = {};
  for (const c of cols) {
    if (c.system || !(c.name in inputs)) continue;
    if (base && base[c.name] === inputs[c.name]) continue;
    if (!base && inputs[c.name] === '') continue; // left empty on insert: the column's default
    const out = fromInput(c, inputs[c.name]);
    if ('error' in out) errors[c.name] = `Expected ${out.error}.`;
    else values[c.name] = out.value;
  }
  return { values, errors };
}

/** Is the column shown read-only (set by ServerKit, or a file: uploaded through the API, not typed in)? */
export const readOnly = (col: GridColumn): boolean => col.system || col.type === 'file';

/** The inputs of a row (all columns but the read-only ones). */
export function inputsOf(cols: GridColumn[], values: RowValues | null): Record<string, InputValue> {
  const out: Record<string, InputValue> = {};
  for (const c of cols) if (!readOnly(c)) out[c.name] = values ? toInput(c, values[c.name]) : c.type === 'boolean' ? false : '';
  return out;
}

/** What a `file` column holds: the stored file, its URL under /env/{slug}/files/…. */
export interface FileRef {
  key: string;
  name: string;
  size: number;
  contentType: string;
  url: string;
}

/** A `file` cell's value as a FileRef, or null when it is not one. */
export function asFileRef(value: unknown): FileRef | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || (typeof v.url !== 'string' && typeof v.key !== 'string')) return null;
  return {
    key: typeof v.key === 'string' ? v.key : '',
    name: v.name,
    size: typeof v.size === 'number' ? v.size : 0,
    contentType: typeof v.contentType === 'string' ? v.contentType : '',
    url: typeof v.url === 'string' ? v.url : '',
  };
}

/** How a cell shows its value. */
export function display(col: GridColumn, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (col.type === 'datetime' && typeof value === 'string') return fmtDate(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** `{column: value}` of the filter inputs that are filled in (booleans: "true"/"false"). */
export function buildFilter(
  cols: GridColumn[],
  inputs: Record<string, string>,
): { filter: RowValues | null; errors: Record<string, string> } {
  const filter: RowValues = {};
  const errors: Record<string, string> = {};
  for (const c of cols) {
    const text = (inputs[c.name] ?? '').trim();
    if (!text) continue;
    if (c.type === 'boolean') filter[c.name] = text === 'true';
    else if (c.type === 'text' || c.type === 'file') filter[c.name] = text;
    else {
      const out = fromInput(c, text);
      if ('error' in out) errors[c.name] = `Expected ${out.error}.`;
      else filter[c.name] = out.value;
    }
  }
  return { filter: Object.keys(filter).length ? filter : null, errors };
}
