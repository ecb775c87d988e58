/**
 * The base packages beyond toybox, with the host toolchain profile: bash
 * (static, autoconf in cross mode with cache variables) for x86_64 and aarch64,
 * run on the host and under qemu-user, next to toybox in the same place; finit's
 * libraries libuev and libite, static, with their headers.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { E2E_BUILD, engine, runTargetBinary } from '../helpers/e2e.ts';
import { inspectElf } from '../../sysroot/elf.ts';
import { TARGETS } from '../../sysroot/targets.ts';

const BASH_TARGETS = ['x86_64-linux-musl', 'aarch64-linux-musl'];

describe.sequential('host toolchain: bash, libuev, libite', { timeout: 30 * 60_000 }, () => {
  for (const triple of BASH_TARGETS) {
    const target = TARGETS[triple]!;
    it(`builds a static bash for ${triple} that runs, next to toybox`, async () => {
      // toybox first, in its own run: a toybox built by an older recipe still owns
      // usr/bin/bash (its shell's alias) until the current recipe's install replaces it.
      const toybox = await engine(['run', 'toybox', '--target', triple, '--toolchain', 'host']);
      expect(toybox.exitCode, `${toybox.stdout}\n${toybox.stderr}`).toBe(0);
      const run = await engine(['run', 'bash', '--target', triple, '--toolchain', 'host']);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);

      const out = path.join(E2E_BUILD, 'out', triple);
      const bash = path.join(out, 'usr/bin/bash');
      // bash's own binary, not toybox's link; toybox keeps sh.
      expect((await fs.lstat(bash)).isFile()).toBe(true);
      expect(await fs.readlink(path.join(out, 'usr/bin/sh'))).toBe('toybox');
      const elf = await inspectElf(bash);
      expect(elf?.machine).toBe(target.elfMachine);
      expect(elf?.type).toBe('exec');
      expect(elf?.interpreter).toBeUndefined();
      expect(elf?.needed).toEqual([]);
      // The install phase cleaned the staging dir: no bashbug, no documentation.
      for (const gone of ['usr/bin/bashbug', 'usr/share/man/man1/bash.1', 'usr/share/info/bash.info', 'usr/share/doc/bash']) {
        await expect(fs.access(path.join(out, gone)), gone).rejects.toThrow();
      }

      const qemu = triple.startsWith('x86_64') ? undefined : target.qemuUser;
      // Arrays, arithmetic and process substitution (bash_cv_sys_named_pipes=present, /dev/fd).
      expect(await runTargetBinary(qemu, bash, ['-c', 'a=(1 2 3); echo ${#a[@]} $((6*7)); cat <(echo procsubst-ok)'])).toBe('3 42\nprocsubst-ok');
      // printf %a (bash_cv_printf_a_format=yes) and exit statuses (bash_cv_wexitstatus_offset=8).
      expect(await runTargetBinary(qemu, bash, ['-c', 'printf "%a\\n" 1; (exit 3); echo $?'])).toBe('0x1p+0\n3');
      expect(await runTargetBinary(qemu, bash, ['-c', 'echo ${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}.${BASH_VERSINFO[2]}'])).toBe('5.2.37');
    });
  }

  it('builds static libuev and libite for x86_64-linux-musl with their headers', async () => {
    const triple = 'x86_64-linux-musl';
    const run = await engine(['run', 'libuev', 'libite', '--target', triple, '--toolchain', 'host']);
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    const out = path.join(E2E_BUILD, 'out', triple);
    for (const file of [
      'usr/lib/libuev.a',
      'usr/include/uev/uev.h',
      'usr/lib/pkgconfig/libuev.pc',
      'usr/lib/libite.a',
      'usr/include/libite/lite.h',
      'usr/lib/pkgconfig/libite.pc',
    ]) {
      expect((await fs.stat(path.join(out, file))).isFile(), file).toBe(true);
    }
    // Archives of x86_64 objects ("!<arch>"), and no libtool archives or shared objects.
    for (const lib of ['libuev', 'libite']) {
      const head = Buffer.alloc(8);
      const handle = await fs.open(path.join(out, `usr/lib/${lib}.a`));
      try {
        await handle.read(head, 0, 8, 0);
      } finally {
        await handle.close();
      }
      expect(head.toString('latin1')).toBe('!<arch>\n');
      for (const gone of [`usr/lib/${lib}.la`, `usr/lib/${lib}.so`]) {
        await expect(fs.access(path.join(out, gone)), gone).rejects.toThrow();
      }
    }
  });
});
