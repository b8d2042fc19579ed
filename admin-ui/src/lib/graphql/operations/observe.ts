// Operations of request logs and monitoring.
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';
import { RequestLogRowFields } from './fragments';
import { RouterSettingsFields } from './envSettings';

// ---- request logs and monitoring ----

export const RequestLogsQuery = gql<T.RequestLogsQuery, T.RequestLogsQueryVariables>`
  query RequestLogs($environment: String!, $filter: RequestLogFilter, $first: Int, $after: String) {
    requestLogs(environment: $environment, filter: $filter, first: $first, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ...RequestLogRowFields
      }
    }
  }
  ${RequestLogRowFields}
`;

export const RequestLogQuery = gql<T.RequestLogQuery, T.RequestLogQueryVariables>`
  query RequestLog($environment: String!, $id: ID!) {
    requestLog(environment: $environment, id: $id) {
      ...RequestLogRowFields
      environment
      requestBytes
      responseBytes
      clientAddress
      requestHeaders
      requestBody
      responseHeaders
      responseBody
      truncated
      trace {
        index
        kind
        name
        durationMs
        rows
        error
      }
    }
  }
  ${RequestLogRowFields}
`;

export const RequestLogStatsQuery = gql<T.RequestLogStatsQuery, T.RequestLogStatsQueryVariables>`
  query RequestLogStats($environment: String!) {
    requestLogStats(environment: $environment) {
      stored
      dropped
      oldest
      retentionRecords
      retentionDays
    }
  }
`;

export const RequestLogTailSubscription = gql<
  T.RequestLogTailSubscription,
  T.RequestLogTailSubscriptionVariables
>`
  subscription RequestLogTail($environment: String!, $filter: RequestLogFilter) {
    requestLogTail(environment: $environment, filter: $filter) {
      ...RequestLogRowFields
    }
  }
  ${RequestLogRowFields}
`;

export const RouterStatsQuery = gql<T.RouterStatsQuery, T.RouterStatsQueryVariables>`
  query RouterStats($environment: String!, $window: StatsWindow!) {
    routerStats(environment: $environment, window: $window) {
      router
      method
      route
      requests
      ratePerSecond
      errors4xx
      errors5xx
      p50Ms
      p95Ms
      p99Ms
      series {
        at
        requests
        errors
        p95Ms
      }
    }
  }
`;

// ---- what an environment serves ----

/** The definitions an environment serves (its served revision, not the workspace's newest), with the release
 * that put them there and each router's settings there: what the API page lists. */
export const ServedRoutersQuery = gql<T.ServedRoutersQuery, T.ServedRoutersQueryVariables>`
  query ServedRouters($slug: String!) {
    environment(slug: $slug) {
      slug
      servedRevision
      servedAt
      servedRelease {
        number
        revision
        rollbackOf
      }
      servedWorkspace {
        revision
        routers {
          name
          method
          path
          definition
        }
      }
      routerSettings {
        ...RouterSettingsFields
      }
    }
  }
  ${RouterSettingsFields}
`;
