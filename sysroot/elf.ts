/**
 * Minimal ELF inspector used after every install to enforce the mission goal
 * "no dynamic loader, no shared libraries".
 *
 * For every installed executable or shared object we want to know three things:
 * does it ask the kernel for a program interpreter (PT_INTERP), does it list
 * DT_NEEDED libraries, and was it built for the target machine. Relocatable
 * objects (crt*.o and friends) are only checked for the machine, because they
 * end up linked into target programs.
 *
 * This is done in TypeScript instead of shelling out to readelf because it runs
 * over trees with thousands of files: we open each file once, bail out after the
 * 4 magic bytes for non-ELF files, and otherwise read only the ELF header, the
 * program headers, the dynamic segment and the slice of the dynamic string table
 * that holds the DT_NEEDED names. Section headers are not consulted (they may be
 * stripped), except entry 0 when e_phnum overflows.
 *
 * Truncated or inconsistent ELF files: `inspectElf` returns undefined for them
 * (they cannot be inspected), while `checkStaticElves` reports them as a problem
 * ("malformed ELF (...)"), because a file that starts with the ELF magic but
 * cannot be parsed could still be an executable the kernel would load, and the
 * check must not silently let it through. `probeElf` exposes the distinction.
 */
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** e_machine values for the architectures the engine targets. */
export const EM = {
  EM_386: 3,
  EM_ARM: 40,
  EM_X86_64: 62,
  EM_AARCH64: 183,
  EM_RISCV: 243,
} as const;

export type MachineName = 'x86_64' | 'i386' | 'aarch64' | 'arm' | 'riscv' | 'other';
export type ElfType = 'exec' | 'dyn' | 'rel' | 'core' | 'other';

export interface ElfInfo {
  class: 32 | 64;
  endian: 'little' | 'big';
  type: ElfType;
  machine: number;
  machineName: MachineName;
  /** PT_INTERP contents without the trailing NUL. */
  interpreter?: string;
  /** DT_NEEDED names, in dynamic-section order. */
  needed: string[];
  /** DT_SONAME, if present. */
  soname?: string;
  /** The file has a PT_DYNAMIC segment. */
  hasDynamic: boolean;
  /**
   * ET_DYN that looks like a library rather than a position-independent
   * executable: it has a DT_SONAME, or it has neither DF_1_PIE nor an entry
   * point nor an interpreter. (Old linkers do not set DF_1_PIE, so the entry
   * point keeps static-pie binaries from being misclassified.)
   */
  isSharedLibrary: boolean;
  /**
   * ET_DYN with a dynamic section, no interpreter and no DT_NEEDED — i.e. a
   * self-relocating static-pie executable. Files classified as shared libraries
   * are excluded, since a dependency-free `-shared -nostdlib` library has the
   * same shape.
   */
  isStaticPie: boolean;
}

export type ElfProbe =
  | { kind: 'not-elf' }
  | { kind: 'malformed'; reason: string }
  | { kind: 'elf'; info: ElfInfo };

const MACHINE_NAMES: ReadonlyMap<number, MachineName> = new Map([
  [EM.EM_X86_64, 'x86_64'],
  [EM.EM_386, 'i386'],
  [EM.EM_AARCH64, 'aarch64'],
  [EM.EM_ARM, 'arm'],
  [EM.EM_RISCV, 'riscv'],
]);

export function machineName(machine: number): MachineName {
  return MACHINE_NAMES.get(machine) ?? 'other';
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;
const HEADER_READ = 64; // sizeof(Elf64_Ehdr); Elf32_Ehdr (52) fits too

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const PN_XNUM = 0xffff;

const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;
const DT_SONAME = 14n;
const DT_FLAGS_1 = 0x6ffffffbn;
const DF_1_PIE = 0x08000000n;

// Sanity caps so that a corrupt header cannot make us allocate gigabytes.
const MAX_INTERP = 4096;
const MAX_DYNAMIC = 1 << 20;
const MAX_NAME = 4096;
const STRTAB_WINDOW = 64 << 10;

class MalformedElf extends Error {}

function malformed(reason: string): never {
  throw new MalformedElf(reason);
}

interface Reader {
  u16(buf: Buffer, at: number): number;
  u32(buf: Buffer, at: number): number;
  /** Native word: u32 for ELF32, u64 for ELF64. */
  word(buf: Buffer, at: number): bigint;
}

function makeReader(is64: boolean, little: boolean): Reader {
  const u16 = little ? (b: Buffer, at: number) => b.readUInt16LE(at) : (b: Buffer, at: number) => b.readUInt16BE(at);
  const u32 = little ? (b: Buffer, at: number) => b.readUInt32LE(at) : (b: Buffer, at: number) => b.readUInt32BE(at);
  const u64 = little ? (b: Buffer, at: number) => b.readBigUInt64LE(at) : (b: Buffer, at: number) => b.readBigUInt64BE(at);
  return { u16, u32, word: is64 ? u64 : (b, at) => BigInt(u32(b, at)) };
}

/** Reads exactly `length` bytes or returns undefined on a short read (EOF). */
async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer | undefined> {
  const buf = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buf, filled, length - filled, position + filled);
    if (bytesRead === 0) return undefined;
    filled += bytesRead;
  }
  return buf;
}

async function readRange(fh: FileHandle, offset: bigint, length: number, what: string): Promise<Buffer> {
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) malformed(`${what} offset out of range`);
  const buf = await readAt(fh, Number(offset), length);
  return buf ?? malformed(`${what} extends past end of file`);
}

function toLength(value: bigint, cap: number, what: string): number {
  if (value > BigInt(cap)) malformed(`${what} too large (${value} bytes)`);
  return Number(value);
}

function cString(buf: Buffer, at: number, what: string): string {
  const end = buf.indexOf(0, at);
  if (end < 0) malformed(`${what} is not NUL-terminated`);
  return buf.toString('utf8', at, end);
}

/**
 * Reads NUL-terminated strings at `offsets` of a string table that starts at file
 * offset `base` and is `limit` bytes long. Tables of big libraries run to megabytes
 * and DT_SONAME may sit far from the DT_NEEDED names, so nearby offsets are grouped
 * into windows of at most STRTAB_WINDOW bytes instead of reading the whole table.
 */
async function readStrings(fh: FileHandle, base: bigint, limit: bigint, offsets: readonly bigint[]): Promise<Map<bigint, string>> {
  const sorted = [...new Set(offsets)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const names = new Map<bigint, string>();
  let i = 0;
  while (i < sorted.length) {
    const lo = sorted[i]!;
    let j = i + 1;
    while (j < sorted.length && sorted[j]! - lo < BigInt(STRTAB_WINDOW - MAX_NAME)) j++;
    const cap = sorted[j - 1]! + BigInt(MAX_NAME);
    const end = cap < limit ? cap : limit;
    const slice = await readRange(fh, base + lo, Number(end - lo), 'dynamic string table');
    for (; i < j; i++) names.set(sorted[i]!, cString(slice, Number(sorted[i]! - lo), 'dynamic string'));
  }
  return names;
}

interface Segment {
  type: number;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
}

function elfType(eType: number): ElfType {
  switch (eType) {
    case 1:
      return 'rel';
    case 2:
      return 'exec';
    case 3:
      return 'dyn';
    case 4:
      return 'core';
    default:
      return 'other';
  }
}

async function parse(fh: FileHandle): Promise<ElfProbe> {
  const head = Buffer.alloc(HEADER_READ);
  let got = 0;
  // Two reads at most: the first 4 bytes decide whether we read on at all.
  while (got < 4) {
    const { bytesRead } = await fh.read(head, got, 4 - got, got);
    if (bytesRead === 0) return { kind: 'not-elf' };
    got += bytesRead;
  }
  if (ELF_MAGIC.some((byte, i) => head[i] !== byte)) return { kind: 'not-elf' };
  while (got < HEADER_READ) {
    const { bytesRead } = await fh.read(head, got, HEADER_READ - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }

  const eiClass = head[4];
  const eiData = head[5];
  if (eiClass !== 1 && eiClass !== 2) return { kind: 'malformed', reason: `invalid EI_CLASS ${eiClass}` };
  if (eiData !== 1 && eiData !== 2) return { kind: 'malformed', reason: `invalid EI_DATA ${eiData}` };
  const is64 = eiClass === 2;
  const headerSize = is64 ? 64 : 52;
  if (got < headerSize) return { kind: 'malformed', reason: `truncated ELF header (${got} of ${headerSize} bytes)` };
  const r = makeReader(is64, eiData === 1);

  const type = elfType(r.u16(head, 16));
  const machine = r.u16(head, 18);
  const entry = r.word(head, 24);
  const phoff = r.word(head, is64 ? 32 : 28);
  const shoff = r.word(head, is64 ? 40 : 32);
  const phentsize = r.u16(head, is64 ? 54 : 42);
  let phnum = r.u16(head, is64 ? 56 : 44);

  if (phnum === PN_XNUM) {
    // The real count lives in sh_info of section header 0.
    if (shoff === 0n) malformed('e_phnum is PN_XNUM but there are no section headers');
    const sh0 = await readRange(fh, shoff, is64 ? 64 : 40, 'section header 0');
    phnum = r.u32(sh0, is64 ? 44 : 28);
  }

  const segments: Segment[] = [];
  if (phnum > 0) {
    const minEntry = is64 ? 56 : 32;
    if (phentsize < minEntry) malformed(`e_phentsize ${phentsize} is smaller than ${minEntry}`);
    const table = await readRange(fh, phoff, toLength(BigInt(phnum) * BigInt(phentsize), 64 << 20, 'program header table'), 'program header table');
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      segments.push(
        is64
          ? { type: r.u32(table, at), offset: r.word(table, at + 8), vaddr: r.word(table, at + 16), filesz: r.word(table, at + 32) }
          : { type: r.u32(table, at), offset: r.word(table, at + 4), vaddr: r.word(table, at + 8), filesz: r.word(table, at + 16) },
      );
    }
  }

  let interpreter: string | undefined;
  const interp = segments.find((s) => s.type === PT_INTERP);
  if (interp) {
    const buf = await readRange(fh, interp.offset, toLength(interp.filesz, MAX_INTERP, 'PT_INTERP'), 'PT_INTERP');
    const nul = buf.indexOf(0);
    interpreter = buf.toString('utf8', 0, nul < 0 ? buf.length : nul);
  }

  const dynamicSeg = segments.find((s) => s.type === PT_DYNAMIC);
  const neededOffsets: bigint[] = [];
  let sonameOffset: bigint | undefined;
  let strtab: bigint | undefined;
  let strsz: bigint | undefined;
  let flags1 = 0n;
  if (dynamicSeg) {
    const dyn = await readRange(fh, dynamicSeg.offset, toLength(dynamicSeg.filesz, MAX_DYNAMIC, 'PT_DYNAMIC'), 'PT_DYNAMIC');
    const entrySize = is64 ? 16 : 8;
    const half = entrySize / 2;
    for (let at = 0; at + entrySize <= dyn.length; at += entrySize) {
      const tag = r.word(dyn, at);
      const val = r.word(dyn, at + half);
      if (tag === DT_NULL) break;
      if (tag === DT_NEEDED) neededOffsets.push(val);
      else if (tag === DT_STRTAB) strtab = val;
      else if (tag === DT_STRSZ) strsz = val;
      else if (tag === DT_SONAME) sonameOffset = val;
      else if (tag === DT_FLAGS_1) flags1 = val;
    }
  }

  const needed: string[] = [];
  let soname: string | undefined;
  const nameOffsets = sonameOffset === undefined ? neededOffsets : [...neededOffsets, sonameOffset];
  if (nameOffsets.length > 0) {
    if (strtab === undefined) malformed('DT_NEEDED/DT_SONAME without DT_STRTAB');
    const strtabAddr = strtab;
    // DT_STRTAB is a virtual address; the loadable segment containing it gives the file offset.
    const load = segments.find((s) => s.type === PT_LOAD && s.vaddr <= strtabAddr && strtabAddr < s.vaddr + s.filesz);
    if (!load) malformed(`DT_STRTAB address 0x${strtabAddr.toString(16)} is not inside any PT_LOAD segment`);
    const available = load.vaddr + load.filesz - strtabAddr;
    const limit = strsz !== undefined && strsz < available ? strsz : available;
    for (const off of nameOffsets) if (off >= limit) malformed(`dynamic string offset ${off} is outside the string table`);
    const names = await readStrings(fh, load.offset + (strtabAddr - load.vaddr), limit, nameOffsets);
    for (const off of neededOffsets) needed.push(names.get(off)!);
    if (sonameOffset !== undefined) soname = names.get(sonameOffset);
  }

  const hasDynamic = dynamicSeg !== undefined;
  const isSharedLibrary =
    type === 'dyn' && (soname !== undefined || ((flags1 & DF_1_PIE) === 0n && entry === 0n && interpreter === undefined));
  const info: ElfInfo = {
    class: is64 ? 64 : 32,
    endian: eiData === 1 ? 'little' : 'big',
    type,
    machine,
    machineName: machineName(machine),
    needed,
    hasDynamic,
    isSharedLibrary,
    isStaticPie: type === 'dyn' && hasDynamic && interpreter === undefined && needed.length === 0 && !isSharedLibrary,
  };
  if (interpreter !== undefined) info.interpreter = interpreter;
  if (soname !== undefined) info.soname = soname;
  return { kind: 'elf', info };
}

// O_NONBLOCK keeps a stray FIFO from hanging the scan; it is a no-op for regular files.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

async function probeOpen(fh: FileHandle, stats: Stats): Promise<ElfProbe> {
  if (!stats.isFile()) return { kind: 'not-elf' };
  try {
    return await parse(fh);
  } catch (error) {
    if (error instanceof MalformedElf) return { kind: 'malformed', reason: error.message };
    throw error;
  }
}

/**
 * Classifies a file as not ELF, malformed ELF (with a reason) or ELF.
 * Non-regular files are "not ELF". I/O errors (missing file, permissions) throw.
 */
export async function probeElf(file: string): Promise<ElfProbe> {
  const fh = await open(file, OPEN_FLAGS);
  try {
    return await probeOpen(fh, await fh.stat());
  } finally {
    await fh.close();
  }
}

/**
 * Returns the ELF facts for `file`, or undefined when it is not an ELF file or
 * is too truncated/inconsistent to be parsed (see `probeElf` to tell those apart).
 */
export async function inspectElf(file: string): Promise<ElfInfo | undefined> {
  const probe = await probeElf(file);
  return probe.kind === 'elf' ? probe.info : undefined;
}

function machineLabel(machine: number): string {
  const name = machineName(machine);
  return name === 'other' ? `e_machine ${machine}` : name;
}

const SHARED_OBJECT_NAME = /\.so(\.\d+)*$/;
const CONCURRENCY = 16;

function problemsFor(rel: string, probe: ElfProbe, expectedMachine: number): string[] {
  if (probe.kind === 'not-elf') return [];
  if (probe.kind === 'malformed') return [`${rel}: malformed ELF (${probe.reason})`];
  const info = probe.info;
  if (info.type !== 'exec' && info.type !== 'dyn' && info.type !== 'rel') return [];
  const problems: string[] = [];
  if (info.machine !== expectedMachine) {
    problems.push(`${rel}: built for ${machineLabel(info.machine)}, expected ${machineLabel(expectedMachine)}`);
  }
  if (info.type === 'rel') return problems;
  if (info.interpreter !== undefined) problems.push(`${rel}: requests a program interpreter (${info.interpreter})`);
  if (info.needed.length > 0) problems.push(`${rel}: needs shared libraries (${info.needed.join(', ')})`);
  if (info.type === 'dyn' && (info.isSharedLibrary || SHARED_OBJECT_NAME.test(path.posix.basename(rel)))) {
    problems.push(`${rel}: is a shared library`);
  }
  return problems;
}

async function probeRegular(file: string): Promise<ElfProbe> {
  let fh: FileHandle;
  try {
    // O_NOFOLLOW: symlinks are not regular files; their targets are checked under their own path.
    fh = await open(file, OPEN_FLAGS | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') return { kind: 'not-elf' };
    throw error;
  }
  try {
    return await probeOpen(fh, await fh.stat());
  } finally {
    await fh.close();
  }
}

/**
 * Checks installed files (paths relative to `root`) against the static-only
 * policy and returns one human-readable problem per violation, in input order.
 * Only regular files are examined; executables and shared objects must have no
 * interpreter, no DT_NEEDED, must not be shared libraries and must match
 * `expectedMachine`; relocatable objects must only match the machine.
 */
export async function checkStaticElves(root: string, files: readonly string[], expectedMachine: number): Promise<string[]> {
  const results: string[][] = new Array(files.length);
  let next = 0;
  // A fixed pool keeps at most CONCURRENCY descriptors open however big the tree is.
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const rel = files[index]!;
      results[index] = problemsFor(rel, await probeRegular(path.join(root, rel)), expectedMachine);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker));
  return results.flat();
}
