// All GraphQL operations of the admin SPA. `npm run codegen` reads the gql``
// documents below and writes their result/variable types to src/generated.
// The domains added later live in operations/ and are re-exported here, so
// every page imports from this one module.
import { gql } from '@urql/core';
import type * as T from '../../generated/graphql';
import { AdminFields, EnvironmentFields, ApiTokenFields, WorkspaceFields, TestRunFields, MigrationChangeFields, EndUserFields } from './operations/fragments';

export * from './operations/fragments';
export * from './operations/observe';
export * from './operations/testing';
export * from './operations/deploy';
export * from './operations/envSettings';
export * from './operations/audit';
export * from './operations/files';

// ---- session ----

export const SetupRequiredQuery = gql<T.SetupRequiredQuery, T.SetupRequiredQueryVariables>`
  query SetupRequired {
    setupRequired
  }
`;

export const ViewerQuery = gql<T.ViewerQuery, T.ViewerQueryVariables>`
  query Viewer {
    viewer {
      ...AdminFields
    }
  }
  ${AdminFields}
`;

export const LoginMutation = gql<T.LoginMutation, T.LoginMutationVariables>`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      ...AdminFields
    }
  }
  ${AdminFields}
`;

export const SetupMutation = gql<T.SetupMutation, T.SetupMutationVariables>`
  mutation Setup($token: String!, $email: String!, $password: String!) {
    setup(token: $token, email: $email, password: $password) {
      ...AdminFields
    }
  }
  ${AdminFields}
`;

export const LogoutMutation = gql<T.LogoutMutation, T.LogoutMutationVariables>`
  mutation Logout {
    logout
  }
`;

// ---- environments ----

export const EnvironmentsQuery = gql<T.EnvironmentsQuery, T.EnvironmentsQueryVariables>`
  query Environments {
    environments {
      ...EnvironmentFields
    }
  }
  ${EnvironmentFields}
`;

export const UpdateEnvironmentMutation = gql<
  T.UpdateEnvironmentMutation,
  T.UpdateEnvironmentMutationVariables
>`
  mutation UpdateEnvironment($slug: String!, $input: UpdateEnvironmentInput!) {
    updateEnvironment(slug: $slug, input: $input) {
      ...EnvironmentFields
    }
  }
  ${EnvironmentFields}
`;

export const CreateEnvironmentMutation = gql<
  T.CreateEnvironmentMutation,
  T.CreateEnvironmentMutationVariables
>`
  mutation CreateEnvironment($input: CreateEnvironmentInput!) {
    createEnvironment(input: $input) {
      ...EnvironmentFields
    }
  }
  ${EnvironmentFields}
`;

export const DeleteEnvironmentMutation = gql<
  T.DeleteEnvironmentMutation,
  T.DeleteEnvironmentMutationVariables
>`
  mutation DeleteEnvironment($slug: String!) {
    deleteEnvironment(slug: $slug)
  }
`;

export const EnvironmentEventsSubscription = gql<
  T.EnvironmentEventsSubscription,
  T.EnvironmentEventsSubscriptionVariables
>`
  subscription EnvironmentEvents {
    environmentEvents {
      kind
      slug
      environment {
        ...EnvironmentFields
      }
    }
  }
  ${EnvironmentFields}
`;

// ---- admins ----

export const AdminsQuery = gql<T.AdminsQuery, T.AdminsQueryVariables>`
  query Admins {
    admins(first: 100) {
      totalCount
      nodes {
        ...AdminFields
      }
    }
  }
  ${AdminFields}
`;

export const CreateAdminMutation = gql<T.CreateAdminMutation, T.CreateAdminMutationVariables>`
  mutation CreateAdmin($input: CreateAdminInput!) {
    createAdmin(input: $input) {
      ...AdminFields
    }
  }
  ${AdminFields}
`;

export const UpdateAdminMutation = gql<T.UpdateAdminMutation, T.UpdateAdminMutationVariables>`
  mutation UpdateAdmin($id: ID!, $input: UpdateAdminInput!) {
    updateAdmin(id: $id, input: $input) {
      ...AdminFields
    }
  }
  ${AdminFields}
`;

export const DeleteAdminMutation = gql<T.DeleteAdminMutation, T.DeleteAdminMutationVariables>`
  mutation DeleteAdmin($id: ID!) {
    deleteAdmin(id: $id)
  }
`;

// ---- API tokens ----

export const ApiTokensQuery = gql<T.ApiTokensQuery, T.ApiTokensQueryVariables>`
  query ApiTokens {
    apiTokens(first: 100) {
      totalCount
      nodes {
        ...ApiTokenFields
      }
    }
  }
  ${ApiTokenFields}
`;

export const CreateApiTokenMutation = gql<
  T.CreateApiTokenMutation,
  T.CreateApiTokenMutationVariables
>`
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      token
      apiToken {
        ...ApiTokenFields
      }
    }
  }
  ${ApiTokenFields}
`;

export const RevokeApiTokenMutation = gql<
  T.RevokeApiTokenMutation,
  T.RevokeApiTokenMutationVariables
>`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id)
  }
`;

// ---- workspace (tables, groups, routers) ----

export const WorkspaceQuery = gql<T.WorkspaceQuery, T.WorkspaceQueryVariables>`
  query Workspace {
    workspace {
      ...WorkspaceFields
    }
  }
  ${WorkspaceFields}
`;

export const ExportWorkspaceQuery = gql<T.ExportWorkspaceQuery, T.ExportWorkspaceQueryVariables>`
  query ExportWorkspace {
    exportWorkspace
  }
`;

export const ValidateWorkspaceQuery = gql<
  T.ValidateWorkspaceQuery,
  T.ValidateWorkspaceQueryVariables
>`
  query ValidateWorkspace($document: JSON!) {
    validateWorkspace(document: $document) {
      path
      message
    }
  }
`;

export const ImportWorkspaceMutation = gql<
  T.ImportWorkspaceMutation,
  T.ImportWorkspaceMutationVariables
>`
  mutation ImportWorkspace($document: JSON!, $expectedRevision: Int) {
    importWorkspace(document: $document, expectedRevision: $expectedRevision) {
      ...WorkspaceFields
    }
  }
  ${WorkspaceFields}
`;

export const PutTableMutation = gql<T.PutTableMutation, T.PutTableMutationVariables>`
  mutation PutTable($definition: JSON!, $expectedRevision: Int) {
    putTable(definition: $definition, expectedRevision: $expectedRevision) {
      ...WorkspaceFields
    }
  }
  ${WorkspaceFields}
`;

export const DeleteTableMutation = gql<T.DeleteTableMutation, T.DeleteTableMutationVariables>`
  mutation DeleteTable($name: String!, $expectedRevision: Int) {
    deleteTable(name: $name, expectedRevision: $expectedRevision) {
      ...WorkspaceFields
    }
  }
  ${WorkspaceFields}
`;

export const PutRouterMutation = gql<T.PutRouterMutation, T.PutRouterMutationVariables>`
  mutation PutRouter($definition: JSON!, $expectedRevision: Int) {
    putRouter(definition: $definition, expectedRevision: $expectedRevision) {
      ...WorkspaceFields
    }
  }
  ${WorkspaceFields}
`;

export const DeleteRouterMutation = gql<T.DeleteRouterMutation, T.DeleteRouterMutationVariables>`
  mutation DeleteRouter($name: String!, $expectedRevision: Int) {
    deleteRouter(name: $name, expectedRevision: $expectedRevision) {
      ...WorkspaceFields
    }
  }
  ${WorkspaceFields}
`;

export const PutGroupMutation = gql<T.PutGroupMutation, T.PutGroupMutationVariables>`
  mutation PutGroup($name: String!, $description: String, $expectedRevision: Int) {
    putGroup(name: $name, description: $description, expectedRevision: $expectedRevision) {
      ...WorkspaceFields
    }
  }
  ${WorkspaceFields}
`;

export const DeleteGroupMutation = gql<T.DeleteGroupMutation, T.DeleteGroupMutationVariables>`
  mutation DeleteGroup($name: String!, $expectedRevision: Int) {
    deleteGroup(name: $name, expectedRevision: $expectedRevision) {
      ...WorkspaceFields
    }
  }
  ${WorkspaceFields}
`;

// ---- refresh (workspace revision → test environment) ----

export const MigrationPlanQuery = gql<T.MigrationPlanQuery, T.MigrationPlanQueryVariables>`
  query MigrationPlan($environment: String!) {
    migrationPlan(environment: $environment) {
      ...MigrationChangeFields
    }
  }
  ${MigrationChangeFields}
`;

export const RefreshMutation = gql<T.RefreshMutation, T.RefreshMutationVariables>`
  mutation Refresh($environment: String!, $allowDestructive: Boolean) {
    refresh(environment: $environment, allowDestructive: $allowDestructive) {
      environment
      revision
      routersServed
      changes {
        ...MigrationChangeFields
      }
      testRun {
        ...TestRunFields
      }
    }
  }
  ${MigrationChangeFields}
  ${TestRunFields}
`;

export const RefreshEventsSubscription = gql<
  T.RefreshEventsSubscription,
  T.RefreshEventsSubscriptionVariables
>`
  subscription RefreshEvents {
    refreshEvents {
      environment
      ok
      revision
      error
      routersServed
      changes {
        ...MigrationChangeFields
      }
    }
  }
  ${MigrationChangeFields}
`;

export const WorkspaceChangesSubscription = gql<
  T.WorkspaceChangesSubscription,
  T.WorkspaceChangesSubscriptionVariables
>`
  subscription WorkspaceChanges {
    workspaceChanges {
      revision
      authorEmail
    }
  }
`;

// ---- rows of an environment's tables ----

export const RowsQuery = gql<T.RowsQuery, T.RowsQueryVariables>`
  query Rows($environment: String!, $table: String!, $filter: JSON, $orderBy: [String!], $first: Int, $after: String) {
    rows(environment: $environment, table: $table, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      totalCountIsEstimate
      columns {
        name
        type
        required
        system
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        values
        labels
      }
    }
  }
`;

export const InsertRowMutation = gql<T.InsertRowMutation, T.InsertRowMutationVariables>`
  mutation InsertRow($environment: String!, $table: String!, $values: JSON!) {
    insertRow(environment: $environment, table: $table, values: $values) {
      id
      values
    }
  }
`;

export const UpdateRowMutation = gql<T.UpdateRowMutation, T.UpdateRowMutationVariables>`
  mutation UpdateRow($environment: String!, $table: String!, $id: ID!, $values: JSON!) {
    updateRow(environment: $environment, table: $table, id: $id, values: $values) {
      id
      values
    }
  }
`;

export const DeleteRowMutation = gql<T.DeleteRowMutation, T.DeleteRowMutationVariables>`
  mutation DeleteRow($environment: String!, $table: String!, $id: ID!) {
    deleteRow(environment: $environment, table: $table, id: $id)
  }
`;

// ---- end users of an environment ----

export const EndUserGroupsQuery = gql<T.EndUserGroupsQuery, T.EndUserGroupsQueryVariables>`
  query EndUserGroups($environment: String!) {
    groups(environment: $environment) {
      name
      description
      members
    }
  }
`;

export const EndUsersQuery = gql<T.EndUsersQuery, T.EndUsersQueryVariables>`
  query EndUsers($environment: String!, $group: String, $search: String, $first: Int, $after: String) {
    users(environment: $environment, group: $group, search: $search, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ...EndUserFields
      }
    }
  }
  ${EndUserFields}
`;

export const CreateUserMutation = gql<T.CreateUserMutation, T.CreateUserMutationVariables>`
  mutation CreateUser($environment: String!, $email: String!, $password: String!, $groups: [String!]) {
    createUser(environment: $environment, email: $email, password: $password, groups: $groups) {
      ...EndUserFields
    }
  }
  ${EndUserFields}
`;

export const SetUserGroupsMutation = gql<T.SetUserGroupsMutation, T.SetUserGroupsMutationVariables>`
  mutation SetUserGroups($environment: String!, $userId: ID!, $groups: [String!]!) {
    setUserGroups(environment: $environment, userId: $userId, groups: $groups) {
      ...EndUserFields
    }
  }
  ${EndUserFields}
`;

export const DisableUserMutation = gql<T.DisableUserMutation, T.DisableUserMutationVariables>`
  mutation DisableUser($environment: String!, $userId: ID!, $disabled: Boolean) {
    disableUser(environment: $environment, userId: $userId, disabled: $disabled) {
      ...EndUserFields
    }
  }
  ${EndUserFields}
`;

export const ResetUserPasswordMutation = gql<
  T.ResetUserPasswordMutation,
  T.ResetUserPasswordMutationVariables
>`
  mutation ResetUserPassword($environment: String!, $userId: ID!, $password: String!) {
    resetUserPassword(environment: $environment, userId: $userId, password: $password) {
      ...EndUserFields
    }
  }
  ${EndUserFields}
`;

export const DeleteUserMutation = gql<T.DeleteUserMutation, T.DeleteUserMutationVariables>`
  mutation DeleteUser($environment: String!, $userId: ID!) {
    deleteUser(environment: $environment, userId: $userId)
  }
`;
