// A `where` filter (server/src/engine/rows.rs) as rows of column, operator,
// value, and back. A column compared for equality alone holds the value
// itself; `{ "eq": … }`, which saved documents may use, reads as the same
// "equals" row and is written back as it was unless its operator is changed.
import { isObject, type Json } from '../../lib/builder/templateText';

/** The operators offered, once each: `=` is equality (the bare value, or `eq` beside other operators). */
export const OPERATORS: { op: string; label: string; hint: string }[] = [
  { op: '=', label: 'equals', hint: 'equal to the value (null: empty)' },
  { op: 'ne', label: 'not equal', hint: 'not equal to the value (null: not empty)' },
  { op: 'gt', label: 'greater than', hint: 'greater than the value' },
  { op: 'gte', label: 'at least', hint: 'greater than or equal to the value' },
  { op: 'lt', label: 'less than', hint: 'less than the value' },
  { op: 'lte', label: 'at most', hint: 'less than or equal to the value' },
  { op: 'in', label: 'one of', hint: 'one of the values of a list' },
  { op: 'contains', label: 'contains', hint: 'text containing the value' },
];

export interface FilterRow {
  column: string;
  /** As stored: `=` for a bare value, else the operator's key (`eq` included). */
  op: string;
  value: unknown;
}

/** The option a row's operator selects: `eq` is the same as `=`. */
export const shownOp = (op: string): string => (op === 'eq' ? '=' : op);

export function labelOf(op: string): string {
  return OPERATORS.find((o) => o.op === shownOp(op))?.label ?? op;
}

export function toRows(where: unknown): FilterRow[] {
  if (!isObject(where)) return [];
  return Object.entries(where).flatMap(([column, v]) =>
    isObject(v) && Object.keys(v).length
      ? Object.entries(v).map(([op, value]) => ({ column, op, value }))
      : [{ column, op: '=', value: v }],
  );
}

/** The filter of `rows`; undefined when there are none. A column with more than one row is an object of operators. */
export function fromRows(rows: FilterRow[]): Json | undefined {
  const out: Json = {};
  for (const r of rows) {
    const alone = rows.filter((x) => x.column === r.column).length === 1;
    if (r.op === '=' && alone) out[r.column] = r.value;
    else {
      const ops = isObject(out[r.column]) ? (out[r.column] as Json) : {};
      ops[r.op === '=' ? 'eq' : r.op] = r.value;
      out[r.column] = ops;
    }
  }
  return Object.keys(out).length ? out : undefined;
}

/** Where a row's value sits below `where`, as problems name it. */
export function rowPath(r: FilterRow, rows: FilterRow[]): string {
  const alone = rows.filter((x) => x.column === r.column).length === 1;
  return r.op === '=' && alone ? r.column : `${r.column}.${r.op === '=' ? 'eq' : r.op}`;
}
