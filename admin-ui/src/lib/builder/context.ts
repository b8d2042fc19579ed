// What every part of a step card needs: the workspace's tables, the names an
// expression may use at that step, and the problems below the part it edits.
import type { LocatedProblem, TableDef } from '../workspace';
import type { Candidate } from './completions';
import { messagesAt, under } from './problems';

export interface PartContext {
  /** Prefix of element ids, unique in the page (`step-2`). */
  id: string;
  tables: TableDef[];
  candidates: Candidate[];
  readonly: boolean;
  /** Problems, with paths relative to the part (`values.title`). */
  problems: LocatedProblem[];
}

/** The context of a sub-part (`values`, `where`…): its problems only. */
export function part(ctx: PartContext, path: string): PartContext {
  return { ...ctx, id: `${ctx.id}-${path.replace(/[^\w-]/g, '_')}`, problems: under(ctx.problems, path) };
}

export const errorsAt = (ctx: PartContext, path: string): string[] => messagesAt(ctx.problems, path);

const SYSTEM = ['id', 'created_at', 'updated_at'];

/** The columns of a table a step may read (system ones first), or [] when it is not known. */
export function readableColumns(tables: TableDef[], name: unknown): string[] {
  const t = tables.find((x) => x.name === name);
  return t ? [...SYSTEM, ...(t.owned ? ['owner'] : []), ...t.columns.map((c) => c.name)] : [];
}

/** The columns a step may write. */
export function writableColumns(tables: TableDef[], name: unknown): string[] {
  return tables.find((x) => x.name === name)?.columns.map((c) => c.name) ?? [];
}
