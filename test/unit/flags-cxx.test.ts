/**
 * C++ in a place: CXXFLAGS select the place's own libc++ (headers from the sysroot,
 * never from the compiler's install dir; -lc++ at link), C flags stay free of it,
 * and links keep --unwindlib=none because the place's libc++.a carries the unwinder.
 * The driver checks run the host clang with -### (nothing is compiled).
 */
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deriveFlags } from '../../sysroot/flags.ts';
import { makePlace } from '../../sysroot/place.ts';
import { TARGETS } from '../../sysroot/targets.ts';
import { findHostToolchain } from '../../sysroot/toolchain.ts';

const SYSROOT = '/build/out/aarch64-linux-musl';
const target = TARGETS['aarch64-linux-musl']!;
const flags = deriveFlags({ target, sysroot: SYSROOT, resourceDir: `${SYSROOT}/usr/lib/clang-resource/19`, buildType: 'Release', stage1: false });

describe('C++ flags of a place', () => {
  it('select libc++ with its headers from the sysroot for C++ only', () => {
    expect(flags.cxxflags).toEqual(expect.arrayContaining(['-stdlib=libc++', '-nostdinc++']));
    expect(flags.cxxflags.join(' ')).toContain(`-isystem ${SYSROOT}/usr/include/c++/v1`);
    expect(flags.cxxflags.slice(0, flags.cflags.length)).toEqual(flags.cflags);
    expect(flags.cflags.join(' ')).not.toMatch(/stdlib|nostdinc/);
    expect(flags.ldflags).toContain('--unwindlib=none');
    expect(flags.ldflags.join(' ')).not.toContain('stdlib');
    expect(flags.cxxLinkFlags).toEqual(['-stdlib=libc++']);
  });

  it("give meson's C++ links libc++ (its cpp_link_args never see CXXFLAGS)", async () => {
    const toolchain = await findHostToolchain();
    const place = makePlace({ name: 'aarch64-linux-musl', target, stage: undefined, toolchain, outDir: SYSROOT, buildType: 'Release', baseDeps: [], toolchainNodes: [], staticOnly: true });
    const cross = place.facts?.rootfs?.mesonCrossFile ?? '';
    expect(cross).toMatch(/^cpp_link_args = \[.*'-stdlib=libc\+\+'\]$/m);
    expect(cross).not.toMatch(/^c_link_args = .*stdlib/m);
    expect(place.env?.['CXXFLAGS']).toBe(flags.cxxflags.join(' ').replace('/19', `/${toolchain.major}`));
  });

  it('make the host clang++ search only the sysroot for C++ headers, link -lc++, and warn about nothing', async () => {
    const toolchain = await findHostToolchain();
    const clangxx = path.join(toolchain.binDir, 'clang++');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flags-cxx-'));
    const source = path.join(dir, 'x.cc');
    await fs.writeFile(source, 'int main() { return 0; }\n');
    const compile = await execa(clangxx, ['-###', ...flags.cxxflags, '-c', source, '-o', path.join(dir, 'x.o')], { reject: false, cwd: dir });
    expect(compile.exitCode, compile.stderr).toBe(0);
    expect(compile.stderr).not.toContain('warning');
    expect(compile.stderr).toContain(`"-isystem" "${SYSROOT}/usr/include/c++/v1"`);
    // No C++ header dir of the compiler's own (clang adds those as -internal-isystem).
    expect(compile.stderr).not.toMatch(/"-internal-isystem" "[^"]*c\+\+/);
    await fs.writeFile(path.join(dir, 'x.o'), '');
    const link = await execa(clangxx, ['-###', ...flags.cxxflags, path.join(dir, 'x.o'), '-o', path.join(dir, 'x'), ...flags.ldflags], { reject: false, cwd: dir });
    await fs.rm(dir, { recursive: true, force: true });
    expect(link.exitCode, link.stderr).toBe(0);
    expect(link.stderr).toContain('"-lc++"');
    expect(link.stderr).not.toContain('stdc++');
    expect(link.stderr).not.toContain('unwind');
  });
});
