// Operations of the audit log (owners only).
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';

export const AuditLogQuery = gql<T.AuditLogQuery, T.AuditLogQueryVariables>`
  query AuditLog($first: Int, $after: String, $action: String) {
    auditLog(first: $first, after: $after, action: $action) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        at
        actor
        action
        target
        detail
        clientAddress
      }
    }
  }
`;
