// A column's default as its editor types it: in the column's own type (text
// as text, numbers as numbers, a tri-state boolean, a local date and time),
// raw JSON only for json columns. Files and relations take none here (a
// default kept from the document is carried over untouched, as JSON).
import type { ColumnType } from '../../lib/workspace';

/** Types whose default is edited here at all. */
export const hasDefaultInput = (type: ColumnType): boolean => type !== 'file' && type !== 'relation';

const pad = (n: number) => String(n).padStart(2, '0');

/** An RFC 3339 instant as a datetime-local value (local time, seconds kept). */
export function isoToLocal(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The text an input holds for a stored default ('' for none; booleans 'true' / 'false'). */
export function defaultToInput(type: ColumnType, value: unknown): string {
  if (value === undefined) return '';
  switch (type) {
    case 'text':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'integer':
    case 'float':
      return typeof value === 'number' ? String(value) : JSON.stringify(value);
    case 'boolean':
      return value === true ? 'true' : value === false ? 'false' : JSON.stringify(value);
    case 'datetime':
      return typeof value === 'string' ? isoToLocal(value) : JSON.stringify(value);
    default:
      return JSON.stringify(value);
  }
}

/** The default to store for what was typed: `undefined` for none, or why it can't be one. */
export function defaultFromInput(type: ColumnType, text: string): { value: unknown } | { error: string } {
  if (text.trim() === '') return { value: undefined };
  switch (type) {
    case 'text':
      return { value: text };
    case 'integer': {
      const n = Number(text);
      return Number.isInteger(n) ? { value: n } : { error: 'not a whole number' };
    }
    case 'float': {
      const n = Number(text);
      return Number.isFinite(n) ? { value: n } : { error: 'not a number' };
    }
    case 'boolean':
      return text === 'true' || text === 'false' ? { value: text === 'true' } : { error: 'not true or false' };
    case 'datetime': {
      const d = new Date(text);
      return Number.isNaN(d.getTime()) ? { error: 'not a date and time' } : { value: d.toISOString().replace('.000Z', 'Z') };
    }
    default:
      try {
        return { value: JSON.parse(text) };
      } catch {
        return { error: type === 'json' ? 'not JSON (text needs quotes: "draft")' : 'not JSON' };
      }
  }
}

/** What the default input shows after the column's type changes: the same value where it still fits, else none. */
export function retypeDefault(from: ColumnType, to: ColumnType, text: string): string {
  const before = defaultFromInput(from, text);
  if (!('value' in before) || before.value === undefined) return '';
  const shown = defaultToInput(to, before.value);
  const after = defaultFromInput(to, shown);
  return 'value' in after && JSON.stringify(after.value) === JSON.stringify(before.value) ? shown : '';
}
