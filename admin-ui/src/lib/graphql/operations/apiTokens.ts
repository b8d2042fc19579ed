// Operations of the API tokens (Settings).
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';
import { ApiTokenFields } from './fragments';

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
