import { type UserError, userError } from '../contract/errors.ts';

/** What one list of people is for, in the words its errors use. */
export interface ParticipantList {
  /** The input field holding the ids (errors point at `['input', field]`, or at the repeated id's index in it). */
  field: string;
  /** The caller, who is always included and so must not be listed. */
  callerId: string;
  /** At most this many ids (at least one). */
  max: number;
  /** The INVALID_INPUT message for an empty or too long list. */
  countMessage: string;
  /** Why the caller must not list themself, and why each id is listed once (end of a DUPLICATE_PARTICIPANT message). */
  whyNotSelf: string;
  whyOnce: string;
}

/**
 * The first broken rule of a list of other people an action includes besides the caller (who share a bill): 1 to
 * `max` ids, each listed once, the caller not among them; null when the list is well formed. Whether each one may
 * take part (a friend, a real user) is the rule's own check.
 */
export function invalidParticipants(ids: readonly string[], list: ParticipantList): UserError | null {
  if (ids.length === 0 || ids.length > list.max) {
    return userError('INVALID_INPUT', list.countMessage, ['input', list.field]);
  }
  const seen = new Set<string>([list.callerId]);
  for (const [i, id] of ids.entries()) {
    if (seen.has(id)) {
      const why = id === list.callerId ? list.whyNotSelf : list.whyOnce;
      return userError('DUPLICATE_PARTICIPANT', `${id} is listed twice: ${why}.`, ['input', list.field, `${i}`]);
    }
    seen.add(id);
  }
  return null;
}
