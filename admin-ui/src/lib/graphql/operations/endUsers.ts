// Operations of the end users of an environment and their groups.
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';
import { EndUserFields } from './fragments';

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

/** The end users' committed changes (the Users page follows them while it is open). */
export const UserChangesSubscription = gql<T.UserChangesSubscription, T.UserChangesSubscriptionVariables>`
  subscription UserChanges($environment: String!, $after: String) {
    userChanges(environment: $environment, after: $after) {
      cursor
      op
      user {
        ...EndUserFields
      }
    }
  }
  ${EndUserFields}
`;
