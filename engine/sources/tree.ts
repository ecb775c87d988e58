/**
 * One call from a recipe's tarball source to a ready tree: fetch (verified),
 * then extract and patch once into the shared src dir (prepare.ts).
 */
import path from 'node:path';
import { EngineError, isEngineError } from '../errors.ts';
import type { UrlSource } from '../recipe.ts';
import { fetchSource } from './distfiles/fetch.ts';
import { prepareSourceTree, type PreparedTree } from './prepare.ts';
import type { FetchedSource, FetchOptions } from './types.ts';

export interface ObtainOptions extends Omit<FetchOptions, 'distfilesDir' | 'tmpDir'> {
  srcDir: string;
  distfilesDir: string;
  tmpDir: string;
  /** Who needs the tree (recipe name, version, file), prefixed to error messages. */
  label?: string;
}

export interface ObtainedTree extends PreparedTree {
  fetched: FetchedSource;
}

/** Strip archive extensions for a readable tree dir name: musl-1.2.5.tar.gz -> musl-1.2.5. */
function stem(file: string): string {
  return path.basename(file).replace(/\.(tar\.(gz|xz|bz2|zst|lzma)|tgz|tbz2|txz|tzst|zip|tar)$/, '').replace(/\.orig$/, '');
}

export async function obtainSourceTreeDetailed(source: UrlSource, patches: readonly string[], opts: ObtainOptions): Promise<ObtainedTree> {
  try {
    const fetched = await fetchSource(source, opts);
    const tree = await prepareSourceTree({
      srcDir: opts.srcDir,
      archive: fetched.file,
      sha256: fetched.sha256,
      strip: source.strip ?? 1,
      include: source.subset,
      patches,
      name: stem(fetched.file),
    });
    return { ...tree, fetched };
  } catch (err) {
    if (opts.label && isEngineError(err)) throw new EngineError(err.code, `${opts.label}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The shared, read-only tree for `source` with `patches` applied; returns its directory. */
export async function obtainSourceTree(source: UrlSource, patches: readonly string[], opts: ObtainOptions): Promise<string> {
  return (await obtainSourceTreeDetailed(source, patches, opts)).dir;
}
