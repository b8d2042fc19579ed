// Operations of the admin's session: first-run setup, sign-in and sign-out,
// and who is signed in.
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';
import { AdminFields } from './fragments';

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
