/**
 * The `ssh` the perl recipe gives Configure when cross-compiling: it must run the
 * remote command here, the program under $QEMU_USER, in the named directory and
 * with the command's leading VAR=value words as environment.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

const SSH = path.join(import.meta.dirname, '../../packages/files/perl/ssh');

describe('perl cross-compile ssh', () => {
  it('runs "cd DIR && [VAR=v] PROGRAM ARGS" under $QEMU_USER in DIR', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'perl-ssh-'));
    // A stand-in emulator that shows what it was asked to run, and where.
    const qemu = path.join(dir, 'qemu');
    await fs.writeFile(qemu, '#!/bin/sh\necho "dir=$(pwd) greeting=${GREETING:-none} argv=$*"\n', { mode: 0o755 });
    const ran = await execa(SSH, ['-p', '22', '-l', 'root', 'localhost', `cd ${dir} && GREETING=hi ./try 'a b' c`], { env: { QEMU_USER: qemu } });
    expect(String(ran.stdout)).toBe(`dir=${dir} greeting=hi argv=./try a b c`);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('runs other commands (mkdir -p) with sh, and passes the exit status on', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'perl-ssh-'));
    await execa(SSH, ['-p', '22', '-l', 'root', 'localhost', `mkdir -p ${dir}/a/b`]);
    expect((await fs.stat(path.join(dir, 'a/b'))).isDirectory()).toBe(true);
    const failed = await execa(SSH, ['-p', '22', '-l', 'root', 'localhost', `cd ${dir} && ./missing`], { env: { QEMU_USER: 'false' }, reject: false });
    expect(failed.exitCode).not.toBe(0);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
