// What the selected environment serves and what the saved workspace has that
// it does not serve yet: the header's live status.
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';
import { DefinitionChangeFields } from './deploy';

export const LiveStatusQuery = gql<T.LiveStatusQuery, T.LiveStatusQueryVariables>`
  query LiveStatus($slug: String!) {
    environment(slug: $slug) {
      slug
      kind
      servedRevision
      servedRelease {
        number
      }
      pendingChanges {
        ...DefinitionChangeFields
      }
    }
  }
  ${DefinitionChangeFields}
`;

/** Only that a deploy or rollback ended: the status is then asked again. */
export const LiveDeployEventsSubscription = gql<T.LiveDeployEventsSubscription, T.LiveDeployEventsSubscriptionVariables>`
  subscription LiveDeployEvents($environment: String!) {
    deployEvents(environment: $environment) {
      kind
    }
  }
`;
