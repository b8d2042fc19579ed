// Operations of the environments (test and production): listed, created,
// changed and deleted, and followed live.
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';
import { EnvironmentFields } from './fragments';

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
