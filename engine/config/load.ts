/**
 * Loading rootfs.config.ts. The CLI runs under tsx, so a TypeScript config is
 * imported as it is, without a build step. Whatever goes wrong (no file, a syntax
 * error, an exception, a wrong shape) becomes one CONFIG_* error with a message
 * that names the file and what to fix.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineError } from '../errors.ts';
import type { Config } from '../recipe.ts';
import { validateConfig } from './validate.ts';

export const CONFIG_NAMES = ['rootfs.config.ts', 'rootfs.config.mts', 'rootfs.config.js', 'rootfs.config.mjs'];

export async function findConfig(explicit: string | undefined, cwd: string): Promise<string> {
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!(await fs.stat(file).then((s) => s.isFile(), () => false))) {
      // make-rootfs's CONFIG=Release is a build configuration; people carry the habit over.
      const looksLikeBuildType = /^[A-Z][A-Za-z]*$/.test(explicit);
      throw new EngineError(
        'CONFIG_NOT_FOUND',
        `The config file ${file} (from --config) does not exist. Give the path of a rootfs.config.ts.` +
          (looksLikeBuildType ? ` To choose the build configuration (make-rootfs's CONFIG=${explicit}), use --build-type ${explicit}.` : ''),
      );
    }
    return file;
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    for (const name of CONFIG_NAMES) {
      const file = path.join(dir, name);
      if (await fs.stat(file).then((s) => s.isFile(), () => false)) return file;
    }
    if (path.dirname(dir) === dir) break;
  }
  throw new EngineError(
    'CONFIG_NOT_FOUND',
    `No rootfs.config.ts in ${cwd} or any folder above it. Create one (see docs/getting-started.md) or pass --config FILE.`,
  );
}

/** esbuild's TransformError lists located errors; keep them short and readable. */
function describeLoadError(error: unknown): string {
  const err = error as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } }>; message?: string };
  if (Array.isArray(err.errors) && err.errors.length > 0) {
    return err.errors
      .slice(0, 3)
      .map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ${e.text}` : e.text))
      .join('; ');
  }
  const message = (err.message ?? String(error)).split('\n').filter((line) => line.trim() && !/^\s+at /.test(line));
  return message.slice(0, 4).join(' ').replace(/\s+/g, ' ').trim();
}

/** How a config module is imported; watch mode passes one that reloads edited modules. */
export type ModuleImporter = (url: string) => Promise<unknown>;

export async function loadConfig(file: string, importModule: ModuleImporter = (url) => import(url)): Promise<Config> {
  let module: { default?: unknown };
  try {
    module = (await importModule(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    throw new EngineError(
      'CONFIG_LOAD',
      `Could not load the config ${file}: ${describeLoadError(error)}. Fix the file and run again; nothing was built.`,
      { cause: error },
    );
  }
  return validateConfig(module.default, file);
}
