import type { TestProject } from 'vitest/node';
import { ESCALATION_TARGETS } from '../../src/domain/routing';
import { startTestStack } from '../support/stack';

/**
 * One real back end shared by every integration test file, with an HTTP endpoint for every
 * escalation party (service operations included). Torn down, awaited, when the run ends.
 */
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startTestStack(project, { name: 'it', parties: ESCALATION_TARGETS });
}
