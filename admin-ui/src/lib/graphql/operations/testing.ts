// Operations of test cases and runs, the API console, exports and the dashboard's counts.
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';
import { RouterCoverageFields, WorkspaceFields, TestRunFields, TestCaseResultFields } from './fragments';

// ---- test cases and runs ----

export const TestCasesQuery = gql<T.TestCasesQuery, T.TestCasesQueryVariables>`
  query TestCases($environment: String!) {
    testCases(environment: $environment) {
      name
      router
      generated
      definition
    }
  }
`;

export const LatestTestRunQuery = gql<T.LatestTestRunQuery, T.LatestTestRunQueryVariables>`
  query LatestTestRun($environment: String!, $revision: Int) {
    latestTestRun(environment: $environment, revision: $revision) {
      ...TestRunFields
      results {
        ...TestCaseResultFields
      }
      coverage {
        ...RouterCoverageFields
      }
    }
  }
  ${TestRunFields}
  ${TestCaseResultFields}
  ${RouterCoverageFields}
`;

export const TestRunsQuery = gql<T.TestRunsQuery, T.TestRunsQueryVariables>`
  query TestRuns($environment: String!, $first: Int) {
    testRuns(environment: $environment, first: $first) {
      nodes {
        ...TestRunFields
        results {
          ...TestCaseResultFields
        }
        coverage {
          ...RouterCoverageFields
        }
      }
    }
  }
  ${TestRunFields}
  ${TestCaseResultFields}
  ${RouterCoverageFields}
`;

export const RunTestsMutation = gql<T.RunTestsMutation, T.RunTestsMutationVariables>`
  mutation RunTests($environment: String!, $cases: [String!], $routers: [String!]) {
    runTests(environment: $environment, cases: $cases, routers: $routers) {
      ...TestRunFields
    }
  }
  ${TestRunFields}
`;

export const CancelTestRunMutation = gql<T.CancelTestRunMutation, T.CancelTestRunMutationVariables>`
  mutation CancelTestRun($environment: String!) {
    cancelTestRun(environment: $environment)
  }
`;

export const TestRunProgressSubscription = gql<
  T.TestRunProgressSubscription,
  T.TestRunProgressSubscriptionVariables
>`
  subscription TestRunProgress($runId: ID!) {
    testRunProgress(runId: $runId) {
      __typename
      ... on TestCaseProgress {
        runId
        done
        total
        result {
          ...TestCaseResultFields
        }
      }
      ... on TestRunFinished {
        run {
          ...TestRunFields
          results {
            ...TestCaseResultFields
          }
          coverage {
            ...RouterCoverageFields
          }
        }
      }
    }
  }
  ${TestRunFields}
  ${TestCaseResultFields}
  ${RouterCoverageFields}
`;

export const PutTestCaseMutation = gql<T.PutTestCaseMutation, T.PutTestCaseMutationVariables>`
  mutation PutTestCase($definition: JSON!, $expectedRevision: Int) {
    putTestCase(definition: $definition, expectedRevision: $expectedRevision) {
      ...WorkspaceFields
    }
  }
  ${WorkspaceFields}
`;

export const DeleteTestCaseMutation = gql<T.DeleteTestCaseMutation, T.DeleteTestCaseMutationVariables>`
  mutation DeleteTestCase($name: String!, $expectedRevision: Int) {
    deleteTestCase(name: $name, expectedRevision: $expectedRevision) {
      ...WorkspaceFields
    }
  }
  ${WorkspaceFields}
`;

// ---- API console and exports ----

export const RunApiTestMutation = gql<T.RunApiTestMutation, T.RunApiTestMutationVariables>`
  mutation RunApiTest($environment: String!, $request: ApiTestRequest!) {
    runApiTest(environment: $environment, request: $request) {
      status
      headers
      body
      durationMs
      trace {
        index
        kind
        name
        durationMs
        rows
        error
      }
      logId
      router
      curl
    }
  }
`;

export const OpenApiQuery = gql<T.OpenApiQuery, T.OpenApiQueryVariables>`
  query OpenApi($environment: String!) {
    openApi(environment: $environment)
  }
`;

// ---- dashboard counts ----

export const RowCountQuery = gql<T.RowCountQuery, T.RowCountQueryVariables>`
  query RowCount($environment: String!, $table: String!) {
    rows(environment: $environment, table: $table, first: 1) {
      totalCount
      totalCountIsEstimate
    }
  }
`;

export const UserCountQuery = gql<T.UserCountQuery, T.UserCountQueryVariables>`
  query UserCount($environment: String!, $fixtures: String!) {
    all: users(environment: $environment, first: 1) {
      totalCount
    }
    fixtures: users(environment: $environment, search: $fixtures, first: 1) {
      totalCount
    }
  }
`;
