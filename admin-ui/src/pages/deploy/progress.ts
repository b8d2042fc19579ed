// A deploy or rollback as it goes: its four steps (from `deployEvents`, or
// read back from the release's log when the stream missed them), its log
// lines, and the release as it ended.
import type { DeployEventsSubscription, ReleaseDetailFieldsFragment } from '../../generated/graphql';
import { client } from '../../lib/graphql/client';
import { DeployEventsSubscription as DeployEventsDoc } from '../../lib/graphql/operations/deploy';

export type DeployEvent = DeployEventsSubscription['deployEvents'];
export type ReleaseDetail = ReleaseDetailFieldsFragment;

export const STEPS = ['compile', 'plan', 'migrate', 'switch'] as const;

export const STEP_LABELS: Record<string, string> = {
  compile: 'Compile the definition',
  plan: 'Plan the migration',
  migrate: 'Migrate the database',
  switch: 'Switch the routes',
};

export interface StepState {
  name: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  durationMs: number | null;
}

export interface DeployProgress {
  environment: string;
  release: number;
  /** Its steps came over the stream (false: read back from the release's log). */
  live: boolean;
  steps: StepState[];
  log: { at: string; message: string }[];
  /** The release as it ended; null while it goes on. */
  outcome: ReleaseDetail | null;
}

const freshSteps = (): StepState[] => STEPS.map((name) => ({ name, status: 'pending', durationMs: null }));

export function startProgress(environment: string, release: number): DeployProgress {
  return { environment, release, live: true, steps: freshSteps(), log: [], outcome: null };
}

function step(p: DeployProgress, name: string): StepState {
  let s = p.steps.find((x) => x.name === name);
  if (!s) {
    s = { name, status: 'pending', durationMs: null };
    p.steps.push(s);
  }
  return s;
}

/**
 * Applies one event of `p.release` to `p` (in place). The mutation's answer
 * may come before the stream's last events: once `p` has its outcome (and the
 * release's whole log), a late event only gives its step's exact time.
 */
export function applyEvent(p: DeployProgress, ev: DeployEvent): void {
  const ended = p.outcome != null;
  if (!ended) p.log.push({ at: ev.at, message: ev.message });
  if (ev.kind === 'FINISHED') {
    if (ev.outcome && !ended) p.outcome = ev.outcome;
    return;
  }
  if (!ev.step) return;
  p.live = true;
  const s = step(p, ev.step);
  if (ended && ev.kind === 'STEP_STARTED') return;
  if (ev.kind === 'STEP_STARTED') s.status = 'running';
  else {
    s.status = ev.kind === 'STEP_FAILED' ? 'failed' : 'done';
    s.durationMs = ev.durationMs;
  }
}

// "compile: done in 3.2 ms — …", "migrate: failed after 1.0 ms — …", "plan: started"
const LINE = /^(\w+): (started|done in ([\d.]+) ms|failed after ([\d.]+) ms)/;

/** The steps of an ended release, read from its log (what the stream would have told). */
export function progressFromRelease(r: ReleaseDetail): DeployProgress {
  const p: DeployProgress = { environment: r.environment, release: r.number, live: false, steps: freshSteps(), log: [...r.log], outcome: r };
  for (const line of r.log) {
    const m = LINE.exec(line.message);
    if (!m || !(STEPS as readonly string[]).includes(m[1])) continue;
    const s = step(p, m[1]);
    if (m[2] === 'started') s.status = 'running';
    else if (m[3] != null) Object.assign(s, { status: 'done', durationMs: Number(m[3]) });
    else Object.assign(s, { status: 'failed', durationMs: Number(m[4]) });
  }
  if (r.status === 'FAILED' && r.failedStep) step(p, r.failedStep).status = 'failed';
  return p;
}

/** The release `r` as `p` ends: its outcome and full log; the steps from its log when the stream told none. */
export function finishProgress(p: DeployProgress | null, r: ReleaseDetail): DeployProgress {
  if (!p || p.release !== r.number || p.environment !== r.environment || p.steps.every((s) => s.status === 'pending')) {
    return progressFromRelease(r);
  }
  return { ...p, log: [...r.log], outcome: r };
}

/** Follows the deploys and rollbacks of `environment`. Returns the unsubscribe. */
export function watchDeployEvents(environment: string, onEvent: (ev: DeployEvent) => void): () => void {
  const sub = client.subscription(DeployEventsDoc, { environment }).subscribe((res) => {
    const ev = res.data?.deployEvents;
    if (ev) onEvent(ev);
  });
  return () => sub.unsubscribe();
}
