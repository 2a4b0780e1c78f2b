import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import { createArchiveActivities } from '../../src/activities/archive';
import {
  type BundleFiles,
  buildBundle,
  bundleToTar,
  canonicalJson,
  historyPath,
  readBundleDir,
  readManifest,
  verifyBundle,
  writeBundleDir,
} from '../../src/audit/bundle';
import type { CollectedHistory } from '../../src/audit/collect';
import type { JsonEvent, JsonHistory } from '../../src/audit/history-json';
import { buildTimeline, type Timeline } from '../../src/audit/timeline';
import { fromTar, TarError, toTar } from '../../src/audit/tar';
import { archiveDirOf, loadConfig } from '../../src/config';

const CASE_ID = '3f1c9a52-8d7e-4b1a-9c3e-2a5b6d7e8f90';
const CASE_WF = `case:${CASE_ID}`;
const ELEVATION_WF = `${CASE_WF}:elevation:1`;
const RUN_1 = '0198a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const RUN_2 = '0198a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';
const ELEVATION_RUN = '0198a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d';
const CREATED_AT = new Date('2025-03-14T09:26:53.000Z');

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const payloads = (value: unknown) => ({
  payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(value)) }],
});

/** A history as Temporal's JSON tools write it, from [attributes key, attributes] per event. */
function history(startMs: number, events: [string, Record<string, unknown>][]): JsonHistory {
  return {
    events: events.map(([key, attributes], i): JsonEvent => ({
      eventId: String(i + 1),
      eventTime: new Date(startMs + i * 60_000).toISOString(),
      eventType: key.replace(/EventAttributes$/, ''),
      [key]: attributes,
    })),
  };
}
const update = (name: string, args: unknown): [string, Record<string, unknown>] => [
  'workflowExecutionUpdateAcceptedEventAttributes',
  { acceptedRequest: { input: { name, args: payloads(args) } } },
];

const T0 = Date.parse('2025-03-14T08:00:00.000Z');
/** A case whose first run continued as new, with one elevation child started by the second run. */
const HISTORIES: { workflowId: string; runId: string; history: JsonHistory }[] = [
  {
    workflowId: CASE_WF,
    runId: RUN_1,
    history: history(T0, [
      [
        'workflowExecutionStartedEventAttributes',
        {
          workflowType: { name: 'supportCase' },
          originalExecutionRunId: RUN_1,
          input: payloads({
            createdBy: 'alice',
            supportModel: 'partner-led',
            providerName: 'Test Provider AB',
            intake: { title: 'Skrivaren skriver inte ut', severity: 'C', channel: 'phone' },
          }),
        },
      ],
      update('assign', { actor: 'alice', assignee: 'bob', tier: 'tier-2', reason: 'Printer queue' }),
      ['workflowExecutionContinuedAsNewEventAttributes', { newExecutionRunId: RUN_2 }],
    ]),
  },
  {
    workflowId: CASE_WF,
    runId: RUN_2,
    history: history(T0 + 10 * 60_000, [
      [
        'workflowExecutionStartedEventAttributes',
        {
          workflowType: { name: 'supportCase' },
          continuedExecutionRunId: RUN_1,
          originalExecutionRunId: RUN_2,
          input: payloads({ resume: true }),
        },
      ],
      ['startChildWorkflowExecutionInitiatedEventAttributes', { workflowId: ELEVATION_WF }],
      update('resolve', { actor: 'bob', resolution: 'Cleared the print queue.' }),
      [
        'workflowExecutionSignaledEventAttributes',
        {
          signalName: 'requesterConfirmed',
          input: payloads({ actor: 'alice', accepted: true, comment: 'ok' }),
        },
      ],
      ['workflowExecutionCompletedEventAttributes', { result: payloads({ status: 'closed' }) }],
    ]),
  },
  {
    workflowId: ELEVATION_WF,
    runId: ELEVATION_RUN,
    history: history(T0 + 11 * 60_000, [
      [
        'workflowExecutionStartedEventAttributes',
        {
          workflowType: { name: 'elevation' },
          originalExecutionRunId: ELEVATION_RUN,
          input: payloads({ id: `${CASE_ID}.1`, requestedBy: 'bob' }),
        },
      ],
      ['workflowExecutionCompletedEventAttributes', { result: payloads({ status: 'expired' }) }],
    ]),
  },
];

/** Pretty-printed like `temporal workflow show --output json`; the bundle must keep these bytes. */
const COLLECTED: CollectedHistory[] = HISTORIES.map((h) => ({
  ...h,
  json: JSON.stringify(h.history, null, 2),
}));
const TIMELINE: Timeline = buildTimeline(CASE_ID, COLLECTED);

const build = (): BundleFiles => buildBundle(CASE_ID, COLLECTED, TIMELINE, { createdAt: CREATED_AT });
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const CASE_RUN_PATH = `histories/case_${CASE_ID}__${RUN_2}.json`;

const tempDirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'caseflow-bundle-'));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('buildBundle', () => {
  it('holds every history byte for byte, the timeline and a manifest sealing them', () => {
    const files = build();
    expect([...files.keys()]).toEqual([
      'manifest.json',
      `histories/case_${CASE_ID}__${RUN_1}.json`,
      CASE_RUN_PATH,
      `histories/case_${CASE_ID}_elevation_1__${ELEVATION_RUN}.json`,
      'timeline.json',
    ]);
    for (const h of COLLECTED) expect(files.get(historyPath(h.workflowId, h.runId))?.toString()).toBe(h.json);
    expect(JSON.parse(files.get('timeline.json')!.toString())).toEqual(TIMELINE);

    const manifest = readManifest(files);
    expect(manifest).toMatchObject({
      format: 'caseflow-audit-bundle',
      version: 1,
      caseId: CASE_ID,
      createdAt: CREATED_AT.toISOString(),
    });
    expect(manifest.files).toEqual(
      [...files]
        .filter(([path]) => path !== 'manifest.json')
        .map(([path, data]) => ({ path, sha256: sha256(data), bytes: data.length })),
    );
  });

  it('chains the timeline entries from the case genesis hash, canonical JSON, head last', () => {
    const manifest = readManifest(build());
    expect(TIMELINE.entries.map((e) => e.type)).toEqual([
      'intake',
      'assigned',
      'continued-as-new',
      'continued',
      'elevation-started',
      'resolved',
      'finished',
      'confirmed',
      'finished',
    ]);
    let previous = sha256(`caseflow-audit:${CASE_ID}`);
    const expected = TIMELINE.entries.map((entry, index) => {
      previous = sha256(previous + canonicalJson(entry));
      return { index, eventId: entry.eventId, workflowId: entry.workflowId, hash: previous };
    });
    expect(manifest.timelineChain).toEqual(expected);
    expect(manifest.chainHead).toBe(previous);
  });

  it('has canonical JSON with keys sorted at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null }, 10: 'x', 2: 'y' })).toBe(
      '{"10":"x","2":"y","a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe('verifyBundle', () => {
  it('accepts an untouched bundle', () => {
    expect(verifyBundle(build())).toEqual({ ok: true, problems: [] });
  });

  it('names exactly the history file in which one byte was flipped', () => {
    const files = build();
    const data = Buffer.from(files.get(CASE_RUN_PATH)!);
    data[Math.floor(data.length / 2)]! ^= 0x01;
    files.set(CASE_RUN_PATH, data);
    const result = verifyBundle(files);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ kind: 'altered', path: CASE_RUN_PATH, detail: expect.any(String) }]);
  });

  it('names timeline.json and the first altered entry (index, event, workflow)', () => {
    const files = build();
    const timeline = JSON.parse(files.get('timeline.json')!.toString()) as Timeline;
    const index = timeline.entries.findIndex((e) => e.type === 'resolved');
    timeline.entries[index]!.text = 'Resolved: nothing was wrong.';
    files.set('timeline.json', Buffer.from(`${JSON.stringify(timeline, null, 2)}\n`));
    const result = verifyBundle(files);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      { kind: 'altered', path: 'timeline.json', detail: expect.any(String) },
      {
        kind: 'timeline-entry',
        path: 'timeline.json',
        index,
        eventId: 3,
        workflowId: CASE_WF,
        detail: expect.stringContaining(`timeline entry ${index} (event 3 of ${CASE_WF})`),
      },
    ]);
  });

  it('names a removed entry at its position, and an appended one', () => {
    const files = build();
    const timeline = JSON.parse(files.get('timeline.json')!.toString()) as Timeline;
    const appended = { ...timeline, entries: [...timeline.entries, timeline.entries[0]!] };
    files.set('timeline.json', Buffer.from(JSON.stringify(appended)));
    expect(verifyBundle(files).problems.find((p) => p.kind === 'timeline-entry')).toMatchObject({
      index: timeline.entries.length,
      detail: expect.stringContaining('added'),
    });
    const removed = { ...timeline, entries: timeline.entries.filter((_, i) => i !== 1) };
    files.set('timeline.json', Buffer.from(JSON.stringify(removed)));
    expect(verifyBundle(files).problems.find((p) => p.kind === 'timeline-entry')).toMatchObject({
      index: 1,
      eventId: 2,
    });
  });

  it('names a removed file as missing and an added one as extra', () => {
    const removed = build();
    removed.delete(CASE_RUN_PATH);
    expect(verifyBundle(removed).problems).toEqual([
      { kind: 'missing', path: CASE_RUN_PATH, detail: expect.any(String) },
    ]);
    const added = build();
    added.set('histories/smuggled.json', Buffer.from('{"events":[]}'));
    expect(verifyBundle(added).problems).toEqual([
      { kind: 'extra', path: 'histories/smuggled.json', detail: expect.any(String) },
    ]);
  });

  it('refuses a bundle without a readable manifest, and one whose head is not the one recorded', () => {
    const files = build();
    const { chainHead } = readManifest(files);
    expect(verifyBundle(files, { chainHead }).ok).toBe(true);
    expect(verifyBundle(files, { chainHead: '0'.repeat(64) }).problems).toEqual([
      { kind: 'manifest', path: 'manifest.json', detail: expect.stringContaining('not the expected') },
    ]);
    files.set('manifest.json', Buffer.from('{"format":"something-else"}'));
    expect(verifyBundle(files).problems).toEqual([
      { kind: 'manifest', path: 'manifest.json', detail: expect.any(String) },
    ]);
    files.delete('manifest.json');
    expect(verifyBundle(files).ok).toBe(false);
  });
});

describe('tar', () => {
  it('round-trips every byte of every file, paths over 100 characters included', () => {
    const files = build();
    expect([...files.keys()].some((path) => path.length > 100)).toBe(true);
    const back = fromTar(bundleToTar(files));
    expect([...back.keys()]).toEqual([...files.keys()]);
    for (const [path, data] of files) expect(back.get(path)?.equals(data), path).toBe(true);
    expect(verifyBundle(back).ok).toBe(true);
  });

  it('is deterministic: 512-byte blocks, mode 0644, uid/gid 0, mtime the bundle creation', () => {
    const files = build();
    const tar = bundleToTar(files);
    expect(bundleToTar(build()).equals(tar)).toBe(true);
    expect(tar.length % 512).toBe(0);
    expect(tar.subarray(-1024).every((b) => b === 0)).toBe(true);
    const field = (at: number, length: number) => tar.toString('ascii', at, at + length).replace(/\0.*$/, '');
    expect(field(0, 100)).toBe('manifest.json');
    expect(field(100, 8)).toBe('0000644');
    expect(field(108, 8)).toBe('0000000');
    expect(field(116, 8)).toBe('0000000');
    expect(parseInt(field(136, 12), 8)).toBe(CREATED_AT.getTime() / 1000);
    expect(field(257, 6)).toBe('ustar');
  });

  it.skipIf(!hasSystemTar())('is read by the system tar, long paths through the prefix field', () => {
    const dir = tempDir();
    const file = join(dir, 'bundle.tar');
    writeFileSync(file, bundleToTar(build()));
    const listed = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listed).toEqual([...build().keys()]);
    const out = join(dir, 'out');
    execFileSync('mkdir', [out]);
    execFileSync('tar', ['-xf', file, '-C', out]);
    expect(readdirSync(join(out, 'histories'))).toHaveLength(3);
  });

  it('rejects path traversal and absolute paths', () => {
    for (const path of ['../x', 'histories/../../x', '/etc/passwd']) {
      expect(() => fromTar(withName(toTar(new Map([['x', Buffer.from('data')]])), path)), path).toThrow(
        /unsafe path/,
      );
      expect(() => toTar(new Map([[path, Buffer.from('data')]])), path).toThrow(TarError);
    }
  });

  it('rejects a corrupted header checksum and a truncated archive', () => {
    const tar = toTar(new Map([['a.json', Buffer.from('{}')]]));
    const corrupted = Buffer.from(tar);
    corrupted[0] = 'b'.charCodeAt(0);
    expect(() => fromTar(corrupted)).toThrow(/checksum mismatch/);
    expect(() => fromTar(tar.subarray(0, 512))).toThrow(/truncated/);
  });
});

describe('bundle directories', () => {
  it('writes, reads back and replaces a bundle without leaving temporary directories', async () => {
    const root = tempDir();
    const dir = join(root, `case-${CASE_ID}`);
    await writeBundleDir(dir, build());
    expect(verifyBundle(await readBundleDir(dir)).ok).toBe(true);

    const later = buildBundle(CASE_ID, COLLECTED.slice(0, 2), buildTimeline(CASE_ID, COLLECTED.slice(0, 2)));
    await writeBundleDir(dir, later);
    const back = await readBundleDir(dir);
    expect([...back.keys()].sort()).toEqual([...later.keys()].sort());
    expect(readManifest(back).chainHead).toBe(readManifest(later).chainHead);
    expect(readdirSync(root)).toEqual([`case-${CASE_ID}`]);
  });
});

describe('archiveCase', () => {
  it('writes under CASEFLOW_ARCHIVE_DIR, or <dataDir>/archive by default', () => {
    expect(archiveDirOf(loadConfig({ CASEFLOW_DATA_DIR: '/srv/caseflow' }))).toBe('/srv/caseflow/archive');
    expect(archiveDirOf(loadConfig({ CASEFLOW_ARCHIVE_DIR: '/mnt/worm/cases' }))).toBe('/mnt/worm/cases');
  });

  it('fails for good when archiving is not configured', async () => {
    const activities = createArchiveActivities({ client: undefined, archiveDir: undefined });
    const failure = await activities.archiveCase({ caseId: CASE_ID }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'ArchiveMissing', nonRetryable: true });
  });
});

function hasSystemTar(): boolean {
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The archive with its first entry renamed and the header checksum fixed, as an attacker would. */
function withName(tar: Buffer, name: string): Buffer {
  const copy = Buffer.from(tar);
  copy.fill(0, 0, 100);
  copy.write(name, 0, 'utf8');
  copy.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += copy[i]!;
  copy.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return copy;
}
