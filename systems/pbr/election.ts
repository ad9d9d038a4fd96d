/** A surviving member and the highest seq it applied when it found the primary down. */
export interface Candidate {
  index: number;
  appliedSeq: number;
}

/**
 * The successor of a failed primary: the survivor with the highest applied seq (it has every
 * write any survivor has, since all received the same stream in order); ties go to the lowest
 * index. Every survivor computes this from the same numbers, so all agree without a vote.
 */
export function chooseSuccessor(candidates: readonly Candidate[]): number {
  if (candidates.length === 0) throw new Error("pbr election: expected at least one surviving member, found none");
  let best = candidates[0];
  for (const c of candidates) {
    if (c.appliedSeq > best.appliedSeq || (c.appliedSeq === best.appliedSeq && c.index < best.index)) best = c;
  }
  return best.index;
}
