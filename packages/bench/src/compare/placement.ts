// Where a one-session row puts its session. One client's latency depends on it: on the leader a
// create takes three loopback hops and the leader's fsync; on a follower five hops and two of
// three members' fsyncs. A session left to the host list lands on whichever member is first,
// which may or may not be the leader elected, so the row is run once pinned to each.

/** The member a pinned session connects to: the leader, or a follower (the lowest id). */
export type Placement = 'leader' | 'follower';

/** What the choice needs to know of a member. */
export interface PlaceableMember {
  readonly id: number;
  readonly running: boolean;
}

/** The placements a row runs at: none with one member (standalone: no leader to tell from). */
export function placementsFor(members: number): readonly Placement[] {
  return members > 1 ? ['leader', 'follower'] : [];
}

/**
 * The member a session at `placement` connects to: the leader itself, or the running member of
 * the lowest id that is not the leader. Throws when there is no such follower (all but the
 * leader down): the row would measure the leader under a follower's name.
 */
export function placedMember<M extends PlaceableMember>(placement: Placement, members: readonly M[], leader: M): M {
  if (placement === 'leader') return leader;
  const follower = members.filter((m) => m !== leader && m.running).sort((a, b) => a.id - b.id)[0];
  if (follower === undefined) throw new Error('no running follower to put the session on');
  return follower;
}

/** A row's id and title at a placement: `create-1x1-follower`, "..., session on a follower". */
export function placedRow(id: string, title: string, placement: Placement | undefined): { rowId: string; title: string } {
  if (placement === undefined) return { rowId: id, title };
  return { rowId: `${id}-${placement}`, title: `${title}, session on ${placement === 'leader' ? 'the leader' : 'a follower'}` };
}
