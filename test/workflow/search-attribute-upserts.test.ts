import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase } from '../../src/domain/case-lifecycle';
import {
  CaseParticipants,
  CaseStatus,
  caseSearchAttributes,
  DeviceSerial,
  RequesterId,
} from '../../src/temporal/search-attributes';
import { LIVE_SINKS, WORKFLOWS_PATH } from '../../src/temporal/workflow-bundle';
import { supportCase } from '../../src/workflows';
import * as m from '../../src/workflows/supportCase.messages';
import type { SupportCaseInput } from '../../src/workflows/supportCase.messages';
import { caseInput, elevationRequest, eventTypeName, recordingNotifier } from '../support/case-fixtures';
import { startTimeSkipping, testWorker } from '../support/time-skipping';

/*
 * A case's search attributes are upserted when they change, and only then: the API sets them at
 * start, so the run's first task has nothing to send until classification changes them.
 */

let env: TestWorkflowEnvironment;
let worker: Worker;
let taskQueue: string;
type PersonalIndex = { requesterId: string; deviceSerial: string };
let running: Promise<void>;

/** Starts a case as a starter does, with the attributes its start sets (`null`: none at all). */
function startCase(input: SupportCaseInput, attributes: { personal?: PersonalIndex } | null = {}) {
  return env.client.workflow.start(supportCase, {
    workflowId: m.caseWorkflowId(input.id),
    taskQueue,
    args: [input],
    ...(attributes
      ? { typedSearchAttributes: caseSearchAttributes(openCase(input, Date.now()), attributes) }
      : {}),
  });
}

beforeAll(async () => {
  env = await startTimeSkipping();
  ({ worker, taskQueue } = await testWorker(env, recordingNotifier().activities));
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

async function classified(handle: WorkflowHandle<typeof supportCase>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await handle.query(m.getCase)).classification !== null) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the case was not classified');
}

/**
 * The history as event names; an upsert that only records patch markers (`TemporalChangeVersion`,
 * written by the SDK for `patched()`) is named apart: it carries none of caseflow's attributes.
 */
async function eventNames(handle: WorkflowHandle<typeof supportCase>): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).map((e) => {
    const fields = Object.keys(
      e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
    );
    const patchOnly = fields.length > 0 && fields.every((f) => f === 'TemporalChangeVersion');
    return patchOnly ? 'PATCH_MARKER_UPSERT' : eventTypeName(e.eventType);
  });
}

/** The history up to and including the first activity's completion. */
async function eventsToClassified(handle: WorkflowHandle<typeof supportCase>): Promise<string[]> {
  const types = await eventNames(handle);
  const done = types.findIndex((t) => /ACTIVITY_TASK_COMPLETED/.test(t));
  return types.slice(0, done + 1);
}

/** What the API indexes without search attribute keys (the embedded default): the values themselves. */
const clearIndex = { requesterId: 'u-1001', deviceSerial: 'PF3XK9Z' };

const upserts = (types: string[]) => types.filter((t) => /UPSERT_WORKFLOW_SEARCH_ATTRIBUTES/.test(t)).length;

describe('search attribute upserts', () => {
  it('sends nothing before classification when the start set the attributes, then the change', async () => {
    const input = { ...caseInput(), indexedAtStart: true, personalIndex: clearIndex };
    const handle = await startCase(input, { personal: clearIndex });
    await classified(handle);
    expect(upserts(await eventsToClassified(handle))).toBe(0);
    // Classification triages the case: that change is upserted.
    expect(upserts(await eventNames(handle))).toBe(1);
    expect((await handle.describe()).typedSearchAttributes.get(CaseStatus)).toBe('triaged');
  });

  it('upserts at once when the run did not start with the case attributes', async () => {
    const input = { ...caseInput(), indexedAtStart: true, personalIndex: clearIndex };
    const handle = await startCase(input, null);
    await classified(handle);
    expect(upserts(await eventsToClassified(handle))).toBe(1);
  });

  it('records no patch marker for a case whose input says it indexes participants, and still indexes them', async () => {
    // As the API opens a case now: personal attributes hashed by the starter, participants indexed.
    const input = {
      ...caseInput(),
      indexedAtStart: true,
      indexesParticipants: true,
      personalIndex: clearIndex,
    };
    const handle = await startCase(input, { personal: clearIndex });
    await classified(handle);
    const names = await eventNames(handle);
    expect(names.filter((t) => /MARKER_RECORDED|PATCH_MARKER_UPSERT/.test(t))).toEqual([]);
    expect(upserts(names)).toBe(1);
    expect((await handle.describe()).typedSearchAttributes.get(CaseParticipants)).toContain('agent-1');
    // The history replays against the same code (the marker is not asked for, not only absent).
    await Worker.runReplayHistory(
      { workflowsPath: WORKFLOWS_PATH, sinks: LIVE_SINKS },
      await handle.fetchHistory(),
      m.caseWorkflowId(input.id),
    );
  });

  it('asks patched() for a case opened before its input said so (the marker its history holds)', async () => {
    const input = { ...caseInput(), indexedAtStart: true, personalIndex: clearIndex };
    const handle = await startCase(input, { personal: clearIndex });
    await classified(handle);
    const names = await eventsToClassified(handle);
    expect(names.filter((t) => /MARKER_RECORDED|PATCH_MARKER_UPSERT/.test(t))).toEqual([
      'EVENT_TYPE_MARKER_RECORDED',
      'PATCH_MARKER_UPSERT',
    ]);
  });

  it('upserts at once for a case opened before the input said the start set them (its history replays)', async () => {
    const input = caseInput();
    const handle = await startCase(input);
    await classified(handle);
    expect(upserts(await eventsToClassified(handle))).toBe(1);
  });
});

describe('personal search attributes', () => {
  const hashed = {
    requesterId: 'k1:0123456789abcdef0123456789abcdef',
    deviceSerial: 'k1:fedcba9876543210fedcba9876543210',
  };

  it('index the values the start input gives (keyed hashes), on the case and on its elevations', async () => {
    const input = { ...caseInput(), indexedAtStart: true, personalIndex: hashed };
    const handle = await startCase(input, { personal: hashed });
    await classified(handle);
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect(attributes.get(CaseStatus)).toBe('triaged');
    expect(attributes.get(RequesterId)).toBe(hashed.requesterId);
    expect(attributes.get(DeviceSerial)).toBe(hashed.deviceSerial);
    // The run found what its start set: no upsert put the values in clear.
    expect(upserts(await eventsToClassified(handle))).toBe(0);

    const { workflowId } = await handle.executeUpdate(m.requestElevation, {
      args: [{ actor: 'esc-1', request: elevationRequest(input.intake.device.serial) }],
    });
    const elevation = env.client.workflow.getHandle(workflowId);
    const elevationAttributes = (await elevation.describe()).typedSearchAttributes;
    expect(elevationAttributes.get(DeviceSerial)).toBe(hashed.deviceSerial);
    await elevation.terminate('test done');
    await handle.terminate('test done');
  });

  it('are removed from a case opened before starters hashed them, once it runs on this code', async () => {
    const input = caseInput();
    const handle = await startCase(input);
    expect((await handle.describe()).typedSearchAttributes.get(RequesterId)).toBe('u-1001');
    await classified(handle);
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect(attributes.get(CaseStatus)).toBe('triaged');
    expect(attributes.get(RequesterId)).toBeUndefined();
    expect(attributes.get(DeviceSerial)).toBeUndefined();
    await handle.terminate('test done');
  });
});
