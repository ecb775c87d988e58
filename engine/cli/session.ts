/**
 * What every command needs: the loaded config, the build root, the resolved graph.
 */
import path from 'node:path';
import { findConfig, loadConfig } from '../config/load.ts';
import { initHashing } from '../hash.ts';
import { Layout } from '../layout.ts';
import type { Config } from '../recipe.ts';
import { resolveGraph, type ResolvedGraph } from '../graph/resolve.ts';
import { BuildContext } from '../build.ts';
import { ArtifactCache } from '../cache/artifact-cache.ts';
import { resolveCacheSettings, type CacheOptions } from '../cache/settings.ts';

export interface GlobalOptions extends CacheOptions {
  config?: string;
  buildDir?: string;
  target?: string;
  toolchain?: string;
  buildType?: string;
  distfiles?: string;
  offline?: boolean;
  allowHttp?: boolean;
  debug?: boolean;
}

export interface Session {
  config: Config;
  layout: Layout;
  context: BuildContext;
  options: GlobalOptions;
  /** Where source tarballs live (--distfiles, default <build root>/src). */
  distfilesDir: string;
}

export async function openSession(options: GlobalOptions, cwd = process.cwd()): Promise<Session> {
  await initHashing();
  const file = await findConfig(options.config, cwd);
  const config = await loadConfig(file);
  const root = options.buildDir ? path.resolve(cwd, options.buildDir) : path.resolve(path.dirname(file), config.buildDir ?? 'build');
  const layout = new Layout(root);
  const distfilesDir = options.distfiles ? path.resolve(cwd, options.distfiles) : layout.srcDir;
  return { config, layout, context: new BuildContext(layout, distfilesDir), options, distfilesDir };
}

/** commander's property for `--name-with-dashes`. */
export function optionAttribute(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** The options places and recipes get: the engine's and the config's declared ones, by name. */
export function runOptions(session: Session): Record<string, string | undefined> {
  const given = session.options as Readonly<Record<string, unknown>>;
  const declared: Record<string, string | undefined> = {};
  for (const [name, definition] of Object.entries(session.config.options ?? {})) {
    const value = given[optionAttribute(name)];
    declared[name] = typeof value === 'string' ? value : definition.default;
  }
  return { ...declared, toolchain: session.options.toolchain, target: session.options.target };
}

export function resolveGoals(session: Session, goals: readonly string[]): Promise<ResolvedGraph> {
  return resolveGraph({
    config: session.config,
    goals,
    target: session.options.target,
    buildType: session.options.buildType,
    options: runOptions(session),
  });
}

/**
 * The artifact cache of a session (undefined with --no-cache). Warnings go to
 * stderr; `bypass` names nodes that must build anyway (`verify`).
 */
export function openCache(session: Session, bypass?: ReadonlySet<string>): ArtifactCache | undefined {
  const settings = resolveCacheSettings(session.options, session.config);
  if (!settings) return undefined;
  return new ArtifactCache({ ...settings, bypass, warn: (message) => process.stderr.write(`warning: ${message}\n`) });
}
