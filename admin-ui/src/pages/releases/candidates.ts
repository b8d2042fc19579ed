// Which releases a rollback may go back to.
import type { ReleaseStatus } from '../../generated/graphql';

/** Served once and not served now: SUPERSEDED or ROLLED_BACK (ACTIVE is current; FAILED and APPLYING never served). */
export const isRollbackCandidate = (status: ReleaseStatus): boolean => status === 'SUPERSEDED' || status === 'ROLLED_BACK';
