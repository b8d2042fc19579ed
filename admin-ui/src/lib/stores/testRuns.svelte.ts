// Test runs per environment, shared by the Tests page, the refresh dialog and
// the dashboard: the newest run of the served revision, followed live through
// `testRunProgress` (one subscription per run), and every case's newest result
// seen for that revision (a run of one router keeps the others' results), and
// per router what the runs covered (`TestRun.coverage`, of ended runs).
import type { RouterCoverageFieldsFragment, TestCaseResultFieldsFragment, TestRunFieldsFragment } from '../../generated/graphql';
import { client, mutate, query } from '../graphql/client';
import { toUiErrors, type UiError } from '../graphql/errors';
import {
  CancelTestRunMutation,
  LatestTestRunQuery,
  RunTestsMutation,
  TestRunProgressSubscription,
  TestRunsQuery,
} from '../graphql/operations/testing';

export type RunSummary = TestRunFieldsFragment;
export type CaseResult = TestCaseResultFieldsFragment;
export type RouterCoverage = RouterCoverageFieldsFragment;

export interface EnvRuns {
  /** The revision `run` and `results` belong to. */
  revision: number | null;
  /** The newest run of that revision (going on or ended); null when none. */
  run: RunSummary | null;
  /** Cases of `run` ended so far. */
  done: number;
  /** Each case's newest result for `revision`, by case name. */
  results: Record<string, CaseResult>;
  /** Names of the cases `run` told so far (what "running" means for a case). */
  told: string[];
  /**
   * Per router, what the newest ended run that ran any of its cases covered (a
   * run of one router leaves the others' coverage as the run before found it).
   */
  coverage: Record<string, RouterCoverage>;
  /** Whether an ended run of `revision` told its coverage (before that, nothing is known). */
  covered: boolean;
  loaded: boolean;
  errors: UiError[];
}

const empty = (revision: number | null): EnvRuns => ({
  revision, run: null, done: 0, results: {}, told: [], coverage: {}, covered: false, loaded: false, errors: [],
});

export const testRuns = $state<{ bySlug: Record<string, EnvRuns> }>({ bySlug: {} });

/** The state of `slug` (created empty, for `revision`, when missing or of another revision). */
function stateOf(slug: string, revision: number | null): EnvRuns {
  const cur = testRuns.bySlug[slug];
  if (!cur || cur.revision !== revision) testRuns.bySlug[slug] = empty(revision);
  return testRuns.bySlug[slug];
}

export const isRunning = (run: RunSummary | null | undefined): boolean => run?.status === 'RUNNING';

const following = new Map<string, { runId: string; stop: () => void }>();

function merge(state: EnvRuns, results: CaseResult[]): void {
  for (const r of results) state.results[r.name] = r;
}

/**
 * Takes in the coverage of an ended run: a router's entry replaces the one
 * kept when the run ran some of its cases, or when none is kept. `older`
 * runs (filling in) only fill what no newer run told.
 */
function mergeCoverage(state: EnvRuns, coverage: RouterCoverage[], older = false): void {
  for (const c of coverage) {
    const kept = state.coverage[c.router];
    if (!kept || (c.ran.length && !(older && kept.ran.length))) state.coverage[c.router] = c;
  }
  if (coverage.length) state.covered = true;
}

/** Counts of the cases told so far (a replay after a reconnect tells them again: no double counting). */
function recount(s: EnvRuns): void {
  if (!s.run) return;
  const passed = s.told.filter((n) => s.results[n]?.status === 'PASSED').length;
  s.run.passed = passed;
  s.run.failed = s.told.length - passed;
}

/** Follows `run` of `slug` live until it ends (a newer run replaces it). */
export function followRun(slug: string, run: RunSummary): void {
  const state = stateOf(slug, run.revision);
  const current = following.get(slug);
  if (current?.runId === run.id) return;
  current?.stop();
  state.loaded = true;
  if (!isRunning(run)) {
    state.run = run;
    return;
  }
  // The stream first tells every case that already ended, then the rest.
  state.run = { ...run, passed: 0, failed: 0 };
  state.done = 0;
  state.told = [];
  const handle = { runId: run.id, stop: () => {} };
  const sub = client.subscription(TestRunProgressSubscription, { runId: run.id }).subscribe((res) => {
    const ev = res.data?.testRunProgress;
    const s = testRuns.bySlug[slug];
    if (!s || s.run?.id !== run.id) return;
    if (!ev) {
      if (res.error) s.errors = toUiErrors(res.error);
      return;
    }
    if (ev.__typename === 'TestCaseProgress') {
      s.done = Math.max(s.done, ev.done);
      if (!s.told.includes(ev.result.name)) s.told = [...s.told, ev.result.name];
      s.results[ev.result.name] = ev.result;
      if (s.run) s.run.total = ev.total;
      recount(s);
    } else {
      const { results, coverage, ...summary } = ev.run;
      s.run = summary;
      mergeCoverage(s, coverage);
      // A cancelled run is stored without the results it had (what we were told stays).
      if (results.length || summary.status !== 'CANCELLED') {
        s.done = results.length;
        s.told = results.map((r) => r.name);
        merge(s, results);
      } else recount(s);
      handle.stop();
    }
  });
  handle.stop = () => {
    sub.unsubscribe();
    if (following.get(slug) === handle) following.delete(slug);
  };
  following.set(slug, handle);
}

/** Loads the newest run of `revision` (and follows it while it runs). */
export async function loadLatestRun(slug: string, revision: number): Promise<void> {
  const res = await query(LatestTestRunQuery, { environment: slug, revision });
  const state = stateOf(slug, revision);
  state.errors = toUiErrors(res.error);
  state.loaded = true;
  const latest = res.data?.latestTestRun;
  if (!latest) return;
  const { results, coverage, ...summary } = latest;
  // What the subscription already told is newer than a snapshot taken meanwhile.
  if (state.run?.id === summary.id && !isRunning(state.run)) return;
  if (state.run && state.run.id > summary.id) return;
  merge(state, results);
  if (!isRunning(summary)) mergeCoverage(state, coverage);
  if (isRunning(summary)) followRun(slug, summary);
  else {
    state.run = summary;
    state.done = results.length;
    state.told = results.map((r) => r.name);
  }
}

/** Fills in cases the newest run did not run from the recent earlier runs of the same revision. */
export async function fillFromEarlierRuns(slug: string, revision: number, missing: string[]): Promise<void> {
  if (!missing.length) return;
  const res = await query(TestRunsQuery, { environment: slug, first: 10 });
  const state = testRuns.bySlug[slug];
  if (!state || state.revision !== revision || !res.data) return;
  const want = new Set(missing.filter((n) => !state.results[n]));
  for (const run of res.data.testRuns.nodes) {
    if (run.revision !== revision || isRunning(run)) continue;
    mergeCoverage(state, run.coverage, true);
    for (const r of run.results) {
      if (want.delete(r.name)) state.results[r.name] = r;
    }
  }
}

/** The running id a CONFLICT names ("test run <id> is still running"). */
function runningId(errors: UiError[]): string | null {
  const conflict = errors.find((e) => e.code === 'CONFLICT');
  return conflict ? (/test run (\S+)/.exec(conflict.message)?.[1] ?? null) : null;
}

/**
 * Starts a run of `slug`'s cases (those named, or of the routers named; all
 * when both are empty) and follows it. Errors are returned; a CONFLICT (a run
 * goes on) follows that run instead and says so.
 */
export async function startRun(
  slug: string,
  selection: { cases?: string[]; routers?: string[] } = {},
): Promise<UiError[]> {
  const res = await mutate(RunTestsMutation, {
    environment: slug,
    cases: selection.cases ?? null,
    routers: selection.routers ?? null,
  });
  const run = res.data?.runTests;
  if (run) {
    followRun(slug, run);
    return [];
  }
  const errors = toUiErrors(res.error);
  const id = runningId(errors);
  const revision = testRuns.bySlug[slug]?.revision;
  if (id && revision != null) void loadLatestRun(slug, revision);
  return errors;
}

export async function cancelRun(slug: string): Promise<UiError[]> {
  const res = await mutate(CancelTestRunMutation, { environment: slug });
  return toUiErrors(res.error);
}
