import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import path from 'node:path';
import { initHashing } from '../../engine/hash.ts';
import { defineRecipe, type RecipeInput } from '../../engine/recipe.ts';
import { resolveNode } from '../../engine/graph/resolve.ts';
import { keyInputs, keyOf, ENGINE_FORMAT } from '../../engine/rebuild/key.ts';
import { describeReason, detailReason, diffInputs } from '../../engine/rebuild/reasons.ts';
import type { NodeId } from '../../engine/graph/node-id.ts';
import type { OutputHash } from '../../engine/store/manifest.ts';
import { REPO } from '../helpers/project.ts';

const base: RecipeInput = {
  name: 'pkg',
  version: '1.0',
  deps: ['lib'],
  env: { CFLAGS: '-O2' },
  phases: { configure: (ctx) => `./configure --prefix=/usr --srcdir=${ctx.dirs.src}`, build: () => 'make', install: (ctx) => `make install DESTDIR=${ctx.dirs.dest}` },
};

function keyFor(input: RecipeInput, opts: { dep?: string; toolchain?: string; source?: Record<string, string>; placeEnv?: Record<string, string>; buildType?: string } = {}) {
  const recipe = defineRecipe(input);
  const node = resolveNode(recipe, { name: 'stage1', definition: { name: 'stage1', env: opts.placeEnv ?? { CC: 'clang' } } }, opts.buildType ?? 'Release');
  const inputs = keyInputs(node, {
    depOutputs: new Map([['lib@stage1' as NodeId, (opts.dep ?? 'aaaa') as OutputHash]]),
    sourceInputs: opts.source ?? { 'source.sha256': 'f'.repeat(64) },
    toolchain: opts.toolchain ?? 'clang 19.1.7 /usr/bin/clang-19',
  });
  return { inputs, key: keyOf(inputs) };
}

describe('node keys', () => {
  beforeAll(async () => {
    await initHashing();
  });

  it('are stable: the same inputs give the same key', () => {
    expect(keyFor(base).key).toBe(keyFor({ ...base }).key);
    expect(keyFor(base).inputs['engine.format']).toBe(ENGINE_FORMAT);
  });

  it('are the same in another process', async () => {
    const script = path.join(REPO, 'test', 'helpers', 'print-key.ts');
    const one = await execa(process.execPath, ['--import', 'tsx', script], { cwd: REPO });
    const two = await execa(process.execPath, ['--import', 'tsx', script], { cwd: REPO });
    expect(one.stdout).toMatch(/^[0-9a-f]{16}$/);
    expect(one.stdout).toBe(two.stdout);
  });

  it('do not depend on where the build root is', () => {
    // Phases are resolved against tokens, not real paths.
    expect(keyFor(base).inputs['phase.install']).toContain('/@rootfs-build@/stage/stage1/pkg');
  });

  const mutations: Array<[string, () => ReturnType<typeof keyFor>, string]> = [
    ['version', () => keyFor({ ...base, version: '1.1' }), 'recipe-changed'],
    ['a phase command', () => keyFor({ ...base, phases: { ...base.phases, build: () => 'make V=1' } }), 'recipe-changed'],
    ['a new phase', () => keyFor({ ...base, phases: { ...base.phases, prepare: () => 'true' } }), 'recipe-changed'],
    ['recipe env', () => keyFor({ ...base, env: { CFLAGS: '-O3' } }), 'env-changed'],
    ['place env', () => keyFor(base, { placeEnv: { CC: 'gcc' } }), 'env-changed'],
    ['source checksum', () => keyFor(base, { source: { 'source.sha256': 'e'.repeat(64) } }), 'source-changed'],
    ['patch contents', () => keyFor(base, { source: { 'source.sha256': 'f'.repeat(64), 'patch.fix.patch': '1234' } }), 'source-changed'],
    ['dependency output', () => keyFor(base, { dep: 'bbbb' }), 'dependency-changed'],
    ['toolchain', () => keyFor(base, { toolchain: 'clang 20' }), 'toolchain-changed'],
    ['the dependency list', () => keyFor({ ...base, deps: [] }), 'dependency-changed'],
    ['the build type', () => keyFor(base, { buildType: 'Debug' }), 'build-type-changed'],
  ];
  for (const [what, mutate, kind] of mutations) {
    it(`change when ${what} changes, and say so`, () => {
      const before = keyFor(base);
      const after = mutate();
      expect(after.key).not.toBe(before.key);
      expect(diffInputs(before.inputs, after.inputs).map((r) => r.kind)).toContain(kind);
    });
  }

  it('ignore the check phase, which cannot change the output', () => {
    expect(keyFor({ ...base, phases: { ...base.phases, check: () => 'make check' } }).key).toBe(keyFor(base).key);
  });

  it('explain every kind of change with its before and after values', () => {
    const before = keyFor(base);
    for (const [what, mutate] of mutations) {
      const reasons = diffInputs(before.inputs, mutate().inputs);
      expect(reasons.length, what).toBeGreaterThan(0);
      for (const reason of reasons) {
        expect(describeReason(reason), what).not.toBe('');
        expect(detailReason(reason).join('\n'), what).toMatch(/before: .*\n.*after: /);
      }
    }
    expect(describeReason(diffInputs(before.inputs, keyFor(base, { buildType: 'Debug' }).inputs)[0]!)).toBe('build type changed (Release -> Debug)');
  });

  it('show the part of a long command that changed', () => {
    const long = 'x'.repeat(300);
    const one = keyFor({ ...base, phases: { ...base.phases, build: () => `make ${long} OPT=1 ${long}` } });
    const two = keyFor({ ...base, phases: { ...base.phases, build: () => `make ${long} OPT=2 ${long}` } });
    const detail = detailReason(diffInputs(one.inputs, two.inputs)[0]!).join('\n');
    expect(detail).toContain('phases.build (differs from character');
    expect(detail).toMatch(/before: …x+ OPT=1 x+…/);
    expect(detail).toMatch(/after:  …x+ OPT=2 x+…/);
  });
});
