// What each environment serves and what the saved workspace changes beyond it
// (`pendingChanges`), for the header. Asked again whenever either side may
// have moved: a revision saved by anyone, a refresh, a deploy.
import type { DefinitionChangeFieldsFragment, LiveStatusQuery } from '../../generated/graphql';
import { client, query } from '../graphql/client';
import { toUiError } from '../graphql/errors';
import { LiveDeployEventsSubscription, LiveStatusQuery as StatusQuery } from '../graphql/operations/live';
import { WorkspaceChangesSubscription } from '../graphql/operations/workspace';

export type DefinitionChange = DefinitionChangeFieldsFragment;
export type LiveStatus = LiveStatusQuery['environment'];

export const live = $state<{
  bySlug: Record<string, LiveStatus>;
  error: Record<string, string>;
  /** Bumped by every saved revision (ours or anyone's): readers reload. */
  saves: number;
}>({ bySlug: {}, error: {}, saves: 0 });

// Answers may arrive out of order (a save, then a refresh): only the newest ask counts.
const asked: Record<string, number> = {};

export async function loadLive(slug: string): Promise<void> {
  const mine = (asked[slug] = (asked[slug] ?? 0) + 1);
  const res = await query(StatusQuery, { slug });
  if (asked[slug] !== mine) return;
  if (res.data) {
    live.bySlug[slug] = res.data.environment;
    delete live.error[slug];
  } else {
    live.error[slug] = toUiError(res.error)?.message ?? 'could not read what this environment serves';
  }
}

/**
 * Follows saved revisions (the workspace store only does while a page holds
 * the workspace; the header needs them on every page). Returns the unsubscribe.
 */
export function watchSaves(): () => void {
  const sub = client.subscription(WorkspaceChangesSubscription, {}).subscribe((res) => {
    if (res.data?.workspaceChanges) live.saves++;
  });
  return () => sub.unsubscribe();
}

/** Calls `ended` when a deploy or rollback of `slug` finishes. Returns the unsubscribe. */
export function watchDeploys(slug: string, ended: () => void): () => void {
  const sub = client.subscription(LiveDeployEventsSubscription, { environment: slug }).subscribe((res) => {
    if (res.data?.deployEvents.kind === 'FINISHED') ended();
  });
  return () => sub.unsubscribe();
}

/** "3 changes not yet refreshed" (test environments) or "… deployed" (deploy targets). */
export function pendingLabel(count: number, kind: string): string {
  const verb = kind === 'PRODUCTION' ? 'deployed' : 'refreshed';
  return `${count} change${count === 1 ? '' : 's'} not yet ${verb}`;
}
