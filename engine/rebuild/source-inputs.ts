/**
 * The part of a node key that comes from its source: the pinned SHA-256 of a
 * tarball, the content fingerprint of a local tree, and the contents of every
 * patch. Computed once per recipe per run (a source is shared by all places).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.ts';
import { fingerprintFile, fingerprintString } from '../hash.ts';
import { isPathSource, type Recipe } from '../recipe.ts';
import { fingerprintTree } from '../sources/tree-fingerprint.ts';
import { distfileName } from '../sources/distfiles/fetch.ts';
import { debianOrigNames } from '../sources/apt.ts';
import { cachedSha256 } from '../sources/verify.ts';
import type { UrlSource } from '../recipe.ts';

export interface SourceInputs {
  inputs: Record<string, string>;
  /** Local trees only: relpath -> fingerprint, to name changed files. */
  files?: Record<string, string>;
  /** Absolute path of a local source tree. */
  localTree?: string;
}

export function recipeDir(recipe: Recipe): string {
  return path.dirname(recipe.file);
}

export function localTreeOf(recipe: Recipe): string | undefined {
  if (!recipe.source || !isPathSource(recipe.source)) return undefined;
  return path.resolve(recipeDir(recipe), recipe.source.path);
}

export function patchFilesOf(recipe: Recipe): string[] {
  return (recipe.source?.patches ?? []).map((patch) => path.resolve(recipeDir(recipe), patch));
}

export class SourceInputCache {
  private readonly cache = new Map<string, Promise<SourceInputs>>();

  constructor(
    private readonly stateDir: string,
    private readonly distfilesDir: string,
  ) {}

  get(recipe: Recipe): Promise<SourceInputs> {
    let pending = this.cache.get(recipe.file + '\0' + recipe.name);
    if (!pending) {
      pending = this.compute(recipe);
      this.cache.set(recipe.file + '\0' + recipe.name, pending);
    }
    return pending;
  }

  /**
   * The SHA-256 of the tarball a build will really use. A Debian repack is not the
   * upstream file, so a tree built from it must not share the upstream key. Before
   * anything is fetched this is the upstream pin (`run` fetches before it keys).
   */
  private async tarballInUse(source: UrlSource): Promise<string> {
    const upstream = await cachedSha256(path.join(this.distfilesDir, distfileName(source))).catch(() => undefined);
    if (upstream?.sha256 === source.sha256) return source.sha256;
    const repack = source.debian?.sha256;
    if (repack && source.debian) {
      for (const name of debianOrigNames(source.debian.package, source.debian.version)) {
        const found = await cachedSha256(path.join(this.distfilesDir, name)).catch(() => undefined);
        if (found?.sha256 === repack) return repack;
      }
    }
    return source.sha256;
  }

  private async compute(recipe: Recipe): Promise<SourceInputs> {
    const source = recipe.source;
    if (!source) return { inputs: {} };
    const inputs: Record<string, string> = {};
    let files: Record<string, string> | undefined;
    let localTree: string | undefined;
    if (isPathSource(source)) {
      localTree = localTreeOf(recipe)!;
      const stat = await fs.stat(localTree).catch(() => undefined);
      if (!stat?.isDirectory()) {
        throw new EngineError(
          'SOURCE_MISSING',
          `Recipe ${recipe.name} (${recipe.file}) takes its source from the local directory ${localTree}, which does not exist or is not a directory. Fix source.path (it is relative to the recipe file).`,
        );
      }
      const cacheFile = path.join(this.stateDir, 'trees', `${fingerprintString(localTree)}.json`);
      const tree = await fingerprintTree(localTree, cacheFile);
      inputs['source.tree'] = tree.hash;
      files = tree.files;
    } else {
      inputs['source.sha256'] = await this.tarballInUse(source);
      inputs['source.strip'] = String(source.strip ?? 1);
      if (source.subset) inputs['source.subset'] = [...source.subset].sort().join(',');
    }
    if (source.privateCopy) inputs['source.privateCopy'] = 'true';
    for (const patch of patchFilesOf(recipe)) {
      const name = path.relative(recipeDir(recipe), patch);
      try {
        inputs[`patch.${name}`] = await fingerprintFile(patch);
      } catch {
        throw new EngineError(
          'SOURCE_MISSING',
          `Recipe ${recipe.name} (${recipe.file}) lists the patch ${name}, but ${patch} cannot be read. Fix source.patches (paths are relative to the recipe file).`,
        );
      }
    }
    return { inputs, files, localTree };
  }
}
