import { resumeClock } from './sla';
import {
  type CaseFact,
  type CaseRecord,
  isFinished,
  logged,
  type Outcome,
  SYSTEM_ACTOR,
} from './case-record';
import { closeCase, reopen } from './case-commands';

/* Facts (signals): always recorded, even when they change nothing. */

export function applyFact(record: CaseRecord, fact: CaseFact, nowMs: number): Outcome {
  if (isFinished(record.status)) return { record, notices: [] };
  switch (fact.type) {
    case 'requester-replied': {
      if (record.status !== 'waiting-on-requester') {
        // The case may have moved on to wait on the vendor or an escalation meanwhile: the answer
        // still settles the question (no unresponsive close), but leaves that wait as it is.
        const answered = record.infoRequest !== null;
        return {
          record: logged({ ...record, infoRequest: null }, nowMs, {
            type: 'requester-replied',
            actor: fact.actor,
            reason: null,
            text: answered
              ? `The requester answered the pending question: ${fact.message}`
              : `The requester wrote (no question was pending): ${fact.message}`,
          }),
          notices: [],
        };
      }
      const next: CaseRecord = {
        ...record,
        status: 'in-progress',
        sla: resumeClock(record.sla, nowMs),
        infoRequest: null,
      };
      const replied = logged(next, nowMs, {
        type: 'requester-replied',
        actor: fact.actor,
        reason: null,
        text: `The requester replied: ${fact.message}`,
      });
      return {
        record: logged(replied, nowMs, {
          type: 'sla-resumed',
          actor: SYSTEM_ACTOR,
          reason: 'the requester replied',
          text: 'SLA clock resumed.',
        }),
        notices: [],
      };
    }
    case 'requester-confirmed': {
      const comment = fact.comment ? `: ${fact.comment}` : '';
      if (record.status !== 'resolved') {
        return {
          record: logged(record, nowMs, {
            type: fact.accepted ? 'confirmed' : 'rejected',
            actor: fact.actor,
            reason: fact.comment,
            text: `The requester's ${fact.accepted ? 'confirmation' : 'rejection'} arrived while the case was ${record.status}; nothing changed${comment}.`,
          }),
          notices: [],
        };
      }
      if (!fact.accepted)
        return {
          record: reopen(record, nowMs, fact.actor, fact.comment ?? 'resolution rejected', 'rejected'),
          notices: [],
        };
      const confirmed = logged(record, nowMs, {
        type: 'confirmed',
        actor: fact.actor,
        reason: fact.comment,
        text: `The requester confirmed the resolution${comment}.`,
      });
      return closeCase(confirmed, nowMs, 'closed', fact.actor, 'resolution confirmed by the requester');
    }
  }
}
