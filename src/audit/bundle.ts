import { createHash, randomBytes } from 'node:crypto';
import { type Dirent } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { CollectedHistory } from './collect';
import { isSafeArchivePath, toTar } from './tar';
import type { Timeline } from './timeline';

/*
 * An audit bundle is everything needed to prove what happened in a case once Temporal's retention
 * has dropped its histories: the raw histories exactly as Temporal's tools print them, the
 * timeline derived from them, and a manifest sealing both with SHA-256 digests and a hash chain
 * over the timeline entries. The chain lets a verifier name the first entry that was changed, not
 * just the file, and its head is one short value an auditor can record elsewhere.
 */

export const BUNDLE_FORMAT = 'caseflow-audit-bundle';
export const BUNDLE_VERSION = 1;
export const MANIFEST_PATH = 'manifest.json';
export const TIMELINE_PATH = 'timeline.json';
export const HISTORIES_DIR = 'histories';

/** A bundle in memory: path inside the bundle ('/'-separated) → content. */
export type BundleFiles = Map<string, Buffer>;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256 digest');

const fileRecordSchema = z.object({ path: z.string(), sha256: sha256Hex, bytes: z.number().int().min(0) });
export type BundleFileRecord = z.infer<typeof fileRecordSchema>;

const chainLinkSchema = z.object({
  index: z.number().int().min(0),
  eventId: z.number().int(),
  workflowId: z.string(),
  hash: sha256Hex,
});
export type ChainLink = z.infer<typeof chainLinkSchema>;

export const manifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(BUNDLE_VERSION),
  caseId: z.string().min(1),
  createdAt: z.iso.datetime(),
  files: z.array(fileRecordSchema),
  timelineChain: z.array(chainLinkSchema),
  chainHead: sha256Hex,
});
export type BundleManifest = z.infer<typeof manifestSchema>;

export type BundleProblemKind = 'missing' | 'altered' | 'extra' | 'timeline-entry' | 'manifest';

export interface BundleProblem {
  kind: BundleProblemKind;
  path?: string;
  /** For 'timeline-entry': the position of the first entry whose hash differs. */
  index?: number;
  /** For 'timeline-entry': the event and workflow the entry came from (as the manifest sealed it). */
  eventId?: number;
  workflowId?: string;
  detail: string;
}

export interface BundleVerification {
  ok: boolean;
  problems: BundleProblem[];
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** JSON with object keys sorted (by code unit) at every depth, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Where a run's history sits in the bundle; ':' and anything else unsafe in a file name becomes '_'. */
export function historyPath(workflowId: string, runId: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${HISTORIES_DIR}/${safe(workflowId)}__${safe(runId)}.json`;
}

/** The hash the chain starts from: binds the chain to its case, so entries cannot be moved between cases. */
export const chainGenesis = (caseId: string): string => sha256(`caseflow-audit:${caseId}`);

/** hash_i = sha256(hash_{i-1} + canonicalJSON(entry_i)), starting from the case's genesis hash. */
export function timelineChain(caseId: string, entries: readonly unknown[]): ChainLink[] {
  let previous = chainGenesis(caseId);
  return entries.map((entry, index) => {
    previous = sha256(previous + canonicalJson(entry));
    const { eventId, workflowId } = entryIdentity(entry);
    return { index, eventId: eventId ?? -1, workflowId: workflowId ?? '', hash: previous };
  });
}

export interface BuildOptions {
  /** When the bundle is sealed; now by default. */
  createdAt?: Date;
}

/** The bundle of a case: its histories, its timeline and the manifest sealing them. */
export function buildBundle(
  caseId: string,
  histories: CollectedHistory[],
  timeline: Timeline,
  options: BuildOptions = {},
): BundleFiles {
  if (timeline.caseId !== caseId) {
    throw new Error(`the timeline is of case ${timeline.caseId}, not ${caseId}`);
  }
  const content: BundleFiles = new Map();
  for (const { workflowId, runId, json } of histories) {
    const path = historyPath(workflowId, runId);
    if (content.has(path)) throw new Error(`${workflowId} run ${runId} collected twice`);
    content.set(path, Buffer.from(json, 'utf8'));
  }
  const timelineText = `${JSON.stringify(timeline, null, 2)}\n`;
  content.set(TIMELINE_PATH, Buffer.from(timelineText, 'utf8'));
  // Chained from the text as written, so the verifier hashes exactly what the builder hashed.
  const chain = timelineChain(caseId, (JSON.parse(timelineText) as Timeline).entries);
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    caseId,
    createdAt: (options.createdAt ?? new Date()).toISOString(),
    // In collection order (runs oldest first, then children): the order the timeline was built in.
    files: [...content].map(([path, data]) => ({ path, sha256: sha256(data), bytes: data.length })),
    timelineChain: chain,
    chainHead: chain.at(-1)?.hash ?? chainGenesis(caseId),
  };
  return new Map([
    [MANIFEST_PATH, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8')],
    ...content,
  ]);
}

/** The bundle's manifest; throws when it is absent or not a manifest of this format. */
export function readManifest(files: ReadonlyMap<string, Buffer>): BundleManifest {
  const result = parseManifest(files);
  if (!result.ok) throw new Error(result.detail);
  return result.manifest;
}

/** The bundle as a tar archive, every entry dated at the bundle's creation so the bytes are reproducible. */
export function bundleToTar(files: ReadonlyMap<string, Buffer>): Buffer {
  return toTar(files, { mtime: new Date(readManifest(files).createdAt) });
}

/**
 * Checks a bundle against its manifest: every file's digest and size, files missing or not
 * listed, and the timeline's hash chain (naming the first entry that differs). `expected.chainHead`
 * is a head recorded elsewhere (say, in the case's workflow result), which a rewritten manifest
 * cannot match.
 */
export function verifyBundle(
  files: ReadonlyMap<string, Buffer>,
  expected: { chainHead?: string } = {},
): BundleVerification {
  const parsed = parseManifest(files);
  if (!parsed.ok) {
    return { ok: false, problems: [{ kind: 'manifest', path: MANIFEST_PATH, detail: parsed.detail }] };
  }
  const { manifest } = parsed;
  const problems = [
    ...checkManifestConsistency(manifest),
    ...checkFiles(manifest, files),
    ...checkTimeline(manifest, files.get(TIMELINE_PATH)),
  ];
  if (expected.chainHead !== undefined && expected.chainHead !== manifest.chainHead) {
    problems.push({
      kind: 'manifest',
      path: MANIFEST_PATH,
      detail: `chain head ${manifest.chainHead} is not the expected ${expected.chainHead}`,
    });
  }
  return { ok: problems.length === 0, problems };
}

function parseManifest(
  files: ReadonlyMap<string, Buffer>,
): { ok: true; manifest: BundleManifest } | { ok: false; detail: string } {
  const data = files.get(MANIFEST_PATH);
  if (!data) return { ok: false, detail: `${MANIFEST_PATH} is missing` };
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch (err) {
    return { ok: false, detail: `${MANIFEST_PATH} is not JSON: ${(err as Error).message}` };
  }
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return {
      ok: false,
      detail: `${MANIFEST_PATH} is not a ${BUNDLE_FORMAT} v1 manifest: ${issues.join('; ')}`,
    };
  }
  return { ok: true, manifest: result.data };
}

/** A manifest that contradicts itself cannot vouch for anything, whatever the files hold. */
function checkManifestConsistency(manifest: BundleManifest): BundleProblem[] {
  const problems: BundleProblem[] = [];
  const manifestProblem = (detail: string) =>
    problems.push({ kind: 'manifest', path: MANIFEST_PATH, detail });
  const paths = manifest.files.map((f) => f.path);
  for (const path of new Set(paths.filter((p, i) => paths.indexOf(p) !== i))) {
    manifestProblem(`lists ${path} more than once`);
  }
  if (paths.includes(MANIFEST_PATH)) manifestProblem(`lists itself`);
  for (const path of paths.filter((p) => !isSafeArchivePath(p)))
    manifestProblem(`lists an unsafe path ${path}`);
  if (!paths.includes(TIMELINE_PATH)) manifestProblem(`does not list ${TIMELINE_PATH}`);
  if (manifest.timelineChain.some((link, i) => link.index !== i)) {
    manifestProblem('timeline chain indexes are not 0, 1, 2, …');
  }
  const head = manifest.timelineChain.at(-1)?.hash ?? chainGenesis(manifest.caseId);
  if (head !== manifest.chainHead)
    manifestProblem(`chain head ${manifest.chainHead} is not the last link ${head}`);
  return problems;
}

function checkFiles(manifest: BundleManifest, files: ReadonlyMap<string, Buffer>): BundleProblem[] {
  const problems: BundleProblem[] = [];
  const listed = new Set<string>();
  for (const record of manifest.files) {
    listed.add(record.path);
    const data = files.get(record.path);
    if (!data) {
      problems.push({ kind: 'missing', path: record.path, detail: `${record.path} is listed but absent` });
      continue;
    }
    const actual = sha256(data);
    if (actual !== record.sha256 || data.length !== record.bytes) {
      problems.push({
        kind: 'altered',
        path: record.path,
        detail: `${record.path}: sha256 ${actual} (${data.length} bytes), sealed as ${record.sha256} (${record.bytes} bytes)`,
      });
    }
  }
  for (const path of files.keys()) {
    if (path !== MANIFEST_PATH && !listed.has(path)) {
      problems.push({ kind: 'extra', path, detail: `${path} is not listed in the manifest` });
    }
  }
  return problems;
}

/**
 * Re-computes the chain over timeline.json's entries and names the first one whose hash differs
 * from the sealed chain; every later hash differs too, so only the first says where the change is.
 */
function checkTimeline(manifest: BundleManifest, data: Buffer | undefined): BundleProblem[] {
  if (!data) return []; // reported as missing by checkFiles
  const timeline = parseTimelineEntries(data);
  if (typeof timeline === 'string')
    return [{ kind: 'timeline-entry', path: TIMELINE_PATH, detail: timeline }];
  const problems: BundleProblem[] = [];
  if (timeline.caseId !== manifest.caseId) {
    problems.push({
      kind: 'timeline-entry',
      path: TIMELINE_PATH,
      detail: `${TIMELINE_PATH} is of case ${JSON.stringify(timeline.caseId)}, the manifest of ${manifest.caseId}`,
    });
  }
  const actual = timelineChain(manifest.caseId, timeline.entries);
  const sealed = manifest.timelineChain;
  const index = firstDifference(actual, sealed);
  if (index !== undefined) problems.push(entryProblem(index, actual[index], sealed[index]));
  return problems;
}

function firstDifference(actual: readonly ChainLink[], sealed: readonly ChainLink[]): number | undefined {
  for (let i = 0; i < Math.max(actual.length, sealed.length); i++) {
    if (actual[i]?.hash !== sealed[i]?.hash) return i;
  }
  return undefined;
}

function entryProblem(
  index: number,
  actual: ChainLink | undefined,
  sealed: ChainLink | undefined,
): BundleProblem {
  // The sealed identity names the original entry; the actual one only what is there now.
  const { eventId, workflowId } = sealed ?? actual ?? { eventId: -1, workflowId: '' };
  const what = `timeline entry ${index} (event ${eventId} of ${workflowId})`;
  const detail = !sealed
    ? `${what} is not in the sealed chain (added)`
    : !actual
      ? `${what} is in the sealed chain but missing from ${TIMELINE_PATH}`
      : `${what} does not match its sealed hash`;
  return { kind: 'timeline-entry', path: TIMELINE_PATH, index, eventId, workflowId, detail };
}

/** Only the shape the chain needs: an altered entry must still be hashed and named, not rejected. */
function parseTimelineEntries(data: Buffer): { caseId: unknown; entries: unknown[] } | string {
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch (err) {
    return `${TIMELINE_PATH} is not JSON: ${(err as Error).message}`;
  }
  const entries = (json as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) return `${TIMELINE_PATH} has no entries array`;
  return { caseId: (json as { caseId?: unknown }).caseId, entries };
}

function entryIdentity(entry: unknown): { eventId?: number; workflowId?: string } {
  const e = (entry ?? {}) as { eventId?: unknown; workflowId?: unknown };
  return {
    eventId: typeof e.eventId === 'number' ? e.eventId : undefined,
    workflowId: typeof e.workflowId === 'string' ? e.workflowId : undefined,
  };
}

/**
 * Writes the bundle to `dir`, replacing any earlier one: everything goes into `<dir>.tmp-<random>`
 * (each file and directory fsynced) and is renamed into place, so a reader never sees a half
 * written bundle. Replacing moves the old one aside first, since a rename cannot replace a
 * non-empty directory; a crash between the two renames leaves both copies next to `dir`.
 */
export async function writeBundleDir(dir: string, files: ReadonlyMap<string, Buffer>): Promise<void> {
  const target = resolve(dir);
  const temp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await writeFilesInto(temp, files);
    await replaceDirectory(temp, target);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
}

/** The bundle stored in `dir`, keyed by '/'-separated relative path. */
export async function readBundleDir(dir: string): Promise<BundleFiles> {
  const files: BundleFiles = new Map();
  const walk = async (relative: string): Promise<void> => {
    const entries: Dirent[] = await readdir(join(dir, relative), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.set(path, await readFile(join(dir, path)));
      // A link could point anywhere: an archived bundle holds plain files only.
      else throw new Error(`${join(dir, path)}: not a regular file`);
    }
  };
  await walk('');
  return files;
}

async function writeFilesInto(root: string, files: ReadonlyMap<string, Buffer>): Promise<void> {
  // Owner-only: a bundle holds the case's personal data (requester names, contacts, messages).
  await mkdir(root, { recursive: true, mode: 0o700 });
  const directories = new Set<string>([root]);
  for (const [path, data] of files) {
    if (!isSafeArchivePath(path)) throw new Error(`${path}: not a safe relative path`);
    const file = join(root, path);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    directories.add(dirname(file));
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  for (const directory of directories) await syncDirectory(directory);
}

async function replaceDirectory(temp: string, target: string): Promise<void> {
  const old = `${target}.old-${randomBytes(6).toString('hex')}`;
  const hadOld = await rename(target, old).then(
    () => true,
    (err: unknown) => {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    },
  );
  try {
    await rename(temp, target);
  } catch (err) {
    if (hadOld) await rename(old, target);
    throw err;
  }
  await syncDirectory(dirname(target));
  if (hadOld) await rm(old, { recursive: true, force: true });
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
    if (!isErrno(err, 'EINVAL') && !isErrno(err, 'EPERM') && !isErrno(err, 'EISDIR')) throw err;
  } finally {
    await handle.close();
  }
}

function isErrno(err: unknown, code: string): boolean {
  return (err as { code?: unknown } | null)?.code === code;
}
