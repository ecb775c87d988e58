/**
 * The safety rules for archive entries, independent of the archive format.
 *
 * Every entry is judged on its raw name before anything is written; the whole
 * archive is refused (never "skip and warn") when one entry could write or point
 * outside the destination, because a tree with silently missing files is as
 * wrong as a hostile one. Refused: absolute names, `..` components, symlinks whose
 * target is absolute or resolves outside the destination, entries whose parent
 * path goes through a symlink, hardlinks to absolute/`..`/symlink/stripped-away
 * targets, device nodes and FIFOs.
 */
import path from 'node:path';
import { EngineError } from '../errors.ts';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'device' | 'fifo' | 'other';

export interface GuardedEntry {
  /** Path after dropping `.`/empty components and `strip` leading ones. */
  path: string;
  /** For hardlinks: the stripped target path. For symlinks: the target as written. */
  linkpath?: string;
}

const MAX_LINK_DEPTH = 40;

function unsafe(archive: string, entry: string, why: string): EngineError {
  return new EngineError(
    'UNSAFE_ARCHIVE',
    `Refusing to extract ${archive}: entry "${entry}" ${why}. Nothing from this archive was kept. ` +
      'An archive from a trustworthy upstream never needs this; check where the file came from ' +
      'and that its SHA-256 pin is the one the project publishes.',
  );
}

export class ArchiveGuard {
  readonly archive: string;
  readonly strip: number;
  /** Stripped path -> symlink target, as the tree will hold them after extraction. */
  readonly symlinks = new Map<string, string>();
  private readonly tops = new Set<string>();
  private sawEntry = false;

  constructor(archive: string, strip: number) {
    this.archive = archive;
    this.strip = strip;
  }

  /** The single top-level directory name of the raw archive, if all entries share one. */
  get topDir(): string | undefined {
    return this.tops.size === 1 ? [...this.tops][0] : undefined;
  }

  get empty(): boolean {
    return !this.sawEntry;
  }

  private components(raw: string, what: string, entryName: string): string[] {
    if (raw.includes('\0')) throw unsafe(this.archive, entryName, `has a NUL byte in its ${what}`);
    if (raw.startsWith('/')) throw unsafe(this.archive, entryName, `has an absolute ${what} (${raw})`);
    const parts = raw.split('/');
    if (parts.includes('..')) throw unsafe(this.archive, entryName, `has a ".." component in its ${what} (${raw})`);
    return parts.filter((p) => p !== '' && p !== '.');
  }

  private throughSymlink(parts: readonly string[]): string | undefined {
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (this.symlinks.has(prefix)) return prefix;
    }
    return undefined;
  }

  /**
   * Judge one entry. Returns undefined when the entry is stripped away (it is above
   * the strip depth), the rewritten entry when it may be written, throws otherwise.
   */
  check(rawPath: string, kind: EntryKind, rawLinkpath?: string): GuardedEntry | undefined {
    const all = this.components(rawPath, 'path', rawPath);
    if (all.length > 0) {
      this.tops.add(all[0]!);
      this.sawEntry = true;
    }
    if (kind === 'device') throw unsafe(this.archive, rawPath, 'is a device node');
    if (kind === 'fifo') throw unsafe(this.archive, rawPath, 'is a FIFO');
    if (kind === 'other') {
      throw new EngineError(
        'UNSUPPORTED_ARCHIVE',
        `Cannot extract ${this.archive}: entry "${rawPath}" has an entry type this extractor does not handle. ` +
          'Use an archive with plain files, directories and links.',
      );
    }
    if (all.length <= this.strip) return undefined;
    const parts = all.slice(this.strip);
    const rel = parts.join('/');
    const via = this.throughSymlink(parts);
    if (via !== undefined) throw unsafe(this.archive, rawPath, `would be written through the symlink "${via}"`);

    if (kind === 'symlink') {
      const target = rawLinkpath ?? '';
      if (target === '') throw unsafe(this.archive, rawPath, 'is a symlink with an empty target');
      if (target.startsWith('/')) throw unsafe(this.archive, rawPath, `is a symlink to the absolute path ${target}`);
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(rel), target));
      if (resolved === '..' || resolved.startsWith('../')) {
        throw unsafe(this.archive, rawPath, `is a symlink pointing outside the destination (${target})`);
      }
      this.symlinks.set(rel, target);
      return { path: rel, linkpath: target };
    }
    // A later non-symlink entry replaces the link (tar unlinks it first).
    this.symlinks.delete(rel);

    if (kind === 'hardlink') {
      const raw = rawLinkpath ?? '';
      const lparts = this.components(raw, 'hardlink target', rawPath);
      if (lparts.length <= this.strip) throw unsafe(this.archive, rawPath, `is a hardlink to "${raw}", outside the destination`);
      const lrel = lparts.slice(this.strip);
      const lvia = this.throughSymlink(lrel);
      if (lvia !== undefined) throw unsafe(this.archive, rawPath, `is a hardlink through the symlink "${lvia}"`);
      if (this.symlinks.has(lrel.join('/'))) throw unsafe(this.archive, rawPath, `is a hardlink to the symlink "${raw}"`);
      return { path: rel, linkpath: lrel.join('/') };
    }
    return { path: rel };
  }

  /**
   * After the last entry: follow every symlink the way the kernel will (through
   * other symlinks of the tree) and refuse any that ends up outside. The per-entry
   * check is lexical and cannot see chains such as `d/up -> ..` plus `x -> d/up/..`.
   */
  finish(): void {
    for (const [link, target] of this.symlinks) {
      const from = link.split('/').slice(0, -1);
      if (!this.resolvesInside(from, target, 0)) {
        throw unsafe(this.archive, link, `is a symlink that resolves outside the destination through other symlinks (${target})`);
      }
    }
  }

  private resolvesInside(base: readonly string[], target: string, depth: number): boolean {
    if (depth > MAX_LINK_DEPTH || target.startsWith('/')) return false;
    const stack = [...base];
    const parts = target.split('/').filter((p) => p !== '' && p !== '.');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part === '..') {
        if (stack.length === 0) return false;
        stack.pop();
        continue;
      }
      stack.push(part);
      const inner = this.symlinks.get(stack.join('/'));
      if (inner !== undefined) {
        stack.pop();
        // Resolve the inner link, then continue with the rest of this target from there.
        const rest = parts.slice(i + 1).join('/');
        const joined = rest ? `${inner}/${rest}` : inner;
        return this.resolvesInside(stack, joined, depth + 1);
      }
    }
    return true;
  }
}
