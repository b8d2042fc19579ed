import type { EnvironmentKind, Role } from '../generated/graphql';

export const ROLES: Role[] = ['OWNER', 'DEVELOPER', 'VIEWER'];

const RANK: Record<Role, number> = { OWNER: 3, DEVELOPER: 2, VIEWER: 1 };

export function roleLabel(role: Role): string {
  return role.charAt(0) + role.slice(1).toLowerCase();
}

/** Roles at or below `role` (an API token can't exceed its creator's role). */
export function rolesUpTo(role: Role): Role[] {
  return ROLES.filter((r) => RANK[r] <= RANK[role]);
}

export const isOwner = (role: Role | undefined): boolean => role === 'OWNER';

/** Owners edit every environment, developers only test-kind ones. */
export function canEditEnvironment(role: Role | undefined, kind: EnvironmentKind): boolean {
  if (role === 'OWNER') return true;
  return role === 'DEVELOPER' && kind === 'TEST';
}

/** Developers and owners edit the workspace (tables, groups, routers); viewers only read it. */
export function canEditWorkspace(role: Role | undefined): boolean {
  return role === 'OWNER' || role === 'DEVELOPER';
}

/** Refresh serves the workspace in an environment: developers and owners, test-kind environments only. */
export function canRefresh(role: Role | undefined, kind: EnvironmentKind | undefined): boolean {
  return kind === 'TEST' && canEditWorkspace(role);
}

/** Rows and end users are written by developers and owners; viewers only look. */
export function canWriteData(role: Role | undefined): boolean {
  return canEditWorkspace(role);
}

/** Deploys and rollbacks of deploy targets: developers and owners; viewers read plans and releases. */
export function canDeploy(role: Role | undefined): boolean {
  return canEditWorkspace(role);
}

/** A deploy whose tests did not pass goes through only when an owner forces it, with a reason. */
export const canForceDeploy = isOwner;

/** Secrets, router settings and end users' groups: owners everywhere, developers in test-kind environments. */
export function canChangeEnvironmentSettings(role: Role | undefined, kind: EnvironmentKind): boolean {
  return canEditEnvironment(role, kind);
}

/** The audit log is for owners only. */
export const canReadAudit = isOwner;
