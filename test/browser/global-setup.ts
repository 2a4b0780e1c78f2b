import type { TestProject } from 'vitest/node';
import { startTestStack } from '../support/stack';

/**
 * The browser tests' back end, as the embedded default runs it: no endpoint for service
 * operations, so their escalations land in the portal's in-app inbox; the vendor and the
 * Microsoft channel are real local HTTP parties.
 */
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startTestStack(project, { name: 'browser', parties: ['microsoft-channel', 'vendor'] });
}
