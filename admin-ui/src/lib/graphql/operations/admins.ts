// Operations of the admin accounts (Settings).
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';
import { AdminFields } from './fragments';

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
