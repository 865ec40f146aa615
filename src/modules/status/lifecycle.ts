/**
 * The construction lifecycle, in one place.
 *
 *   PLANNED → PREPARING (籌建) → UNDER_CONSTRUCTION → TRIAL_OPERATION → OPERATIONAL
 *
 * - Forward along the chain, one step or several (a report may skip a stage): allowed.
 * - SUSPENDED and CANCELLED: from any state.
 * - From SUSPENDED: back onto the chain at any stage (work resumes), or CANCELLED.
 * - CANCELLED is final.
 * - Anything else (a backward move, leaving CANCELLED) is only an admin correction
 *   (`correction: true`), recorded as such.
 */
import { PlatformStatus as S } from "../platform/platform.enums";

export const CHAIN: readonly S[] = [S.PLANNED, S.PREPARING, S.UNDER_CONSTRUCTION, S.TRIAL_OPERATION, S.OPERATIONAL];

/** Whether from → to is a normal (non-correction) transition. */
export function isAllowedTransition(from: S, to: S): boolean {
  if (from === to) return false;
  if (from === S.CANCELLED) return false;
  if (to === S.SUSPENDED || to === S.CANCELLED) return true;
  if (from === S.SUSPENDED) return CHAIN.includes(to);
  return CHAIN.indexOf(to) > CHAIN.indexOf(from);
}

/** Every normal transition, for documentation and the API. */
export function allowedTransitions(): Array<{ from: S; to: S[] }> {
  const all = Object.values(S);
  return all.map((from) => ({ from, to: all.filter((to) => isAllowedTransition(from, to)) }));
}
