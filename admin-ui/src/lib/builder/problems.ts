// Validation problems placed on the builder's fields. Paths below a router
// come as `steps[0].insert.values/title` (templates name their inner spot as a
// JSON Pointer) or `input.body`; they are turned into dotted paths first.
import type { LocatedProblem } from '../workspace';

/** `steps[0].insert.values/title` → `steps[0].insert.values.title` (pointer escapes undone). */
export function dotted(rel: string): string {
  return rel.replace(/\/([^/]*)/g, (_m, seg: string) => `.${seg.replace(/~1/g, '/').replace(/~0/g, '~')}`);
}

export function normalize(problems: LocatedProblem[]): LocatedProblem[] {
  return problems.map((p) => ({ ...p, rel: dotted(p.rel) }));
}

/** Whether `rel` is `path` or below it. */
export function isUnder(rel: string, path: string): boolean {
  if (path === '') return true;
  return rel === path || rel.startsWith(path + '.') || rel.startsWith(path + '[');
}

/** The problems at or below `path`, their `rel` made relative to it. */
export function under(problems: LocatedProblem[], path: string): LocatedProblem[] {
  return problems
    .filter((p) => isUnder(p.rel, path))
    .map((p) => ({ ...p, rel: p.rel.slice(path.length).replace(/^\./, '') }));
}

/** The messages of the problems at or below `path`. */
export function messagesAt(problems: LocatedProblem[], path: string): string[] {
  return under(problems, path).map((p) => p.message);
}

/** The first segment of a relative path: `values.title` → `values`, `[2].x` → `[2]`. */
export function head(rel: string): string {
  return /^(\[\d+\]|[^.[]*)/.exec(rel)?.[0] ?? '';
}
