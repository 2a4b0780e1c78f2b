import type { Sinks } from '@temporalio/workflow';
import type { CaseView } from '../domain/case';

/**
 * Lets an auditor reconstruct a case as it was at any event: the case workflow reports its state
 * after every change, and a replay (which calls this sink, unlike normal execution, which drops
 * it) collects those reports against the history length at the time.
 */
export interface CaseAuditSinks extends Sinks {
  caseAudit: {
    state(view: CaseView): void;
  };
}
