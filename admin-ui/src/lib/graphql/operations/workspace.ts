// Operations of the workspace (tables, groups, routers): read, exported,
// validated, imported, created (refusing a name in use), put (create or
// replace) and deleted, and its new revisions followed live.
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';
import { WorkspaceFields } from './fragments';

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

export const CreateTableMutation = gql<T.CreateTableMutation, T.CreateTableMutationVariables>`
  mutation CreateTable($definition: JSON!, $expectedRevision: Int) {
    createTable(definition: $definition, expectedRevision: $expectedRevision) {
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

export const CreateRouterMutation = gql<T.CreateRouterMutation, T.CreateRouterMutationVariables>`
  mutation CreateRouter($definition: JSON!, $expectedRevision: Int) {
    createRouter(definition: $definition, expectedRevision: $expectedRevision) {
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

export const CreateGroupMutation = gql<T.CreateGroupMutation, T.CreateGroupMutationVariables>`
  mutation CreateGroup($name: String!, $description: String, $expectedRevision: Int) {
    createGroup(name: $name, description: $description, expectedRevision: $expectedRevision) {
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
