// What a run covered of a router, in words: the kinds of case (TestCaseKind)
// and the verdict the Tests page marks a router with.
import type { TestCaseKind } from '../../generated/graphql';
import type { RouterCoverage } from '../../lib/stores/testRuns.svelte';

export const KIND_LABELS: Record<TestCaseKind, string> = {
  HAPPY_PATH: 'happy path',
  INVALID_INPUT: 'invalid input',
  REFUSED_CALLER: 'refused caller',
  NOT_FOUND: 'not found',
  CRUD_CHAIN: 'CRUD chain',
  PARTIAL_UPDATE: 'partial update',
  RESUME: 'resumed stream',
  WRITTEN: 'written case',
};

/**
 * `untested`: no case showing it working ran (it keeps the deploy gate closed);
 * `unproven`: such a case ran, but no happy path (or chain through it) passed;
 * `ok`: a happy path passed.
 */
export type Verdict = 'untested' | 'unproven' | 'ok';

export function verdictOf(c: RouterCoverage): Verdict {
  if (!c.tested) return 'untested';
  return c.happyPathPassed ? 'ok' : 'unproven';
}

/** Why an untested router is: the reason its happy path was skipped, else that no such case ran. */
export function untestedReason(c: RouterCoverage): string {
  const skipped = c.skipped.find((s) => s.kind === 'HAPPY_PATH');
  return skipped?.reason ?? 'no happy path, chain or written case of it ran';
}

export function verdictText(c: RouterCoverage): string {
  switch (verdictOf(c)) {
    case 'untested':
      return `Not tested: ${untestedReason(c)}`;
    case 'unproven': {
      const skipped = c.skipped.find((s) => s.kind === 'HAPPY_PATH');
      return skipped
        ? `No passing happy path (only written cases ran): ${skipped.reason}`
        : 'No passing happy path: it ran and did not pass';
    }
    case 'ok':
      return 'Happy path passed';
  }
}
