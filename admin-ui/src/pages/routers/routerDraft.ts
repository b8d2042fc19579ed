// Where a router's validation problems belong in its editor, and the JSON
// view's texts turned back into the definition.
import { jsonError } from '../../lib/jsonLocate';
import type { JsonTexts } from '../../lib/builder/drafts.svelte';
import type { LocatedProblem, RouterDef } from '../../lib/workspace';

/** A problem found before asking the server: unreadable JSON in one of the editors. */
export interface LocalProblem {
  part: 'input' | 'steps';
  message: string;
  line: number | null;
}

/** Reads the JSON view's texts into `def` (input and steps); what does not parse is reported, not applied. */
export function applyTexts(def: RouterDef, texts: JsonTexts): LocalProblem[] {
  const local: LocalProblem[] = [];
  for (const part of ['input', 'steps'] as const) {
    const text = texts[part].trim() || (part === 'input' ? '{}' : '[]');
    const err = jsonError(text);
    if (err) {
      local.push({ part, ...err });
      continue;
    }
    const value: unknown = JSON.parse(text);
    if (part === 'steps') def.steps = value as unknown[];
    else if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) delete def.input;
    else def.input = value as RouterDef['input'];
  }
  return local;
}

/** The definition to save: name and path trimmed. */
export function toSave(def: RouterDef): RouterDef {
  const out = JSON.parse(JSON.stringify(def)) as RouterDef;
  out.name = (out.name ?? '').trim();
  out.path = (out.path ?? '').trim();
  return out;
}

/** Which part of the form a problem (path below the router) belongs to. */
export type Part = 'name' | 'description' | 'method' | 'path' | 'access' | 'input' | 'steps' | 'other';

export function partOf(rel: string): Part {
  const head = /^[^.[]*/.exec(rel)?.[0] ?? '';
  if (head === '' || head === 'name') return 'name';
  if (['description', 'method', 'path', 'access', 'input', 'steps'].includes(head)) return head as Part;
  return 'other';
}

/** The path inside a JSON editor: `steps[2].get.table` → `[2].get.table`, `input.body` → `body`. */
export function editorPath(rel: string, part: 'input' | 'steps'): string {
  return rel.slice(part.length).replace(/^\./, '');
}

/** Per form field, the first message of the problems that name it. */
export function fieldMessages(problems: LocatedProblem[]): Partial<Record<Part, string>> {
  const out: Partial<Record<Part, string>> = {};
  for (const p of problems) {
    const part = partOf(p.rel);
    if (part !== 'input' && part !== 'steps' && part !== 'other') out[part] ??= p.message;
  }
  return out;
}
