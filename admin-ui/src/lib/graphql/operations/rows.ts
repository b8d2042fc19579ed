// Operations of the rows of an environment's tables.
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';

export const RowsQuery = gql<T.RowsQuery, T.RowsQueryVariables>`
  query Rows($environment: String!, $table: String!, $filter: JSON, $orderBy: [String!], $first: Int, $after: String) {
    rows(environment: $environment, table: $table, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      totalCountIsEstimate
      columns {
        name
        type
        required
        system
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        values
        labels
      }
    }
  }
`;

export const InsertRowMutation = gql<T.InsertRowMutation, T.InsertRowMutationVariables>`
  mutation InsertRow($environment: String!, $table: String!, $values: JSON!) {
    insertRow(environment: $environment, table: $table, values: $values) {
      id
      values
    }
  }
`;

export const UpdateRowMutation = gql<T.UpdateRowMutation, T.UpdateRowMutationVariables>`
  mutation UpdateRow($environment: String!, $table: String!, $id: ID!, $values: JSON!) {
    updateRow(environment: $environment, table: $table, id: $id, values: $values) {
      id
      values
    }
  }
`;

export const DeleteRowMutation = gql<T.DeleteRowMutation, T.DeleteRowMutationVariables>`
  mutation DeleteRow($environment: String!, $table: String!, $id: ID!) {
    deleteRow(environment: $environment, table: $table, id: $id)
  }
`;

/** The table's committed changes (the Database grid follows them while it is open). */
export const RowChangesSubscription = gql<T.RowChangesSubscription, T.RowChangesSubscriptionVariables>`
  subscription RowChanges($environment: String!, $table: String!, $filter: JSON, $after: String) {
    rowChanges(environment: $environment, table: $table, filter: $filter, after: $after) {
      cursor
      op
      id
      row
      previous
    }
  }
`;
