import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { buildBundle, readManifest, writeBundleDir } from '../audit/bundle';
import { collectCaseHistories } from '../audit/collect';
import { buildTimeline } from '../audit/timeline';
import { caseWorkflowId } from '../workflows/supportCase.messages';

export interface ArchiveActivityDeps {
  /** The worker's own client: the activity reads the case's histories from Temporal. */
  client: Client | undefined;
  /** Where bundles go, one directory per case (`case-<id>`). */
  archiveDir: string | undefined;
}

export interface ArchiveResult {
  /** The bundle's directory. */
  path: string;
  /** The head of the timeline hash chain: recorded in history, it pins this bundle's content. */
  chainHead: string;
  files: number;
}

/** Case ids become directory names: nothing that could climb out of the archive directory. */
const SAFE_CASE_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;

/**
 * Keeps a case's record beyond Temporal's retention: its histories, timeline and manifest, written
 * as an audit bundle that verifyBundle can check long after the histories are gone.
 */
export function createArchiveActivities(deps: ArchiveActivityDeps) {
  const need = (): { client: Client; archiveDir: string } => {
    if (!deps.client || !deps.archiveDir) {
      throw ApplicationFailure.nonRetryable(
        'Case archiving is not configured (a Temporal client and CASEFLOW_ARCHIVE_DIR).',
        'ArchiveMissing',
      );
    }
    return { client: deps.client, archiveDir: deps.archiveDir };
  };

  return {
    /** Writes the case's bundle, replacing an earlier one of the same case, so retries are harmless. */
    async archiveCase({
      caseId,
      afterClose = false,
    }: {
      caseId: string;
      afterClose?: boolean;
    }): Promise<ArchiveResult> {
      const { client, archiveDir } = need();
      if (!SAFE_CASE_ID.test(caseId)) {
        throw ApplicationFailure.nonRetryable(
          `Not a case id: ${JSON.stringify(caseId)}.`,
          'ArchiveBadCaseId',
        );
      }
      // Archived at closure, the bundle must hold the whole history, completion included.
      if (afterClose)
        await client.workflow
          .getHandle(caseWorkflowId(caseId))
          .result()
          .catch(() => undefined);
      const histories = await collectHistories(client, caseId);
      const files = buildBundle(caseId, histories, buildTimeline(caseId, histories));
      const path = join(archiveDir, `case-${caseId}`);
      await writeBundleDir(path, files);
      return { path, chainHead: readManifest(files).chainHead, files: files.size };
    },
  };
}

async function collectHistories(client: Client, caseId: string) {
  try {
    return await collectCaseHistories(client, caseWorkflowId(caseId));
  } catch (err) {
    // Retrying cannot make a case appear; anything else (Temporal unreachable) is worth retrying.
    if (err instanceof WorkflowNotFoundError) {
      throw ApplicationFailure.nonRetryable(`Case ${caseId} has no workflow history.`, 'ArchiveCaseNotFound');
    }
    throw err;
  }
}
