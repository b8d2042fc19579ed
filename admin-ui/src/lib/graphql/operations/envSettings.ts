// Operations of the settings an environment changes with no redeploy:
// secrets, per-router settings, and end users' groups set by email.
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';
import { EndUserFields } from './fragments';

export const SecretInfoFields = gql`
  fragment SecretInfoFields on SecretInfo {
    name
    updatedAt
    updatedBy
  }
`;

export const RouterSettingsFields = gql`
  fragment RouterSettingsFields on RouterSettings {
    router
    enabled
    disabledStatus
    rateLimitPerMinute
    groups
    updatedAt
    updatedBy
  }
`;

export const SecretsQuery = gql<T.SecretsQuery, T.SecretsQueryVariables>`
  query Secrets($slug: String!) {
    environment(slug: $slug) {
      slug
      secrets {
        ...SecretInfoFields
      }
    }
  }
  ${SecretInfoFields}
`;

export const SetSecretMutation = gql<T.SetSecretMutation, T.SetSecretMutationVariables>`
  mutation SetSecret($environment: String!, $name: String!, $value: String!) {
    setSecret(environment: $environment, name: $name, value: $value) {
      ...SecretInfoFields
    }
  }
  ${SecretInfoFields}
`;

export const DeleteSecretMutation = gql<T.DeleteSecretMutation, T.DeleteSecretMutationVariables>`
  mutation DeleteSecret($environment: String!, $name: String!) {
    deleteSecret(environment: $environment, name: $name)
  }
`;

export const RouterSettingsQuery = gql<T.RouterSettingsQuery, T.RouterSettingsQueryVariables>`
  query RouterSettings($slug: String!) {
    environment(slug: $slug) {
      slug
      servedRevision
      servedWorkspace {
        revision
        routers {
          name
        }
      }
      routerSettings {
        ...RouterSettingsFields
      }
    }
  }
  ${RouterSettingsFields}
`;

export const SetRouterSettingsMutation = gql<T.SetRouterSettingsMutation, T.SetRouterSettingsMutationVariables>`
  mutation SetRouterSettings($environment: String!, $router: String!, $input: RouterSettingsInput!) {
    setRouterSettings(environment: $environment, router: $router, input: $input) {
      ...RouterSettingsFields
    }
  }
  ${RouterSettingsFields}
`;

export const SetUserGroupsByEmailMutation = gql<T.SetUserGroupsByEmailMutation, T.SetUserGroupsByEmailMutationVariables>`
  mutation SetUserGroupsByEmail($environment: String!, $email: String!, $groups: [String!]!) {
    setUserGroupsByEmail(environment: $environment, email: $email, groups: $groups) {
      ...EndUserFields
    }
  }
  ${EndUserFields}
`;
