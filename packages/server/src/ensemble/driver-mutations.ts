/**
 * Known driver bugs that can be put back, one at a time, so the member simulator can show that
 * its seeds find them (the mutation test). Test-only: nothing in production sets one
 * (`ensemble-member.ts` never does); an EnsembleNode built without `mutations` has none.
 *
 * - `serve-before-effects`: a leader serves clients as soon as its core says it is
 *   established, before the 'serving' effect moved its zxids to the new epoch (the bug fixed
 *   in 5667c29: "serve clients under a role only once its effects are carried out").
 * - `propose-after-leadership`: a txn prepared under a leadership the core has already left is
 *   still proposed (fixed in 6438370: "drop a txn prepared under a leadership the core has
 *   already left").
 * - `commit-without-quorum`: a leader applies and answers a write as soon as it proposes it,
 *   without waiting for a quorum's acks.
 */
export const DRIVER_MUTATIONS = ['serve-before-effects', 'propose-after-leadership', 'commit-without-quorum'] as const;
export type DriverMutation = (typeof DRIVER_MUTATIONS)[number];
