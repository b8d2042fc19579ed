// Operations of deploys, releases and rollbacks of deploy targets.
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';
import { MigrationChangeFields, TestRunFields } from './fragments';

export const DefinitionChangeFields = gql`
  fragment DefinitionChangeFields on DefinitionChange {
    what
    name
    change
    summary
    details
  }
`;

export const ReleaseFields = gql`
  fragment ReleaseFields on Release {
    id
    environment
    number
    status
    sourceEnvironment
    revision
    rollbackOf
    gateRunId
    gateStatus
    forced
    forceReason
    note
    author
    createdAt
    finishedAt
    durationMs
    failedStep
    error
  }
`;

export const ReleaseDetailFields = gql`
  fragment ReleaseDetailFields on Release {
    ...ReleaseFields
    contentHash
    routers
    migration {
      ...MigrationChangeFields
    }
    changes {
      ...DefinitionChangeFields
    }
    log {
      at
      message
    }
  }
  ${ReleaseFields}
  ${MigrationChangeFields}
  ${DefinitionChangeFields}
`;

export const DeployPlanFields = gql`
  fragment DeployPlanFields on DeployPlan {
    source
    target
    fromRevision
    toRelease
    currentRelease
    destructive
    changes {
      ...DefinitionChangeFields
    }
    migration {
      ...MigrationChangeFields
    }
    gate {
      source
      revision
      status
      passed
      message
      failedCases
      untested
      run {
        ...TestRunFields
      }
    }
  }
  ${DefinitionChangeFields}
  ${MigrationChangeFields}
  ${TestRunFields}
`;

export const DeployPlanQuery = gql<T.DeployPlanQuery, T.DeployPlanQueryVariables>`
  query DeployPlan($from: String!, $to: String!) {
    deployPlan(from: $from, to: $to) {
      ...DeployPlanFields
    }
  }
  ${DeployPlanFields}
`;

export const DeployTargetQuery = gql<T.DeployTargetQuery, T.DeployTargetQueryVariables>`
  query DeployTarget($slug: String!) {
    environment(slug: $slug) {
      slug
      baseUrl
      servedRevision
      servedAt
      servedRelease {
        ...ReleaseFields
      }
    }
  }
  ${ReleaseFields}
`;

export const DeployMutation = gql<T.DeployMutation, T.DeployMutationVariables>`
  mutation Deploy($input: DeployInput!) {
    deploy(input: $input) {
      ...ReleaseDetailFields
    }
  }
  ${ReleaseDetailFields}
`;

export const ReleasesQuery = gql<T.ReleasesQuery, T.ReleasesQueryVariables>`
  query Releases($environment: String!, $first: Int, $after: String) {
    releases(environment: $environment, first: $first, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ...ReleaseFields
      }
    }
  }
  ${ReleaseFields}
`;

export const ReleaseQuery = gql<T.ReleaseQuery, T.ReleaseQueryVariables>`
  query Release($environment: String!, $number: Int!) {
    release(environment: $environment, number: $number) {
      ...ReleaseDetailFields
    }
  }
  ${ReleaseDetailFields}
`;

export const RollbackPlanQuery = gql<T.RollbackPlanQuery, T.RollbackPlanQueryVariables>`
  query RollbackPlan($environment: String!, $toRelease: Int!, $allowDestructive: Boolean) {
    rollbackPlan(environment: $environment, toRelease: $toRelease, allowDestructive: $allowDestructive) {
      ...DeployPlanFields
    }
  }
  ${DeployPlanFields}
`;

export const RollbackMutation = gql<T.RollbackMutation, T.RollbackMutationVariables>`
  mutation Rollback($environment: String!, $toRelease: Int!, $allowDestructive: Boolean) {
    rollback(environment: $environment, toRelease: $toRelease, allowDestructive: $allowDestructive) {
      ...ReleaseDetailFields
    }
  }
  ${ReleaseDetailFields}
`;

export const DeployEventsSubscription = gql<T.DeployEventsSubscription, T.DeployEventsSubscriptionVariables>`
  subscription DeployEvents($environment: String!) {
    deployEvents(environment: $environment) {
      environment
      release
      kind
      step
      durationMs
      message
      at
      outcome {
        ...ReleaseDetailFields
      }
    }
  }
  ${ReleaseDetailFields}
`;
