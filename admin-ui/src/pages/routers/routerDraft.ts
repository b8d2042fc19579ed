// A router definition as the editor's form holds it (JSON parts as text), and back.
import { jsonError } from '../../lib/jsonLocate';
import type { LocatedProblem, Method, RouterDef } from '../../lib/workspace';

export interface RouterDraft {
  name: string;
  description: string;
  method: Method;
  path: string;
  allow: 'public' | 'signedIn' | 'groups';
  groups: string[];
  ownerOnly: boolean;
  input: string;
  steps: string;
}

const pretty = (v: unknown) => JSON.stringify(v, null, 2);

const NEW_STEPS = [{ respond: { status: 200, body: { ok: true } } }];

export function toDraft(def: RouterDef | null): RouterDraft {
  const allow = def?.access.allow ?? 'public';
  return {
    name: def?.name ?? '',
    description: def?.description ?? '',
    method: def?.method ?? 'GET',
    path: def?.path ?? '/',
    allow: typeof allow === 'string' ? allow : 'groups',
    groups: typeof allow === 'string' ? [] : [...allow.groups],
    ownerOnly: def?.access.ownerOnly ?? false,
    input: pretty(def?.input ?? {}),
    steps: pretty(def?.steps ?? NEW_STEPS),
  };
}

/** A problem found before asking the server: unreadable JSON in one of the editors. */
export interface LocalProblem {
  part: 'input' | 'steps';
  message: string;
  line: number | null;
}

export function fromDraft(d: RouterDraft): { definition: RouterDef; local: [] } | { definition: null; local: LocalProblem[] } {
  const local: LocalProblem[] = [];
  const parts: Record<'input' | 'steps', unknown> = { input: undefined, steps: undefined };
  for (const part of ['input', 'steps'] as const) {
    const text = d[part].trim() || (part === 'input' ? '{}' : '[]');
    const err = jsonError(text);
    if (err) local.push({ part, ...err });
    else parts[part] = JSON.parse(text);
  }
  if (local.length) return { definition: null, local };
  const input = parts.input;
  const definition: RouterDef = {
    name: d.name.trim(),
    ...(d.description.trim() ? { description: d.description.trim() } : {}),
    method: d.method,
    path: d.path.trim(),
    access: {
      allow: d.allow === 'groups' ? { groups: d.groups } : d.allow,
      ...(d.ownerOnly ? { ownerOnly: true } : {}),
    },
    ...(input && typeof input === 'object' && !Array.isArray(input) && Object.keys(input).length === 0
      ? {}
      : { input: input as RouterDef['input'] }),
    steps: parts.steps as unknown[],
  };
  return { definition, local: [] };
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
