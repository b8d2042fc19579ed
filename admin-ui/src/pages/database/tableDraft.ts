// A table definition as the editor's grid holds it (numbers and defaults as
// text, defaults in the column's own type), and back; plus where a problem
// (path below the table) belongs.
import type { ColumnDef, ColumnType, LocatedProblem, OnDelete, TableDef } from '../../lib/workspace';
import { defaultFromInput, defaultToInput } from './columnDefault';

let nextKey = 1;

export interface ColumnDraft {
  key: number;
  name: string;
  type: ColumnType;
  required: boolean;
  unique: boolean;
  /** As its input holds it (see columnDefault.ts); '' for none. */
  default: string;
  min: string;
  max: string;
  table: string;
  onDelete: OnDelete | '';
}

export interface IndexDraft {
  key: number;
  columns: string;
  unique: boolean;
}

export interface TableDraft {
  name: string;
  description: string;
  owned: boolean;
  columns: ColumnDraft[];
  indexes: IndexDraft[];
}

export function newColumn(): ColumnDraft {
  return { key: nextKey++, name: '', type: 'text', required: false, unique: false, default: '', min: '', max: '', table: '', onDelete: '' };
}

export function newIndex(): IndexDraft {
  return { key: nextKey++, columns: '', unique: false };
}

export function toDraft(def: TableDef | null): TableDraft {
  return {
    name: def?.name ?? '',
    description: def?.description ?? '',
    owned: def?.owned ?? false,
    // A new table has only its system columns until one is added: no empty row to fill in before saving.
    columns: (def?.columns ?? []).map((c) => ({
      ...newColumn(),
      name: c.name,
      type: c.type,
      required: !!c.required,
      unique: !!c.unique,
      default: defaultToInput(c.type, c.default),
      min: c.min === undefined ? '' : String(c.min),
      max: c.max === undefined ? '' : String(c.max),
      table: c.table ?? '',
      onDelete: c.onDelete ?? '',
    })),
    indexes: (def?.indexes ?? []).map((i) => ({ ...newIndex(), columns: i.columns.join(', '), unique: !!i.unique })),
  };
}

/** What is wrong with a table name, as the server says it (server/src/workspace/validate.rs), or null. */
export function nameProblem(name: string): string | null {
  const n = name.trim();
  if (!n) return 'a table needs a name';
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(n)) return 'a table name has lowercase letters, digits and `_`, starting with a letter (at most 63)';
  const reserved = ['sqlite_', 'pg_'].find((p) => n.startsWith(p));
  return reserved ? `names starting with \`${reserved}\` are reserved by the database` : null;
}

/** Builds the definition; `local` lists what cannot even be sent (paths like the server's). */
export function fromDraft(d: TableDraft): { definition: TableDef; local: LocatedProblem[] } {
  const local: LocatedProblem[] = [];
  const columns = d.columns.map((c, i): ColumnDef => {
    const at = `columns[${i}]`;
    const out: ColumnDef = { name: c.name.trim(), type: c.type };
    if (c.required) out.required = true;
    if (c.unique) out.unique = true;
    const def = defaultFromInput(c.type, c.default);
    if ('error' in def) local.push({ path: `${at}.default`, rel: `${at}.default`, message: def.error });
    else if (def.value !== undefined) out.default = def.value;
    for (const k of ['min', 'max'] as const) {
      if (!c[k].trim()) continue;
      const n = Number(c[k]);
      if (Number.isFinite(n)) out[k] = n;
      else local.push({ path: `${at}.${k}`, rel: `${at}.${k}`, message: 'not a number' });
    }
    if (c.type === 'relation') {
      if (c.table) out.table = c.table;
      if (c.onDelete) out.onDelete = c.onDelete;
    }
    return out;
  });
  const definition: TableDef = {
    name: d.name.trim(),
    ...(d.description.trim() ? { description: d.description.trim() } : {}),
    ...(d.owned ? { owned: true } : {}),
    columns,
  };
  const indexes = d.indexes.map((i) => ({
    columns: i.columns.split(',').map((s) => s.trim()).filter(Boolean),
    ...(i.unique ? { unique: true } : {}),
  }));
  if (indexes.length) definition.indexes = indexes;
  return { definition, local };
}

/** Where a problem goes: a column (by position) and its field, an index, or the table itself. */
export type Place =
  | { kind: 'column'; index: number; field: string }
  | { kind: 'index'; index: number }
  | { kind: 'table' };

export function placeOf(rel: string, d: TableDraft): Place[] {
  const byName = /^columns\.([^.[]+)(?:\.(\w+))?/.exec(rel);
  if (byName) {
    const field = byName[2] ?? 'name';
    const at = d.columns.flatMap((c, i) => (c.name.trim() === byName[1] ? [i] : []));
    if (at.length) return at.map((index) => ({ kind: 'column', index, field }));
  }
  const byIndex = /^columns\[(\d+)\](?:\.(\w+))?/.exec(rel);
  if (byIndex && Number(byIndex[1]) < d.columns.length) {
    return [{ kind: 'column', index: Number(byIndex[1]), field: byIndex[2] ?? 'name' }];
  }
  const index = /^indexes\[(\d+)\]/.exec(rel);
  if (index && Number(index[1]) < d.indexes.length) return [{ kind: 'index', index: Number(index[1]) }];
  return [{ kind: 'table' }];
}

/** Problems grouped by place: per column (field → messages), per index, and the table's own. */
export function placeProblems(problems: LocatedProblem[], d: TableDraft) {
  const columns: Record<number, { field: string; message: string }[]> = {};
  const indexes: Record<number, string[]> = {};
  const table: LocatedProblem[] = [];
  for (const p of problems) {
    for (const place of placeOf(p.rel, d)) {
      if (place.kind === 'column') (columns[place.index] ??= []).push({ field: place.field, message: p.message });
      else if (place.kind === 'index') (indexes[place.index] ??= []).push(p.message);
      else table.push(p);
    }
  }
  return { columns, indexes, table };
}
