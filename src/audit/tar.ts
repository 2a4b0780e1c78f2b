/**
 * A small POSIX ustar writer and reader for audit bundles: regular files only, written
 * deterministically (fixed mtime, mode 0644, uid/gid 0) so the same bundle always yields the same
 * bytes, and read strictly, because an archive handed to an auditor is untrusted input.
 */

const BLOCK = 512;
const NAME_BYTES = 100;
const PREFIX_BYTES = 155;
/** The largest size 11 octal digits can hold; bigger files would need base-256 or pax headers. */
const MAX_SIZE = 0o77777777777;
const FILE_MODE = 0o644;
const REGULAR_FILE = '0';
const DIRECTORY = '5';

/** Header fields as [offset, length]. */
const FIELD = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  checksum: [148, 8],
  typeflag: [156, 1],
  magic: [257, 6],
  version: [263, 2],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

export class TarError extends Error {
  override name = 'TarError';
}

export interface TarOptions {
  /** Modification time of every entry; the epoch when not given, so output stays deterministic. */
  mtime?: Date;
}

/**
 * Whether a path is safe to extract: relative, '/'-separated, no '.' or '..' segments, no
 * backslashes or drive letters (which other platforms would treat as separators or roots).
 */
export function isSafeArchivePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  if (/^[A-Za-z]:/.test(path)) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** The archive of the files, in the map's order, ending with the two zero blocks. */
export function toTar(files: ReadonlyMap<string, Buffer>, options: TarOptions = {}): Buffer {
  const mtime = Math.floor((options.mtime?.getTime() ?? 0) / 1000);
  const parts: Buffer[] = [];
  for (const [path, data] of files) {
    parts.push(header(path, data.length, mtime), data, padding(data.length));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** The regular files of an archive by path; throws a TarError on anything it cannot vouch for. */
export function fromTar(buf: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  while (offset + BLOCK <= buf.length) {
    const block = buf.subarray(offset, offset + BLOCK);
    if (isZeroBlock(block)) return files;
    verifyChecksum(block, offset);
    const path = entryPath(block, offset);
    const size = readOctal(block, FIELD.size, 'size', offset);
    const typeflag = readString(block, FIELD.typeflag);
    const dataStart = offset + BLOCK;
    if (dataStart + size > buf.length) throw new TarError(`${path}: truncated (${size} bytes announced)`);
    // Pre-POSIX archives mark regular files with a NUL type, which reads as ''.
    if (typeflag === REGULAR_FILE || typeflag === '') {
      if (files.has(path)) throw new TarError(`${path}: appears twice`);
      files.set(path, Buffer.from(buf.subarray(dataStart, dataStart + size)));
    } else if (typeflag !== DIRECTORY) {
      // Links, devices and pax/GNU extension headers could redirect or rename what is extracted.
      throw new TarError(`${path}: unsupported entry type '${typeflag}'`);
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new TarError('truncated: no end-of-archive marker');
}

function header(path: string, size: number, mtime: number): Buffer {
  if (!isSafeArchivePath(path)) throw new TarError(`${path}: not a safe relative path`);
  if (size > MAX_SIZE) throw new TarError(`${path}: too large for a ustar entry`);
  const { name, prefix } = splitPath(path);
  const block = Buffer.alloc(BLOCK);
  writeString(block, FIELD.name, name);
  writeOctal(block, FIELD.mode, FILE_MODE);
  writeOctal(block, FIELD.uid, 0);
  writeOctal(block, FIELD.gid, 0);
  writeOctal(block, FIELD.size, size);
  writeOctal(block, FIELD.mtime, mtime);
  writeString(block, FIELD.typeflag, REGULAR_FILE);
  writeString(block, FIELD.magic, 'ustar\0');
  writeString(block, FIELD.version, '00');
  writeString(block, FIELD.prefix, prefix);
  // The checksum is 6 octal digits, NUL, space (the form every tar writes and reads).
  const [at] = FIELD.checksum;
  block.write(`${checksum(block).toString(8).padStart(6, '0')}\0 `, at, 'ascii');
  return block;
}

/** Paths longer than the name field go in prefix + name, split at a '/' (ustar has no other way). */
function splitPath(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= NAME_BYTES) return { name: path, prefix: '' };
  for (let cut = path.indexOf('/'); cut !== -1; cut = path.indexOf('/', cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= PREFIX_BYTES && Buffer.byteLength(name) <= NAME_BYTES) {
      return { name, prefix };
    }
  }
  throw new TarError(`${path}: too long for a ustar header (name 100 and prefix 155 bytes)`);
}

function entryPath(block: Buffer, offset: number): string {
  const name = readString(block, FIELD.name);
  const isPosix = readString(block, FIELD.magic) === 'ustar';
  const prefix = isPosix ? readString(block, FIELD.prefix) : '';
  // Directory entries end in '/'; the slash is not part of the path.
  const path = (prefix ? `${prefix}/${name}` : name).replace(/\/$/, '');
  if (!isSafeArchivePath(path)) throw new TarError(`entry at byte ${offset}: unsafe path '${path}'`);
  return path;
}

/** Sum of the header's bytes with the checksum field counted as spaces. */
function checksum(block: Buffer): number {
  const [at, length] = FIELD.checksum;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= at && i < at + length ? 0x20 : block[i]!;
  return sum;
}

function verifyChecksum(block: Buffer, offset: number): void {
  const recorded = readOctal(block, FIELD.checksum, 'checksum', offset);
  if (recorded !== checksum(block)) throw new TarError(`entry at byte ${offset}: header checksum mismatch`);
}

function isZeroBlock(block: Buffer): boolean {
  return block.every((byte) => byte === 0);
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

function writeString(block: Buffer, [at, length]: readonly [number, number], value: string): void {
  if (Buffer.byteLength(value) > length) throw new TarError(`'${value}' does not fit a ${length}-byte field`);
  block.write(value, at, length, 'utf8');
}

/** Zero-padded octal digits followed by a NUL, filling the field. */
function writeOctal(block: Buffer, [at, length]: readonly [number, number], value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, at, length, 'ascii');
}

function readString(block: Buffer, [at, length]: readonly [number, number]): string {
  const field = block.subarray(at, at + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

function readOctal(
  block: Buffer,
  [at, length]: readonly [number, number],
  what: string,
  offset: number,
): number {
  const text = block
    .subarray(at, at + length)
    .toString('ascii')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (!/^[0-7]+$/.test(text)) throw new TarError(`entry at byte ${offset}: bad ${what} field`);
  return parseInt(text, 8);
}
