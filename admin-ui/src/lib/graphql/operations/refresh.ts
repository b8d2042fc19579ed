// Operations of a refresh (the workspace's revision → a test environment):
// its migration plan, the refresh itself and the refreshes done anywhere.
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';
import { MigrationChangeFields, TestRunFields } from './fragments';

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
