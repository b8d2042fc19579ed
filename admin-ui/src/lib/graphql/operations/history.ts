// Operations of the workspace's history: saved revisions, newest first, what
// each changed, and an earlier one restored as a new revision.
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';
import { DefinitionChangeFields } from './deploy';
import { WorkspaceFields } from './fragments';

export const WorkspaceRevisionFields = gql`
  fragment WorkspaceRevisionFields on WorkspaceRevision {
    revision
    authorEmail
    savedAt
    summary
  }
`;

export const WorkspaceRevisionsQuery = gql<T.WorkspaceRevisionsQuery, T.WorkspaceRevisionsQueryVariables>`
  query WorkspaceRevisions($first: Int, $after: String) {
    workspaceRevisions(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ...WorkspaceRevisionFields
      }
    }
  }
  ${WorkspaceRevisionFields}
`;

export const WorkspaceRevisionQuery = gql<T.WorkspaceRevisionQuery, T.WorkspaceRevisionQueryVariables>`
  query WorkspaceRevision($revision: Int!) {
    workspaceRevision(revision: $revision) {
      ...WorkspaceRevisionFields
      document
      changes {
        ...DefinitionChangeFields
      }
    }
  }
  ${WorkspaceRevisionFields}
  ${DefinitionChangeFields}
`;

export const RestoreWorkspaceRevisionMutation = gql<
  T.RestoreWorkspaceRevisionMutation,
  T.RestoreWorkspaceRevisionMutationVariables
>`
  mutation RestoreWorkspaceRevision($revision: Int!, $expectedRevision: Int) {
    restoreWorkspaceRevision(revision: $revision, expectedRevision: $expectedRevision) {
      ...WorkspaceFields
    }
  }
  ${WorkspaceFields}
`;
