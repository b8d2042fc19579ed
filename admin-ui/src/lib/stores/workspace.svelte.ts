// The workspace (tables, groups, routers) shared by the Routers and Database
// pages. Every mutation returns the new revision, which replaces `current`.
import type { OperationResult } from '@urql/core';
import type { WorkspaceFieldsFragment } from '../../generated/graphql';
import { client, query } from '../graphql/client';
import { toUiErrors, type UiError } from '../graphql/errors';
import { WorkspaceChangesSubscription, WorkspaceQuery } from '../graphql/operations/workspace';
import { session } from './session.svelte';
import { toast } from './toast.svelte';
import type { RouterDef, TableDef, WorkspaceDoc } from '../workspace';

export type Workspace = WorkspaceFieldsFragment;

export const workspace = $state<{
  current: Workspace | null;
  loading: boolean;
  errors: UiError[];
}>({ current: null, loading: false, errors: [] });

export async function loadWorkspace(): Promise<void> {
  workspace.loading = true;
  const res = await query(WorkspaceQuery, {});
  workspace.loading = false;
  if (res.data) workspace.current = res.data.workspace;
  workspace.errors = toUiErrors(res.error);
}

/**
 * Follows revisions saved by anyone: a newer one is loaded, so lists show it
 * and editors without unsaved changes follow it (edited drafts keep theirs
 * and meet the conflict on save). Returns the unsubscribe.
 */
export function watchWorkspace(): () => void {
  const sub = client.subscription(WorkspaceChangesSubscription, {}).subscribe((res) => {
    const change = res.data?.workspaceChanges;
    if (!change || !workspace.current || change.revision <= workspace.current.revision) return;
    if (change.authorEmail !== session.viewer?.email) {
      toast(`Workspace revision ${change.revision} saved by ${change.authorEmail ?? 'someone'}`, 'info', 5000);
    }
    void loadWorkspace();
  });
  return () => sub.unsubscribe();
}

/**
 * Applies a mutation's result: on success the returned workspace becomes
 * current and `null` is returned, otherwise the errors.
 */
export function applyResult<D, V extends object>(
  res: OperationResult<D, V>,
  pick: (data: D) => Workspace,
): UiError[] | null {
  if (res.data) {
    workspace.current = pick(res.data);
    return null;
  }
  return toUiErrors(res.error);
}

export function currentDocument(): WorkspaceDoc | null {
  return (workspace.current?.document as WorkspaceDoc | undefined) ?? null;
}

export function routerDefinition(name: string): RouterDef | null {
  const r = workspace.current?.routers.find((x) => x.name === name);
  return r ? (r.definition as RouterDef) : null;
}

export function tableDefinition(name: string): TableDef | null {
  const t = workspace.current?.tables.find((x) => x.name === name);
  return t ? (t.definition as TableDef) : null;
}
