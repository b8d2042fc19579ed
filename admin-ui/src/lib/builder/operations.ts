// What the router builder asks of an environment: its variables (completion
// of `env.*`) and the routers it serves, to tell whether a Send would call an
// older version of the router being edited.
import { gql } from '@urql/core';
import type * as T from '../../generated/graphql';

export const BuilderEnvironmentQuery = gql<T.BuilderEnvironmentQuery, T.BuilderEnvironmentQueryVariables>`
  query BuilderEnvironment($slug: String!) {
    environment(slug: $slug) {
      slug
      name
      servedRevision
      variables
      servedWorkspace {
        revision
        routers {
          name
          definition
        }
      }
    }
  }
`;
