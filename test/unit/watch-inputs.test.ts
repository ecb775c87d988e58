import { afterEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineRecipe } from '../../engine/recipe.ts';
import type { ResolvedGraph, ResolvedNode } from '../../engine/graph/resolve.ts';
import { ENGINE_DIR, makeIgnore, watchSetOf } from '../../engine/watch/inputs.ts';
import { loadFreshConfig } from '../../engine/watch/fresh-config.ts';

describe('watch inputs', () => {
  let dir: string;
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps modules and files read, drops libraries, the engine and the build root, and adds patches and trees', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-watch-inputs-'));
    const build = path.join(dir, 'build');
    for (const rel of ['rootfs.config.ts', 'recipes/a.ts', 'files/frag', 'build/state/x.json', 'node_modules/zod/index.js', 'tree/main.c', 'tree/inside.ts', 'a.patch']) {
      await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await fs.writeFile(path.join(dir, rel), '');
    }
    const recipe = { ...defineRecipe({ name: 'a', version: '1', phases: {} }), file: path.join(dir, 'recipes', 'x.ts') };
    const withTree = { ...recipe, source: { path: '../tree', patches: ['../a.patch'] } };
    const resolved = { nodes: new Map([['a@host', { recipe: withTree } as unknown as ResolvedNode]]) } as unknown as ResolvedGraph;
    const set = await watchSetOf(
      {
        modules: [path.join(dir, 'rootfs.config.ts'), path.join(dir, 'recipes/a.ts'), path.join(dir, 'node_modules/zod/index.js'), path.join(ENGINE_DIR, 'recipe.ts'), path.join(dir, 'tree/inside.ts')],
        reads: [path.join(dir, 'files/frag'), path.join(dir, 'build/state/x.json'), path.join(dir, 'missing'), dir, '/proc/cpuinfo'],
      },
      resolved,
      makeIgnore([build]),
    );
    expect([...set.files].sort()).toEqual([path.join(dir, 'a.patch'), path.join(dir, 'files/frag'), path.join(dir, 'recipes/a.ts'), path.join(dir, 'rootfs.config.ts')].sort());
    expect([...set.trees]).toEqual([path.join(dir, 'tree')]);
  });

  it('ignores the build root, distfiles and .git, and nothing else', () => {
    const ignore = makeIgnore(['/p/build', '/d/distfiles']);
    expect(ignore('/p/build')).toBe(true);
    expect(ignore('/p/build/out/host/x')).toBe(true);
    expect(ignore('/d/distfiles/a.tar.gz')).toBe(true);
    expect(ignore('/p/src/.git')).toBe(true);
    expect(ignore('/p/builder/x.c')).toBe(false);
    expect(ignore('/p/recipes/a.ts')).toBe(false);
  });

  it('loads a config afresh each time, imported modules included, and notes the files it reads', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-watch-fresh-'));
    await fs.writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
    await fs.writeFile(path.join(dir, 'value.ts'), `export const value = 'one';\n`);
    await fs.writeFile(path.join(dir, 'data.txt'), 'data\n');
    const config = path.join(dir, 'rootfs.config.ts');
    await fs.writeFile(
      config,
      `import { readFileSync } from 'node:fs';\nimport { value } from './value.ts';\nconst data = readFileSync(new URL('./data.txt', import.meta.url), 'utf8').trim();\n` +
        `export default { recipes: [{ name: value + data, version: '1', file: 'x', phases: { install: () => 'true' } }] };\n`,
    );
    const nameOf = async (): Promise<{ name: string | undefined; modules: Set<string>; reads: Set<string> }> => {
      const loaded = await loadFreshConfig(config, async (c) => c.recipes[0]!.name);
      if (loaded.error) throw loaded.error;
      return { name: loaded.value, modules: loaded.modules, reads: loaded.reads };
    };
    const first = await nameOf();
    expect(first.name).toBe('onedata');
    expect(first.modules).toContain(path.join(dir, 'value.ts'));
    expect(first.reads).toContain(path.join(dir, 'data.txt'));
    await fs.writeFile(path.join(dir, 'value.ts'), `export const value = 'two';\n`);
    expect((await nameOf()).name).toBe('twodata');
    // The fs functions are the originals again after a load.
    expect(String(fs.readFile)).not.toContain('noteRead');
  });
});
