export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /**
   * Implement the DateTime<Utc> scalar
   *
   * The input/output is a string in RFC3339 format.
   */
  DateTime: { input: string; output: string; }
  /** A scalar that can represent any JSON value. */
  JSON: { input: unknown; output: unknown; }
  /** A multipart file upload */
  Upload: { input: any; output: any; }
};

/** Who calls: nobody signed in, a real end user by email, or a member of a group. */
export type ActAs = {
  anonymous?: InputMaybe<Scalars['Boolean']['input']>;
  /** A member of this group (the test runner's fixture user for it). */
  group?: InputMaybe<Scalars['String']['input']>;
  /** An end user of the environment (needs its user management, or the owner role). */
  userEmail?: InputMaybe<Scalars['String']['input']>;
};

export type ApiTestRequest = {
  actAs?: InputMaybe<ActAs>;
  body?: InputMaybe<Scalars['JSON']['input']>;
  /** Request headers, a JSON object. */
  headers?: InputMaybe<Scalars['JSON']['input']>;
  /** GET, POST, PUT, PATCH or DELETE. */
  method: Scalars['String']['input'];
  /** Under the environment: `/posts/1`. */
  path: Scalars['String']['input'];
  /** Query parameters, a JSON object. */
  query?: InputMaybe<Scalars['JSON']['input']>;
};

export type ChangeOp =
  | 'DELETE'
  | 'INSERT'
  | 'UPDATE';

export type CreateAdminInput = {
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
  role: Role;
};

export type CreateApiTokenInput = {
  /** Never expires when absent. */
  expiresInDays?: InputMaybe<Scalars['Int']['input']>;
  name: Scalars['String']['input'];
  /** Defaults to, and cannot exceed, your own role. */
  role?: InputMaybe<Role>;
};

export type CreateEnvironmentInput = {
  capabilities?: InputMaybe<EnvironmentCapabilitiesInput>;
  /** TEST (the default) or PRODUCTION: another deploy target, such as a `staging`. */
  kind?: InputMaybe<EnvironmentKind>;
  /** Unset limits and capabilities take the defaults of the kind. */
  limits?: InputMaybe<EnvironmentLimitsInput>;
  name?: InputMaybe<Scalars['String']['input']>;
  /** 2–32 characters: lowercase letters, digits and `-`, starting with a letter. */
  slug: Scalars['String']['input'];
};

export type DefinitionChangeKind =
  | 'ADDED'
  | 'CHANGED'
  | 'REMOVED';

export type DeployEventKind =
  | 'FINISHED'
  | 'STARTED'
  | 'STEP_FAILED'
  | 'STEP_FINISHED'
  | 'STEP_STARTED';

export type DeployInput = {
  /** Run steps that lose data (drops, type changes). */
  allowDestructive?: InputMaybe<Scalars['Boolean']['input']>;
  /** Deploy although the gate is closed (owners only, with `forceReason`). */
  force?: InputMaybe<Scalars['Boolean']['input']>;
  forceReason?: InputMaybe<Scalars['String']['input']>;
  /** The test environment whose served revision is deployed. */
  from: Scalars['String']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
  /** The deploy target (an environment of kind production). */
  to: Scalars['String']['input'];
};

export type EnvironmentCapabilitiesInput = {
  apiTest?: InputMaybe<Scalars['Boolean']['input']>;
  databaseManagement?: InputMaybe<Scalars['Boolean']['input']>;
  fileManagement?: InputMaybe<Scalars['Boolean']['input']>;
  monitoring?: InputMaybe<Scalars['Boolean']['input']>;
  requestLogs?: InputMaybe<Scalars['Boolean']['input']>;
  userManagement?: InputMaybe<Scalars['Boolean']['input']>;
};

export type EnvironmentEventKind =
  | 'CREATED'
  | 'DELETED'
  | 'UPDATED';

export type EnvironmentKind =
  | 'PRODUCTION'
  | 'TEST';

export type EnvironmentLimitsInput = {
  /** 100 or more. */
  feedRetentionEvents?: InputMaybe<Scalars['Int']['input']>;
  feedRetentionHours?: InputMaybe<Scalars['Int']['input']>;
  /** 0 for no quota. */
  fileQuotaBytes?: InputMaybe<Scalars['Int']['input']>;
  maxBodyBytes?: InputMaybe<Scalars['Int']['input']>;
  maxConcurrentRequests?: InputMaybe<Scalars['Int']['input']>;
  maxEventsPerSecond?: InputMaybe<Scalars['Int']['input']>;
  maxFileBytes?: InputMaybe<Scalars['Int']['input']>;
  maxSubscribers?: InputMaybe<Scalars['Int']['input']>;
  maxSubscribersPerUser?: InputMaybe<Scalars['Int']['input']>;
  requestTimeoutMs?: InputMaybe<Scalars['Int']['input']>;
  requestsPerSecond?: InputMaybe<Scalars['Int']['input']>;
};

export type ReleaseStatus =
  | 'ACTIVE'
  | 'APPLYING'
  | 'FAILED'
  | 'ROLLED_BACK'
  | 'SUPERSEDED';

export type RequestLogFilter = {
  method?: InputMaybe<Scalars['String']['input']>;
  pathContains?: InputMaybe<Scalars['String']['input']>;
  /** The router's name. */
  router?: InputMaybe<Scalars['String']['input']>;
  since?: InputMaybe<Scalars['DateTime']['input']>;
  status?: InputMaybe<Scalars['Int']['input']>;
  /** 2, 3, 4 or 5: all statuses of that hundred. */
  statusClass?: InputMaybe<Scalars['Int']['input']>;
  until?: InputMaybe<Scalars['DateTime']['input']>;
  /** Part of the calling end user's email. */
  user?: InputMaybe<Scalars['String']['input']>;
  /** The calling end user's id. */
  userId?: InputMaybe<Scalars['ID']['input']>;
};

export type Role =
  | 'DEVELOPER'
  | 'OWNER'
  | 'VIEWER';

export type RouterSettingsInput = {
  /** 404 (as if it did not exist) or 503 while switched off. */
  disabledStatus?: InputMaybe<Scalars['Int']['input']>;
  /** false switches the router off. */
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  /** The only groups admitted; `[]` goes back to the definition's access rule. */
  groups?: InputMaybe<Array<Scalars['String']['input']>>;
  /** The router's own limit; 0 removes it. */
  rateLimitPerMinute?: InputMaybe<Scalars['Int']['input']>;
};

export type StatsWindow =
  | 'DAY'
  | 'FIVE_MINUTES'
  | 'HOUR';

export type StreamClosedBy =
  /** The caller's token expired or was revoked, or their account was disabled. */
  | 'ACCESS_ENDED'
  /** The client went away. */
  | 'CLIENT'
  /** The change feed could not be read. */
  | 'ERROR'
  /** Refused once open: a WebSocket whose first message's token, cursor or caller was refused. */
  | 'REFUSED'
  /** The server stopped serving it. */
  | 'SERVER';

export type TestCaseKind =
  | 'CRUD_CHAIN'
  | 'HAPPY_PATH'
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'PARTIAL_UPDATE'
  | 'REFUSED_CALLER'
  /** A watch stream opened again after its first event receives exactly the rest. */
  | 'RESUME'
  | 'WRITTEN';

export type TestCaseStatus =
  | 'ERROR'
  | 'FAILED'
  | 'PASSED';

export type TestRunStatus =
  | 'CANCELLED'
  | 'ERROR'
  | 'FAILED'
  | 'PASSED'
  | 'RUNNING';

export type UpdateAdminInput = {
  /** Sets a new password for the admin. */
  password?: InputMaybe<Scalars['String']['input']>;
  role?: InputMaybe<Role>;
};

export type UpdateEnvironmentInput = {
  capabilities?: InputMaybe<EnvironmentCapabilitiesInput>;
  /** Replaces the list of allowed browser origins. */
  corsOrigins?: InputMaybe<Array<Scalars['String']['input']>>;
  limits?: InputMaybe<EnvironmentLimitsInput>;
  /** 0 (no bodies) to 1 MiB. */
  logBodyLimitBytes?: InputMaybe<Scalars['Int']['input']>;
  /** Replaces the extra names to mask (matched case-insensitively). */
  logRedactNames?: InputMaybe<Array<Scalars['String']['input']>>;
  /** 1 to 3,650 days. */
  logRetentionDays?: InputMaybe<Scalars['Int']['input']>;
  /** 100 to 100,000,000 records. */
  logRetentionRecords?: InputMaybe<Scalars['Int']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  /** Replaces the variables (a JSON object). */
  variables?: InputMaybe<Scalars['JSON']['input']>;
};

export type BuilderEnvironmentQueryVariables = Exact<{
  slug: Scalars['String']['input'];
}>;


export type BuilderEnvironmentQuery = { environment: { slug: string, name: string, servedRevision: number | null, variables: unknown, servedWorkspace: { revision: number, routers: Array<{ name: string, definition: unknown }> } | null } };

export type AdminsQueryVariables = Exact<{ [key: string]: never; }>;


export type AdminsQuery = { admins: { totalCount: number, nodes: Array<{ id: string, email: string, role: Role, createdAt: string, lastLoginAt: string | null }> } };

export type CreateAdminMutationVariables = Exact<{
  input: CreateAdminInput;
}>;


export type CreateAdminMutation = { createAdmin: { id: string, email: string, role: Role, createdAt: string, lastLoginAt: string | null } };

export type UpdateAdminMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  input: UpdateAdminInput;
}>;


export type UpdateAdminMutation = { updateAdmin: { id: string, email: string, role: Role, createdAt: string, lastLoginAt: string | null } };

export type DeleteAdminMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type DeleteAdminMutation = { deleteAdmin: string };

export type ApiTokensQueryVariables = Exact<{ [key: string]: never; }>;


export type ApiTokensQuery = { apiTokens: { totalCount: number, nodes: Array<{ id: string, name: string, prefix: string, role: Role, ownerEmail: string, createdAt: string, lastUsedAt: string | null, expiresAt: string | null }> } };

export type CreateApiTokenMutationVariables = Exact<{
  input: CreateApiTokenInput;
}>;


export type CreateApiTokenMutation = { createApiToken: { token: string, apiToken: { id: string, name: string, prefix: string, role: Role, ownerEmail: string, createdAt: string, lastUsedAt: string | null, expiresAt: string | null } } };

export type RevokeApiTokenMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type RevokeApiTokenMutation = { revokeApiToken: string };

export type AuditLogQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  action?: InputMaybe<Scalars['String']['input']>;
}>;


export type AuditLogQuery = { auditLog: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, at: string, actor: string, action: string, target: string, detail: unknown, clientAddress: string | null }> } };

export type DefinitionChangeFieldsFragment = { what: string, name: string, change: DefinitionChangeKind, summary: string, details: Array<string> };

export type ReleaseFieldsFragment = { id: string, environment: string, number: number, status: ReleaseStatus, sourceEnvironment: string, revision: number, rollbackOf: number | null, gateRunId: string | null, gateStatus: string, forced: boolean, forceReason: string | null, note: string | null, author: string, createdAt: string, finishedAt: string | null, durationMs: number | null, failedStep: string | null, error: string | null };

export type ReleaseDetailFieldsFragment = { contentHash: string, routers: Array<string>, id: string, environment: string, number: number, status: ReleaseStatus, sourceEnvironment: string, revision: number, rollbackOf: number | null, gateRunId: string | null, gateStatus: string, forced: boolean, forceReason: string | null, note: string | null, author: string, createdAt: string, finishedAt: string | null, durationMs: number | null, failedStep: string | null, error: string | null, migration: Array<{ kind: string, description: string, destructive: boolean }>, changes: Array<{ what: string, name: string, change: DefinitionChangeKind, summary: string, details: Array<string> }>, log: Array<{ at: string, message: string }> };

export type DeployPlanFieldsFragment = { source: string, target: string, fromRevision: number, toRelease: number, currentRelease: number | null, destructive: boolean, changes: Array<{ what: string, name: string, change: DefinitionChangeKind, summary: string, details: Array<string> }>, migration: Array<{ kind: string, description: string, destructive: boolean }>, gate: { source: string, revision: number, status: string, passed: boolean, message: string | null, failedCases: Array<string>, untested: Array<string>, run: { id: string, environment: string, revision: number, startedBy: string, startedAt: string, finishedAt: string | null, status: TestRunStatus, total: number, passed: number, failed: number, error: string | null } | null } };

export type DeployPlanQueryVariables = Exact<{
  from: Scalars['String']['input'];
  to: Scalars['String']['input'];
}>;


export type DeployPlanQuery = { deployPlan: { source: string, target: string, fromRevision: number, toRelease: number, currentRelease: number | null, destructive: boolean, changes: Array<{ what: string, name: string, change: DefinitionChangeKind, summary: string, details: Array<string> }>, migration: Array<{ kind: string, description: string, destructive: boolean }>, gate: { source: string, revision: number, status: string, passed: boolean, message: string | null, failedCases: Array<string>, untested: Array<string>, run: { id: string, environment: string, revision: number, startedBy: string, startedAt: string, finishedAt: string | null, status: TestRunStatus, total: number, passed: number, failed: number, error: string | null } | null } } };

export type DeployTargetQueryVariables = Exact<{
  slug: Scalars['String']['input'];
}>;


export type DeployTargetQuery = { environment: { slug: string, baseUrl: string, servedRevision: number | null, servedAt: string | null, servedRelease: { id: string, environment: string, number: number, status: ReleaseStatus, sourceEnvironment: string, revision: number, rollbackOf: number | null, gateRunId: string | null, gateStatus: string, forced: boolean, forceReason: string | null, note: string | null, author: string, createdAt: string, finishedAt: string | null, durationMs: number | null, failedStep: string | null, error: string | null } | null } };

export type DeployMutationVariables = Exact<{
  input: DeployInput;
}>;


export type DeployMutation = { deploy: { contentHash: string, routers: Array<string>, id: string, environment: string, number: number, status: ReleaseStatus, sourceEnvironment: string, revision: number, rollbackOf: number | null, gateRunId: string | null, gateStatus: string, forced: boolean, forceReason: string | null, note: string | null, author: string, createdAt: string, finishedAt: string | null, durationMs: number | null, failedStep: string | null, error: string | null, migration: Array<{ kind: string, description: string, destructive: boolean }>, changes: Array<{ what: string, name: string, change: DefinitionChangeKind, summary: string, details: Array<string> }>, log: Array<{ at: string, message: string }> } };

export type ReleasesQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type ReleasesQuery = { releases: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, environment: string, number: number, status: ReleaseStatus, sourceEnvironment: string, revision: number, rollbackOf: number | null, gateRunId: string | null, gateStatus: string, forced: boolean, forceReason: string | null, note: string | null, author: string, createdAt: string, finishedAt: string | null, durationMs: number | null, failedStep: string | null, error: string | null }> } };

export type ReleaseQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  number: Scalars['Int']['input'];
}>;


export type ReleaseQuery = { release: { contentHash: string, routers: Array<string>, id: string, environment: string, number: number, status: ReleaseStatus, sourceEnvironment: string, revision: number, rollbackOf: number | null, gateRunId: string | null, gateStatus: string, forced: boolean, forceReason: string | null, note: string | null, author: string, createdAt: string, finishedAt: string | null, durationMs: number | null, failedStep: string | null, error: string | null, migration: Array<{ kind: string, description: string, destructive: boolean }>, changes: Array<{ what: string, name: string, change: DefinitionChangeKind, summary: string, details: Array<string> }>, log: Array<{ at: string, message: string }> } | null };

export type RollbackPlanQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  toRelease: Scalars['Int']['input'];
  allowDestructive?: InputMaybe<Scalars['Boolean']['input']>;
}>;


export type RollbackPlanQuery = { rollbackPlan: { source: string, target: string, fromRevision: number, toRelease: number, currentRelease: number | null, destructive: boolean, changes: Array<{ what: string, name: string, change: DefinitionChangeKind, summary: string, details: Array<string> }>, migration: Array<{ kind: string, description: string, destructive: boolean }>, gate: { source: string, revision: number, status: string, passed: boolean, message: string | null, failedCases: Array<string>, untested: Array<string>, run: { id: string, environment: string, revision: number, startedBy: string, startedAt: string, finishedAt: string | null, status: TestRunStatus, total: number, passed: number, failed: number, error: string | null } | null } } };

export type RollbackMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  toRelease: Scalars['Int']['input'];
  allowDestructive?: InputMaybe<Scalars['Boolean']['input']>;
}>;


export type RollbackMutation = { rollback: { contentHash: string, routers: Array<string>, id: string, environment: string, number: number, status: ReleaseStatus, sourceEnvironment: string, revision: number, rollbackOf: number | null, gateRunId: string | null, gateStatus: string, forced: boolean, forceReason: string | null, note: string | null, author: string, createdAt: string, finishedAt: string | null, durationMs: number | null, failedStep: string | null, error: string | null, migration: Array<{ kind: string, description: string, destructive: boolean }>, changes: Array<{ what: string, name: string, change: DefinitionChangeKind, summary: string, details: Array<string> }>, log: Array<{ at: string, message: string }> } };

export type DeployEventsSubscriptionVariables = Exact<{
  environment: Scalars['String']['input'];
}>;


export type DeployEventsSubscription = { deployEvents: { environment: string, release: number, kind: DeployEventKind, step: string | null, durationMs: number | null, message: string, at: string, outcome: { contentHash: string, routers: Array<string>, id: string, environment: string, number: number, status: ReleaseStatus, sourceEnvironment: string, revision: number, rollbackOf: number | null, gateRunId: string | null, gateStatus: string, forced: boolean, forceReason: string | null, note: string | null, author: string, createdAt: string, finishedAt: string | null, durationMs: number | null, failedStep: string | null, error: string | null, migration: Array<{ kind: string, description: string, destructive: boolean }>, changes: Array<{ what: string, name: string, change: DefinitionChangeKind, summary: string, details: Array<string> }>, log: Array<{ at: string, message: string }> } | null } };

export type EndUserGroupsQueryVariables = Exact<{
  environment: Scalars['String']['input'];
}>;


export type EndUserGroupsQuery = { groups: Array<{ name: string, description: string, members: number | null }> };

export type EndUsersQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  group?: InputMaybe<Scalars['String']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type EndUsersQuery = { users: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, email: string, groups: Array<string>, disabled: boolean, fixture: boolean, createdAt: string }> } };

export type CreateUserMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
  groups?: InputMaybe<Array<Scalars['String']['input']> | Scalars['String']['input']>;
}>;


export type CreateUserMutation = { createUser: { id: string, email: string, groups: Array<string>, disabled: boolean, fixture: boolean, createdAt: string } };

export type SetUserGroupsMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  userId: Scalars['ID']['input'];
  groups: Array<Scalars['String']['input']> | Scalars['String']['input'];
}>;


export type SetUserGroupsMutation = { setUserGroups: { id: string, email: string, groups: Array<string>, disabled: boolean, fixture: boolean, createdAt: string } };

export type DisableUserMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  userId: Scalars['ID']['input'];
  disabled?: InputMaybe<Scalars['Boolean']['input']>;
}>;


export type DisableUserMutation = { disableUser: { id: string, email: string, groups: Array<string>, disabled: boolean, fixture: boolean, createdAt: string } };

export type ResetUserPasswordMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  userId: Scalars['ID']['input'];
  password: Scalars['String']['input'];
}>;


export type ResetUserPasswordMutation = { resetUserPassword: { id: string, email: string, groups: Array<string>, disabled: boolean, fixture: boolean, createdAt: string } };

export type DeleteUserMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  userId: Scalars['ID']['input'];
}>;


export type DeleteUserMutation = { deleteUser: string };

export type UserChangesSubscriptionVariables = Exact<{
  environment: Scalars['String']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type UserChangesSubscription = { userChanges: { cursor: string, op: ChangeOp, user: { id: string, email: string, groups: Array<string>, disabled: boolean, fixture: boolean, createdAt: string } } };

export type SecretInfoFieldsFragment = { name: string, updatedAt: string, updatedBy: string };

export type RouterSettingsFieldsFragment = { router: string, enabled: boolean, disabledStatus: number, rateLimitPerMinute: number | null, groups: Array<string> | null, updatedAt: string | null, updatedBy: string | null };

export type SecretsQueryVariables = Exact<{
  slug: Scalars['String']['input'];
}>;


export type SecretsQuery = { environment: { slug: string, secrets: Array<{ name: string, updatedAt: string, updatedBy: string }> } };

export type SetSecretMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  name: Scalars['String']['input'];
  value: Scalars['String']['input'];
}>;


export type SetSecretMutation = { setSecret: { name: string, updatedAt: string, updatedBy: string } };

export type DeleteSecretMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  name: Scalars['String']['input'];
}>;


export type DeleteSecretMutation = { deleteSecret: string };

export type RouterSettingsQueryVariables = Exact<{
  slug: Scalars['String']['input'];
}>;


export type RouterSettingsQuery = { environment: { slug: string, servedRevision: number | null, servedWorkspace: { revision: number, routers: Array<{ name: string }> } | null, routerSettings: Array<{ router: string, enabled: boolean, disabledStatus: number, rateLimitPerMinute: number | null, groups: Array<string> | null, updatedAt: string | null, updatedBy: string | null }> } };

export type SetRouterSettingsMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  router: Scalars['String']['input'];
  input: RouterSettingsInput;
}>;


export type SetRouterSettingsMutation = { setRouterSettings: { router: string, enabled: boolean, disabledStatus: number, rateLimitPerMinute: number | null, groups: Array<string> | null, updatedAt: string | null, updatedBy: string | null } };

export type SetUserGroupsByEmailMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  email: Scalars['String']['input'];
  groups: Array<Scalars['String']['input']> | Scalars['String']['input'];
}>;


export type SetUserGroupsByEmailMutation = { setUserGroupsByEmail: { id: string, email: string, groups: Array<string>, disabled: boolean, fixture: boolean, createdAt: string } };

export type EnvironmentsQueryVariables = Exact<{ [key: string]: never; }>;


export type EnvironmentsQuery = { environments: Array<{ id: string, slug: string, name: string, kind: EnvironmentKind, baseUrl: string, database: string, storagePrefix: string, servedRevision: number | null, servedAt: string | null, corsOrigins: Array<string>, variables: unknown, logRetentionRecords: number, logRetentionDays: number, logBodyLimitBytes: number, logRedactNames: Array<string>, createdAt: string, updatedAt: string, limits: { maxConcurrentRequests: number, requestsPerSecond: number, maxBodyBytes: number, requestTimeoutMs: number, maxFileBytes: number, fileQuotaBytes: number, maxSubscribers: number, maxSubscribersPerUser: number, maxEventsPerSecond: number, feedRetentionEvents: number, feedRetentionHours: number }, capabilities: { monitoring: boolean, requestLogs: boolean, apiTest: boolean, databaseManagement: boolean, userManagement: boolean, fileManagement: boolean } }> };

export type UpdateEnvironmentMutationVariables = Exact<{
  slug: Scalars['String']['input'];
  input: UpdateEnvironmentInput;
}>;


export type UpdateEnvironmentMutation = { updateEnvironment: { id: string, slug: string, name: string, kind: EnvironmentKind, baseUrl: string, database: string, storagePrefix: string, servedRevision: number | null, servedAt: string | null, corsOrigins: Array<string>, variables: unknown, logRetentionRecords: number, logRetentionDays: number, logBodyLimitBytes: number, logRedactNames: Array<string>, createdAt: string, updatedAt: string, limits: { maxConcurrentRequests: number, requestsPerSecond: number, maxBodyBytes: number, requestTimeoutMs: number, maxFileBytes: number, fileQuotaBytes: number, maxSubscribers: number, maxSubscribersPerUser: number, maxEventsPerSecond: number, feedRetentionEvents: number, feedRetentionHours: number }, capabilities: { monitoring: boolean, requestLogs: boolean, apiTest: boolean, databaseManagement: boolean, userManagement: boolean, fileManagement: boolean } } };

export type CreateEnvironmentMutationVariables = Exact<{
  input: CreateEnvironmentInput;
}>;


export type CreateEnvironmentMutation = { createEnvironment: { id: string, slug: string, name: string, kind: EnvironmentKind, baseUrl: string, database: string, storagePrefix: string, servedRevision: number | null, servedAt: string | null, corsOrigins: Array<string>, variables: unknown, logRetentionRecords: number, logRetentionDays: number, logBodyLimitBytes: number, logRedactNames: Array<string>, createdAt: string, updatedAt: string, limits: { maxConcurrentRequests: number, requestsPerSecond: number, maxBodyBytes: number, requestTimeoutMs: number, maxFileBytes: number, fileQuotaBytes: number, maxSubscribers: number, maxSubscribersPerUser: number, maxEventsPerSecond: number, feedRetentionEvents: number, feedRetentionHours: number }, capabilities: { monitoring: boolean, requestLogs: boolean, apiTest: boolean, databaseManagement: boolean, userManagement: boolean, fileManagement: boolean } } };

export type DeleteEnvironmentMutationVariables = Exact<{
  slug: Scalars['String']['input'];
}>;


export type DeleteEnvironmentMutation = { deleteEnvironment: string };

export type EnvironmentEventsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type EnvironmentEventsSubscription = { environmentEvents: { kind: EnvironmentEventKind, slug: string, environment: { id: string, slug: string, name: string, kind: EnvironmentKind, baseUrl: string, database: string, storagePrefix: string, servedRevision: number | null, servedAt: string | null, corsOrigins: Array<string>, variables: unknown, logRetentionRecords: number, logRetentionDays: number, logBodyLimitBytes: number, logRedactNames: Array<string>, createdAt: string, updatedAt: string, limits: { maxConcurrentRequests: number, requestsPerSecond: number, maxBodyBytes: number, requestTimeoutMs: number, maxFileBytes: number, fileQuotaBytes: number, maxSubscribers: number, maxSubscribersPerUser: number, maxEventsPerSecond: number, feedRetentionEvents: number, feedRetentionHours: number }, capabilities: { monitoring: boolean, requestLogs: boolean, apiTest: boolean, databaseManagement: boolean, userManagement: boolean, fileManagement: boolean } } | null } };

export type FileInfoFieldsFragment = { path: string, name: string, size: number, contentType: string, modifiedAt: string, etag: string | null, downloadUrl: string, readOnly: boolean };

export type FilesQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  folder?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type FilesQuery = { files: { folder: string, readOnly: boolean, folders: Array<string>, usedBytes: number, quotaBytes: number, maxFileBytes: number, files: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { path: string, name: string, size: number, contentType: string, modifiedAt: string, etag: string | null, downloadUrl: string, readOnly: boolean } }> } } };

export type FilesUsageQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  folder?: InputMaybe<Scalars['String']['input']>;
}>;


export type FilesUsageQuery = { files: { folder: string, folders: Array<string>, usedBytes: number, quotaBytes: number, maxFileBytes: number } };

export type FileChangesSubscriptionVariables = Exact<{
  environment: Scalars['String']['input'];
  folder?: InputMaybe<Scalars['String']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type FileChangesSubscription = { fileChanges: { cursor: string, op: ChangeOp, path: string, previousPath: string | null, size: number | null, contentType: string | null, at: string } };

export type FolderSummaryQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  path: Scalars['String']['input'];
}>;


export type FolderSummaryQuery = { folderSummary: { files: number, bytes: number } };

export type CreateFolderMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  path: Scalars['String']['input'];
}>;


export type CreateFolderMutation = { createFolder: string };

export type MoveFileMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  from: Scalars['String']['input'];
  to: Scalars['String']['input'];
}>;


export type MoveFileMutation = { moveFile: { path: string, name: string, size: number, contentType: string, modifiedAt: string, etag: string | null, downloadUrl: string, readOnly: boolean } };

export type DeleteFileMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  path: Scalars['String']['input'];
}>;


export type DeleteFileMutation = { deleteFile: boolean };

export type DeleteFolderMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  path: Scalars['String']['input'];
}>;


export type DeleteFolderMutation = { deleteFolder: number };

export type AdminFieldsFragment = { id: string, email: string, role: Role, createdAt: string, lastLoginAt: string | null };

export type EnvironmentFieldsFragment = { id: string, slug: string, name: string, kind: EnvironmentKind, baseUrl: string, database: string, storagePrefix: string, servedRevision: number | null, servedAt: string | null, corsOrigins: Array<string>, variables: unknown, logRetentionRecords: number, logRetentionDays: number, logBodyLimitBytes: number, logRedactNames: Array<string>, createdAt: string, updatedAt: string, limits: { maxConcurrentRequests: number, requestsPerSecond: number, maxBodyBytes: number, requestTimeoutMs: number, maxFileBytes: number, fileQuotaBytes: number, maxSubscribers: number, maxSubscribersPerUser: number, maxEventsPerSecond: number, feedRetentionEvents: number, feedRetentionHours: number }, capabilities: { monitoring: boolean, requestLogs: boolean, apiTest: boolean, databaseManagement: boolean, userManagement: boolean, fileManagement: boolean } };

export type ApiTokenFieldsFragment = { id: string, name: string, prefix: string, role: Role, ownerEmail: string, createdAt: string, lastUsedAt: string | null, expiresAt: string | null };

export type WorkspaceFieldsFragment = { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> };

export type TestRunFieldsFragment = { id: string, environment: string, revision: number, startedBy: string, startedAt: string, finishedAt: string | null, status: TestRunStatus, total: number, passed: number, failed: number, error: string | null };

export type RouterCoverageFieldsFragment = { router: string, tested: boolean, happyPathPassed: boolean, ran: Array<{ kind: TestCaseKind, cases: number, passed: number }>, skipped: Array<{ kind: TestCaseKind, reason: string }> };

export type TestCaseResultFieldsFragment = { name: string, router: string, status: TestCaseStatus, durationMs: number, logIds: Array<string>, curl: string, failures: Array<{ step: string, what: string, expected: unknown, actual: unknown }> };

export type MigrationChangeFieldsFragment = { kind: string, description: string, destructive: boolean };

export type EndUserFieldsFragment = { id: string, email: string, groups: Array<string>, disabled: boolean, fixture: boolean, createdAt: string };

export type RequestLogRowFieldsFragment = { id: string, at: string, router: string | null, route: string | null, method: string, path: string, query: string | null, status: number, durationMs: number, userId: string | null, userEmail: string | null, stream: { events: number, closedBy: StreamClosedBy } | null };

export type WorkspaceRevisionFieldsFragment = { revision: number, authorEmail: string | null, savedAt: string, summary: string };

export type WorkspaceRevisionsQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type WorkspaceRevisionsQuery = { workspaceRevisions: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ revision: number, authorEmail: string | null, savedAt: string, summary: string }> } };

export type WorkspaceRevisionQueryVariables = Exact<{
  revision: Scalars['Int']['input'];
}>;


export type WorkspaceRevisionQuery = { workspaceRevision: { document: unknown, revision: number, authorEmail: string | null, savedAt: string, summary: string, changes: Array<{ what: string, name: string, change: DefinitionChangeKind, summary: string, details: Array<string> }> } | null };

export type RestoreWorkspaceRevisionMutationVariables = Exact<{
  revision: Scalars['Int']['input'];
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type RestoreWorkspaceRevisionMutation = { restoreWorkspaceRevision: { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> } };

export type LiveStatusQueryVariables = Exact<{
  slug: Scalars['String']['input'];
}>;


export type LiveStatusQuery = { environment: { slug: string, kind: EnvironmentKind, servedRevision: number | null, servedRelease: { number: number } | null, pendingChanges: Array<{ what: string, name: string, change: DefinitionChangeKind, summary: string, details: Array<string> }> } };

export type LiveDeployEventsSubscriptionVariables = Exact<{
  environment: Scalars['String']['input'];
}>;


export type LiveDeployEventsSubscription = { deployEvents: { kind: DeployEventKind } };

export type RequestLogsQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  filter?: InputMaybe<RequestLogFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type RequestLogsQuery = { requestLogs: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, at: string, router: string | null, route: string | null, method: string, path: string, query: string | null, status: number, durationMs: number, userId: string | null, userEmail: string | null, stream: { events: number, closedBy: StreamClosedBy } | null }> } };

export type RequestLogQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  id: Scalars['ID']['input'];
}>;


export type RequestLogQuery = { requestLog: { environment: string, requestBytes: number, responseBytes: number, clientAddress: string | null, requestHeaders: unknown | null, requestBody: string | null, responseHeaders: unknown | null, responseBody: string | null, truncated: boolean, id: string, at: string, router: string | null, route: string | null, method: string, path: string, query: string | null, status: number, durationMs: number, userId: string | null, userEmail: string | null, trace: Array<{ index: number, kind: string, name: string | null, durationMs: number, rows: number | null, error: string | null }> | null, stream: { events: number, closedBy: StreamClosedBy } | null } | null };

export type RequestLogStatsQueryVariables = Exact<{
  environment: Scalars['String']['input'];
}>;


export type RequestLogStatsQuery = { requestLogStats: { stored: number, dropped: number, oldest: string | null, retentionRecords: number, retentionDays: number } };

export type RequestLogTailSubscriptionVariables = Exact<{
  environment: Scalars['String']['input'];
  filter?: InputMaybe<RequestLogFilter>;
}>;


export type RequestLogTailSubscription = { requestLogTail: { id: string, at: string, router: string | null, route: string | null, method: string, path: string, query: string | null, status: number, durationMs: number, userId: string | null, userEmail: string | null, stream: { events: number, closedBy: StreamClosedBy } | null } };

export type RouterStatsQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  window: StatsWindow;
}>;


export type RouterStatsQuery = { routerStats: Array<{ router: string, method: string, route: string, requests: number, ratePerSecond: number, errors4xx: number, errors5xx: number, p50Ms: number | null, p95Ms: number | null, p99Ms: number | null, series: Array<{ at: string, requests: number, errors: number, p95Ms: number | null }> }> };

export type ServedRoutersQueryVariables = Exact<{
  slug: Scalars['String']['input'];
}>;


export type ServedRoutersQuery = { environment: { slug: string, servedRevision: number | null, servedAt: string | null, servedRelease: { number: number, revision: number, rollbackOf: number | null } | null, servedWorkspace: { revision: number, routers: Array<{ name: string, method: string, path: string, definition: unknown }> } | null, routerSettings: Array<{ router: string, enabled: boolean, disabledStatus: number, rateLimitPerMinute: number | null, groups: Array<string> | null, updatedAt: string | null, updatedBy: string | null }> } };

export type MigrationPlanQueryVariables = Exact<{
  environment: Scalars['String']['input'];
}>;


export type MigrationPlanQuery = { migrationPlan: Array<{ kind: string, description: string, destructive: boolean }> };

export type RefreshMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  allowDestructive?: InputMaybe<Scalars['Boolean']['input']>;
}>;


export type RefreshMutation = { refresh: { environment: string, revision: number, routersServed: number, changes: Array<{ kind: string, description: string, destructive: boolean }>, testRun: { id: string, environment: string, revision: number, startedBy: string, startedAt: string, finishedAt: string | null, status: TestRunStatus, total: number, passed: number, failed: number, error: string | null } | null } };

export type RefreshEventsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type RefreshEventsSubscription = { refreshEvents: { environment: string, ok: boolean, revision: number | null, error: string | null, routersServed: number, changes: Array<{ kind: string, description: string, destructive: boolean }> } };

export type RowsQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  table: Scalars['String']['input'];
  filter?: InputMaybe<Scalars['JSON']['input']>;
  orderBy?: InputMaybe<Array<Scalars['String']['input']> | Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type RowsQuery = { rows: { totalCount: number, totalCountIsEstimate: boolean, columns: Array<{ name: string, type: string, required: boolean, system: boolean }>, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, values: unknown, labels: unknown }> } };

export type InsertRowMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  table: Scalars['String']['input'];
  values: Scalars['JSON']['input'];
}>;


export type InsertRowMutation = { insertRow: { id: string, values: unknown } };

export type UpdateRowMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  table: Scalars['String']['input'];
  id: Scalars['ID']['input'];
  values: Scalars['JSON']['input'];
}>;


export type UpdateRowMutation = { updateRow: { id: string, values: unknown } };

export type DeleteRowMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  table: Scalars['String']['input'];
  id: Scalars['ID']['input'];
}>;


export type DeleteRowMutation = { deleteRow: string };

export type RowChangesSubscriptionVariables = Exact<{
  environment: Scalars['String']['input'];
  table: Scalars['String']['input'];
  filter?: InputMaybe<Scalars['JSON']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type RowChangesSubscription = { rowChanges: { cursor: string, op: ChangeOp, id: string, row: unknown | null, previous: unknown | null } };

export type SetupRequiredQueryVariables = Exact<{ [key: string]: never; }>;


export type SetupRequiredQuery = { setupRequired: boolean };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { id: string, email: string, role: Role, createdAt: string, lastLoginAt: string | null } };

export type LoginMutationVariables = Exact<{
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
}>;


export type LoginMutation = { login: { id: string, email: string, role: Role, createdAt: string, lastLoginAt: string | null } };

export type SetupMutationVariables = Exact<{
  token: Scalars['String']['input'];
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
}>;


export type SetupMutation = { setup: { id: string, email: string, role: Role, createdAt: string, lastLoginAt: string | null } };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { logout: boolean };

export type TestCasesQueryVariables = Exact<{
  environment: Scalars['String']['input'];
}>;


export type TestCasesQuery = { testCases: Array<{ name: string, router: string, generated: boolean, definition: unknown }> };

export type LatestTestRunQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  revision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type LatestTestRunQuery = { latestTestRun: { id: string, environment: string, revision: number, startedBy: string, startedAt: string, finishedAt: string | null, status: TestRunStatus, total: number, passed: number, failed: number, error: string | null, results: Array<{ name: string, router: string, status: TestCaseStatus, durationMs: number, logIds: Array<string>, curl: string, failures: Array<{ step: string, what: string, expected: unknown, actual: unknown }> }>, coverage: Array<{ router: string, tested: boolean, happyPathPassed: boolean, ran: Array<{ kind: TestCaseKind, cases: number, passed: number }>, skipped: Array<{ kind: TestCaseKind, reason: string }> }> } | null };

export type TestRunsQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
}>;


export type TestRunsQuery = { testRuns: { nodes: Array<{ id: string, environment: string, revision: number, startedBy: string, startedAt: string, finishedAt: string | null, status: TestRunStatus, total: number, passed: number, failed: number, error: string | null, results: Array<{ name: string, router: string, status: TestCaseStatus, durationMs: number, logIds: Array<string>, curl: string, failures: Array<{ step: string, what: string, expected: unknown, actual: unknown }> }>, coverage: Array<{ router: string, tested: boolean, happyPathPassed: boolean, ran: Array<{ kind: TestCaseKind, cases: number, passed: number }>, skipped: Array<{ kind: TestCaseKind, reason: string }> }> }> } };

export type RunTestsMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  cases?: InputMaybe<Array<Scalars['String']['input']> | Scalars['String']['input']>;
  routers?: InputMaybe<Array<Scalars['String']['input']> | Scalars['String']['input']>;
}>;


export type RunTestsMutation = { runTests: { id: string, environment: string, revision: number, startedBy: string, startedAt: string, finishedAt: string | null, status: TestRunStatus, total: number, passed: number, failed: number, error: string | null } };

export type CancelTestRunMutationVariables = Exact<{
  environment: Scalars['String']['input'];
}>;


export type CancelTestRunMutation = { cancelTestRun: string | null };

export type TestRunProgressSubscriptionVariables = Exact<{
  runId: Scalars['ID']['input'];
}>;


export type TestRunProgressSubscription = { testRunProgress:
    | { __typename: 'TestCaseProgress', runId: string, done: number, total: number, result: { name: string, router: string, status: TestCaseStatus, durationMs: number, logIds: Array<string>, curl: string, failures: Array<{ step: string, what: string, expected: unknown, actual: unknown }> } }
    | { __typename: 'TestRunFinished', run: { id: string, environment: string, revision: number, startedBy: string, startedAt: string, finishedAt: string | null, status: TestRunStatus, total: number, passed: number, failed: number, error: string | null, results: Array<{ name: string, router: string, status: TestCaseStatus, durationMs: number, logIds: Array<string>, curl: string, failures: Array<{ step: string, what: string, expected: unknown, actual: unknown }> }>, coverage: Array<{ router: string, tested: boolean, happyPathPassed: boolean, ran: Array<{ kind: TestCaseKind, cases: number, passed: number }>, skipped: Array<{ kind: TestCaseKind, reason: string }> }> } }
   };

export type PutTestCaseMutationVariables = Exact<{
  definition: Scalars['JSON']['input'];
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type PutTestCaseMutation = { putTestCase: { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> } };

export type DeleteTestCaseMutationVariables = Exact<{
  name: Scalars['String']['input'];
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type DeleteTestCaseMutation = { deleteTestCase: { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> } };

export type RunApiTestMutationVariables = Exact<{
  environment: Scalars['String']['input'];
  request: ApiTestRequest;
}>;


export type RunApiTestMutation = { runApiTest: { status: number, headers: unknown, body: unknown, durationMs: number, logId: string | null, router: string | null, curl: string, trace: Array<{ index: number, kind: string, name: string | null, durationMs: number, rows: number | null, error: string | null }> | null } };

export type OpenApiQueryVariables = Exact<{
  environment: Scalars['String']['input'];
}>;


export type OpenApiQuery = { openApi: unknown };

export type RowCountQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  table: Scalars['String']['input'];
}>;


export type RowCountQuery = { rows: { totalCount: number, totalCountIsEstimate: boolean } };

export type UserCountQueryVariables = Exact<{
  environment: Scalars['String']['input'];
  fixtures: Scalars['String']['input'];
}>;


export type UserCountQuery = { all: { totalCount: number }, fixtures: { totalCount: number } };

export type WorkspaceQueryVariables = Exact<{ [key: string]: never; }>;


export type WorkspaceQuery = { workspace: { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> } };

export type ExportWorkspaceQueryVariables = Exact<{ [key: string]: never; }>;


export type ExportWorkspaceQuery = { exportWorkspace: unknown };

export type ValidateWorkspaceQueryVariables = Exact<{
  document: Scalars['JSON']['input'];
}>;


export type ValidateWorkspaceQuery = { validateWorkspace: Array<{ path: string, message: string }> };

export type ImportWorkspaceMutationVariables = Exact<{
  document: Scalars['JSON']['input'];
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type ImportWorkspaceMutation = { importWorkspace: { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> } };

export type PutTableMutationVariables = Exact<{
  definition: Scalars['JSON']['input'];
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type PutTableMutation = { putTable: { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> } };

export type CreateTableMutationVariables = Exact<{
  definition: Scalars['JSON']['input'];
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type CreateTableMutation = { createTable: { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> } };

export type DeleteTableMutationVariables = Exact<{
  name: Scalars['String']['input'];
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type DeleteTableMutation = { deleteTable: { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> } };

export type PutRouterMutationVariables = Exact<{
  definition: Scalars['JSON']['input'];
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type PutRouterMutation = { putRouter: { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> } };

export type CreateRouterMutationVariables = Exact<{
  definition: Scalars['JSON']['input'];
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type CreateRouterMutation = { createRouter: { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> } };

export type DeleteRouterMutationVariables = Exact<{
  name: Scalars['String']['input'];
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type DeleteRouterMutation = { deleteRouter: { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> } };

export type PutGroupMutationVariables = Exact<{
  name: Scalars['String']['input'];
  description?: InputMaybe<Scalars['String']['input']>;
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type PutGroupMutation = { putGroup: { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> } };

export type CreateGroupMutationVariables = Exact<{
  name: Scalars['String']['input'];
  description?: InputMaybe<Scalars['String']['input']>;
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type CreateGroupMutation = { createGroup: { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> } };

export type DeleteGroupMutationVariables = Exact<{
  name: Scalars['String']['input'];
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type DeleteGroupMutation = { deleteGroup: { revision: number, authorEmail: string | null, savedAt: string | null, document: unknown, tables: Array<{ name: string, description: string, owned: boolean, columns: unknown, definition: unknown }>, groups: Array<{ name: string, description: string }>, routers: Array<{ name: string, description: string, method: string, path: string, definition: unknown }> } };

export type WorkspaceChangesSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type WorkspaceChangesSubscription = { workspaceChanges: { revision: number, authorEmail: string | null } };
