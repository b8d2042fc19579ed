// A committed change of a row (rowChanges) applied to the page of rows the
// grid shows and to its total: a row that comes into the grid's filter is
// put first, one that leaves it goes, others change in place. The admin's
// own writes go through here too, so that one and the same change, heard
// from its mutation and from the feed in either order, counts once.
import type { ChangeOp } from '../../generated/graphql';
import type { Row, RowValues } from './rowValues';

export interface Change {
  op: ChangeOp;
  id: string;
  /** After the change (null for a delete). */
  row: RowValues | null;
  /** Before it (updates, deletes; null when not known). */
  previous: RowValues | null;
}

export interface Page {
  rows: Row[];
  total: number;
}

export interface Applied extends Page {
  /** How the grid marks the row: a row new to the grid, or one changed in place; null when it is not shown. */
  mark: 'insert' | 'update' | null;
}

const asValues = (v: unknown): RowValues | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as RowValues) : null);

/** A change as the feed gives it. */
export function fromFeed(c: { op: ChangeOp; id: string; row?: unknown; previous?: unknown }): Change {
  return { op: c.op, id: String(c.id), row: asValues(c.row), previous: asValues(c.previous) };
}

function same(cell: unknown, wanted: unknown): boolean {
  if (JSON.stringify(cell) === JSON.stringify(wanted)) return true;
  if (cell && typeof cell === 'object' && 'id' in cell) return same((cell as { id: unknown }).id, wanted);
  if (typeof cell === 'number' || typeof wanted === 'number') return Number(cell) === Number(wanted) && cell !== null && cell !== '';
  if (typeof cell === 'string' && typeof wanted === 'string') {
    const a = Date.parse(cell);
    return /^\d{4}-\d\d-\d\d/.test(cell) && !Number.isNaN(a) && a === Date.parse(wanted);
  }
  return false;
}

/** Whether values pass the grid's equality filter (`{column: value}`). */
export function passes(filter: RowValues | null, values: RowValues | null): boolean {
  if (!values) return false;
  return !filter || Object.entries(filter).every(([k, v]) => same(k === 'id' ? Number(values.id) : values[k], v));
}

/** Labels of owner and relation cells whose value did not change (a written row comes back without them). */
function keptLabels(old: Row, values: RowValues): Record<string, unknown> {
  return Object.fromEntries(Object.entries(old.labels ?? {}).filter(([k]) => JSON.stringify(old.values[k]) === JSON.stringify(values[k])));
}

/**
 * `change` applied to `page`. `gone` holds the ids whose leaving was counted
 * already (it is updated): a delete heard twice takes one off the total once.
 */
export function applyChange(page: Page, change: Change, filter: RowValues | null, gone: Set<string>): Applied {
  const { id } = change;
  const shown = page.rows.find((r) => r.id === id);
  const before = change.op !== 'INSERT' && passes(filter, change.previous);
  const after = change.op !== 'DELETE' && passes(filter, change.row);
  if (after && change.row) {
    const values = change.row;
    if (shown) {
      const rows = page.rows.map((r) => (r === shown ? { id, values, labels: keptLabels(r, values) } : r));
      return { rows, total: page.total, mark: change.op === 'INSERT' ? 'insert' : 'update' };
    }
    // An update of a row on a page not loaded yet stays there.
    if (change.op === 'UPDATE' && before) return { ...page, mark: null };
    gone.delete(id);
    return { rows: [{ id, values }, ...page.rows], total: page.total + 1, mark: change.op === 'INSERT' ? 'insert' : 'update' };
  }
  if (gone.has(id)) return { ...page, mark: null };
  if (shown || before) {
    gone.add(id);
    return { rows: page.rows.filter((r) => r !== shown), total: Math.max(0, page.total - 1), mark: null };
  }
  return { ...page, mark: null };
}
