/**
 * The CMake and Meson recipe helpers (packages/cmake.ts, packages/meson.ts) on a
 * small C project: native in a stage and cross for aarch64, each static and
 * built against the place's own tree, and each program runs.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { E2E_BUILD, engine, runTargetBinary } from '../helpers/e2e.ts';
import { inspectElf } from '../../sysroot/elf.ts';
import { TARGETS } from '../../sysroot/targets.ts';
import { REPO, makeProject, builtNodes } from '../helpers/project.ts';

const HELLO = path.join(REPO, 'fixtures', 'build-systems', 'hello');

const CONFIG = `import { defineConfig, defineRecipe } from 'rootfs-engine';
import { allRecipes, cmakePhases, mesonPhases, rootfsGoals, rootfsPlaces } from 'rootfs-engine/packages';
const source = { path: ${JSON.stringify(HELLO)} };
const helloCmake = defineRecipe({ name: 'hello-cmake', version: '1', source, tools: ['cmake', 'ninja'], phases: cmakePhases({ CMAKE_C_STANDARD: '11' }) });
const helloMeson = defineRecipe({ name: 'hello-meson', version: '1', source, tools: ['meson', 'ninja'], phases: mesonPhases(['-Db_staticpic=false']) });
export default defineConfig({ recipes: [...allRecipes, helloCmake, helloMeson], places: rootfsPlaces(), goals: rootfsGoals() });
`;

describe.sequential('CMake and Meson helpers', { timeout: 30 * 60_000 }, () => {
  for (const place of ['stage3', 'aarch64-linux-musl']) {
    it(`builds a CMake and a Meson project for ${place}, static, and they run`, async () => {
      const project = await makeProject();
      try {
        await project.write('rootfs.config.ts', CONFIG);
        const run = await engine(['run', `hello-cmake@${place}`, `hello-meson@${place}`, '--toolchain', 'host'], project.dir);
        expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
        const out = path.join(E2E_BUILD, 'out', place);
        const triple = place.startsWith('stage') ? 'x86_64-linux-musl' : place;
        const qemu = triple.startsWith('x86_64') ? undefined : TARGETS[triple]!.qemuUser;
        for (const system of ['cmake', 'meson']) {
          const program = path.join(out, 'usr/bin', `hello-${system}`);
          const elf = await inspectElf(program);
          expect(elf?.machine).toBe(TARGETS[triple]!.elfMachine);
          expect(elf?.interpreter).toBeUndefined();
          expect(elf?.needed).toEqual([]);
          expect(await runTargetBinary(qemu, program, [])).toBe(`hello from ${system}: 42`);
        }
        for (const file of ['usr/lib/libgreet.a', 'usr/include/greet-cmake/greet.h', 'usr/lib/libgreet-meson.a', 'usr/include/greet-meson/greet.h']) {
          expect((await fs.stat(path.join(out, file))).isFile(), file).toBe(true);
        }
        // A second run has nothing to do: the helpers' commands are stable.
        const again = await engine(['run', `hello-cmake@${place}`, `hello-meson@${place}`, '--toolchain', 'host'], project.dir);
        expect(builtNodes(again.stdout)).toEqual([]);
      } finally {
        await engine(['clean', `hello-cmake@${place}`, `hello-meson@${place}`, '--toolchain', 'host'], project.dir);
        await project.remove();
      }
    });
  }
});
