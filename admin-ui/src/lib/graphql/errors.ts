// Turns urql's CombinedError into what the UI shows: a friendly message, the
// server's extensions.code and, for BAD_USER_INPUT, the offending field.
import type { CombinedError } from '@urql/core';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'TESTS_NOT_PASSED'
  | 'INTERNAL'
  | 'NETWORK';

export interface UiError {
  code: ErrorCode | string;
  message: string;
  /** extensions.field, when the server names the input field at fault. */
  field: string | null;
  /** extensions.problems: every problem of an invalid definition (may be empty). */
  problems: Problem[];
  /** extensions.failedCases of TESTS_NOT_PASSED: the cases of the gate's run that did not pass. */
  failedCases?: string[];
  /** extensions.untested of TESTS_NOT_PASSED: the routers no case showing them working ran for. */
  untested?: string[];
}

/** One located problem of a workspace definition (`tables.posts.columns.title.max`). */
export interface Problem {
  path: string;
  message: string;
}

function readProblems(value: unknown): Problem[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((p): p is { path: unknown; message: unknown } => !!p && typeof p === 'object')
    .map((p) => ({ path: String(p.path ?? ''), message: String(p.message ?? '') }));
}

export function errorCodes(error: CombinedError): string[] {
  return error.graphQLErrors.map((e) => String(e.extensions?.code ?? ''));
}

/** Whether a FORBIDDEN message is about the admin's role ("this needs the developer role", "only an owner may
 * force …"), rather than, say, a capability turned off or the read-only files of table rows. */
export function isAboutRole(message: string): boolean {
  return /\bneeds the \w+ role\b|^only an? \w+ may\b|^(owners|developers|viewers) only\b/i.test(message.trim());
}

function friendly(code: string, message: string): string {
  switch (code) {
    case 'RATE_LIMITED':
      return 'Too many attempts, wait a minute and try again.';
    case 'FORBIDDEN':
      // Other refusals say what stands in the way themselves: shown as the server words them.
      return isAboutRole(message) ? `Not allowed: your role can't do this. ${message}`.trim() : message || 'Not allowed.';
    case 'UNAUTHENTICATED':
      return 'Your session has ended. Please sign in again.';
    case 'NETWORK':
      return "Can't reach the server. Check that ServerKit is running.";
    case 'INTERNAL':
      return `The server hit an internal error. ${message}`.trim();
    default:
      return message;
  }
}

/** All errors of a failed operation, ready to show. */
export function toUiErrors(error: CombinedError | undefined | null): UiError[] {
  if (!error) return [];
  if (error.networkError && error.graphQLErrors.length === 0) {
    return [{ code: 'NETWORK', message: friendly('NETWORK', ''), field: null, problems: [] }];
  }
  return error.graphQLErrors.map((e) => {
    const code = String(e.extensions?.code ?? 'INTERNAL');
    const field = e.extensions?.field;
    const failed = e.extensions?.failedCases;
    const untested = e.extensions?.untested;
    return {
      code,
      message: friendly(code, e.message),
      field: typeof field === 'string' && field ? field : null,
      problems: readProblems(e.extensions?.problems),
      ...(Array.isArray(failed) ? { failedCases: failed.map(String) } : {}),
      ...(Array.isArray(untested) ? { untested: untested.map(String) } : {}),
    };
  });
}

/** A create refused because the name is in use (CONFLICT at `router.name`, `table.name` or `name`): a
 * problem of the name field, not someone else's newer revision to reload. */
export function isNameTaken(e: UiError): boolean {
  return e.code === 'CONFLICT' && !!e.field && /(^|\.)name$/.test(e.field);
}

/** The problems of failed operations: extensions.problems, else one per error with a field (a name in use included). */
export function toProblems(errors: UiError[]): Problem[] {
  return errors.flatMap((e) =>
    e.problems.length
      ? e.problems
      : (e.code === 'BAD_USER_INPUT' || isNameTaken(e)) && e.field
        ? [{ path: e.field, message: e.message }]
        : [],
  );
}

/** The first error, or null. */
export function toUiError(error: CombinedError | undefined | null): UiError | null {
  return toUiErrors(error)[0] ?? null;
}

/** Does a server field path (e.g. "input.limits.requestsPerSecond",
 * "limits.requestsPerSecond" or "requestsPerSecond") name this form key? */
export function fieldMatches(serverField: string, key: string): boolean {
  const norm = (s: string) => s.replace(/^input\./, '').toLowerCase();
  const a = norm(serverField);
  const b = norm(key);
  if (a === b) return true;
  const last = (s: string) => s.slice(s.lastIndexOf('.') + 1);
  return last(a) === last(b);
}

/** Split errors into per-field messages and the rest. */
export function splitFieldErrors(
  errors: UiError[],
  keys: string[],
): { byField: Record<string, string>; general: UiError[] } {
  const byField: Record<string, string> = {};
  const general: UiError[] = [];
  for (const e of errors) {
    const key = e.field ? keys.find((k) => fieldMatches(e.field!, k)) : undefined;
    if (key) byField[key] = e.message;
    else general.push(e);
  }
  return { byField, general };
}
