// The fragments the operations share: imported by the other operation files,
// importing none of them (a cycle would leave a fragment undefined).
import { gql } from '@urql/core';

export const AdminFields = gql`
  fragment AdminFields on Admin {
    id
    email
    role
    createdAt
    lastLoginAt
  }
`;

export const EnvironmentFields = gql`
  fragment EnvironmentFields on Environment {
    id
    slug
    name
    kind
    baseUrl
    database
    storagePrefix
    servedRevision
    servedAt
    corsOrigins
    variables
    limits {
      maxConcurrentRequests
      requestsPerSecond
      maxBodyBytes
      requestTimeoutMs
      maxFileBytes
      fileQuotaBytes
      maxSubscribers
      maxSubscribersPerUser
      maxEventsPerSecond
      feedRetentionEvents
      feedRetentionHours
    }
    capabilities {
      monitoring
      requestLogs
      apiTest
      databaseManagement
      userManagement
      fileManagement
    }
    logRetentionRecords
    logRetentionDays
    logBodyLimitBytes
    logRedactNames
    createdAt
    updatedAt
  }
`;

export const ApiTokenFields = gql`
  fragment ApiTokenFields on ApiToken {
    id
    name
    prefix
    role
    ownerEmail
    createdAt
    lastUsedAt
    expiresAt
  }
`;

export const WorkspaceFields = gql`
  fragment WorkspaceFields on Workspace {
    revision
    authorEmail
    savedAt
    tables {
      name
      description
      owned
      columns
      definition
    }
    groups {
      name
      description
    }
    routers {
      name
      description
      method
      path
      definition
    }
    document
  }
`;

export const TestRunFields = gql`
  fragment TestRunFields on TestRun {
    id
    environment
    revision
    startedBy
    startedAt
    finishedAt
    status
    total
    passed
    failed
    error
  }
`;

// What a run covered per router: the kinds of case that ran, those skipped and why.
export const RouterCoverageFields = gql`
  fragment RouterCoverageFields on RouterCoverage {
    router
    tested
    happyPathPassed
    ran {
      kind
      cases
      passed
    }
    skipped {
      kind
      reason
    }
  }
`;

export const TestCaseResultFields = gql`
  fragment TestCaseResultFields on TestCaseResult {
    name
    router
    status
    durationMs
    failures {
      step
      what
      expected
      actual
    }
    logIds
    curl
  }
`;

export const MigrationChangeFields = gql`
  fragment MigrationChangeFields on MigrationChange {
    kind
    description
    destructive
  }
`;

export const EndUserFields = gql`
  fragment EndUserFields on EndUser {
    id
    email
    groups
    disabled
    fixture
    createdAt
  }
`;

export const RequestLogRowFields = gql`
  fragment RequestLogRowFields on RequestLog {
    id
    at
    router
    route
    method
    path
    query
    status
    durationMs
    userId
    userEmail
    stream {
      events
      closedBy
    }
  }
`;
