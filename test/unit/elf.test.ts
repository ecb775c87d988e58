import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EM, checkStaticElves, inspectElf, probeElf } from '../../sysroot/elf.ts';

// Samples are compiled here with the host toolchain rather than committed, so
// they always reflect what real compilers and linkers emit.

const run = promisify(execFile);

async function has(tool: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
}

async function tryRun(cmd: string, args: string[], cwd: string): Promise<boolean> {
  try {
    await run(cmd, args, { cwd });
    return true;
  } catch {
    return false;
  }
}

const hostMachine = ({ x64: EM.EM_X86_64, arm64: EM.EM_AARCH64, ia32: EM.EM_386, arm: EM.EM_ARM, riscv64: EM.EM_RISCV } as Record<string, number>)[
  process.arch
];
const [haveCc, haveClang, haveLld] = await Promise.all([has('cc'), has('clang-19'), has('ld.lld-19')]);
const needCc = !haveCc ? 'cc (host C compiler) not found' : hostMachine === undefined ? `unknown host arch ${process.arch}` : '';
const needClang = !haveClang ? 'clang-19 not found' : '';
const needLld = !haveClang || !haveLld ? 'clang-19 or ld.lld-19 not found' : '';

const HELLO = '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n';
const LIB = '#include <stdio.h>\nvoid greet(void) { puts("hi"); }\n';
const BARE = 'int add1(int x) { return x + 1; }\n';

let dir = '';
const built = new Set<string>();
const p = (name: string) => path.join(dir, name);

async function build(name: string, cmd: string, args: string[]): Promise<void> {
  if (await tryRun(cmd, args, dir)) built.add(name);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'elf-test-'));
  await writeFile(p('hello.c'), HELLO);
  await writeFile(p('lib.c'), LIB);
  await writeFile(p('bare.c'), BARE);
  await writeFile(p('text.txt'), 'just some text, definitely not ELF\n');
  await writeFile(p('empty'), '');
  await writeFile(p('short'), '\x7fEL');
  const jobs: Promise<void>[] = [];
  if (!needCc) {
    jobs.push(
      build('dyn', 'cc', ['-o', 'dyn', 'hello.c']),
      build('static', 'cc', ['-static', '-o', 'static', 'hello.c']),
      build('static-pie', 'cc', ['-static-pie', '-o', 'static-pie', 'hello.c']),
      build('libfoo.so', 'cc', ['-shared', '-fPIC', '-o', 'libfoo.so', 'lib.c']),
      build('libbare.so', 'cc', ['-shared', '-fPIC', '-nostdlib', '-o', 'libbare.so', 'bare.c']),
      build('host.o', 'cc', ['-c', '-o', 'host.o', 'bare.c']),
    );
  }
  if (!needClang) {
    jobs.push(
      build('aarch64.o', 'clang-19', ['--target=aarch64-linux-gnu', '-c', '-o', 'aarch64.o', 'bare.c']),
      build('i386.o', 'clang-19', ['--target=i386-linux-gnu', '-c', '-o', 'i386.o', 'bare.c']),
    );
  }
  await Promise.all(jobs);
  if (built.has('dyn')) {
    const bytes = await readFile(p('dyn'));
    await writeFile(p('truncated'), bytes.subarray(0, 20));
    built.add('truncated');
  }
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function requireBuilt(name: string): void {
  // The compilers exist, so a failed build is a real failure, not a reason to skip.
  if (!built.has(name)) throw new Error(`could not build sample ${name}`);
}

describe('inspectElf: not ELF', () => {
  it('returns undefined for text, empty, 3-byte and directory inputs', async () => {
    expect(await inspectElf(p('text.txt'))).toBeUndefined();
    expect(await inspectElf(p('empty'))).toBeUndefined();
    expect(await inspectElf(p('short'))).toBeUndefined();
    expect(await inspectElf(dir)).toBeUndefined();
    expect(await probeElf(p('text.txt'))).toEqual({ kind: 'not-elf' });
  });

  it('rejects a missing file with an error rather than undefined', async () => {
    await expect(inspectElf(p('does-not-exist'))).rejects.toThrow(/ENOENT/);
  });
});

describe.skipIf(!!needCc)(`inspectElf: host samples${needCc ? ` (skipped: ${needCc})` : ''}`, () => {
  it('reports interpreter and libc for a dynamic program', async () => {
    requireBuilt('dyn');
    const info = await inspectElf(p('dyn'));
    expect(info).toBeDefined();
    expect(info!.machine).toBe(hostMachine);
    expect(info!.class).toBe(64);
    expect(info!.endian).toBe('little');
    expect(['exec', 'dyn']).toContain(info!.type);
    expect(info!.interpreter).toMatch(/^\/.*ld-linux.*\.so\.\d+$/);
    expect(info!.needed).toContain('libc.so.6');
    expect(info!.isStaticPie).toBe(false);
    expect(info!.isSharedLibrary).toBe(false);
  });

  it('reports nothing dynamic for a static program', async (ctx) => {
    if (!built.has('static')) ctx.skip('cc -static does not work here (no static libc?)');
    const info = await inspectElf(p('static'));
    expect(info).toMatchObject({ type: 'exec', needed: [], hasDynamic: false, isStaticPie: false });
    expect(info!.interpreter).toBeUndefined();
  });

  it('recognises a static-pie', async (ctx) => {
    if (!built.has('static-pie')) ctx.skip('cc -static-pie does not work here');
    const info = await inspectElf(p('static-pie'));
    expect(info).toMatchObject({ type: 'dyn', needed: [], hasDynamic: true, isStaticPie: true, isSharedLibrary: false });
    expect(info!.interpreter).toBeUndefined();
  });

  it('recognises shared libraries, with and without dependencies', async () => {
    requireBuilt('libfoo.so');
    requireBuilt('libbare.so');
    const foo = await inspectElf(p('libfoo.so'));
    expect(foo).toMatchObject({ type: 'dyn', isSharedLibrary: true, isStaticPie: false });
    expect(foo!.needed).toContain('libc.so.6');
    expect(foo!.interpreter).toBeUndefined();
    const bare = await inspectElf(p('libbare.so'));
    // Same shape as a static-pie apart from the missing entry point / DF_1_PIE.
    expect(bare).toMatchObject({ type: 'dyn', needed: [], isSharedLibrary: true, isStaticPie: false });
  });

  it('reads an object file', async () => {
    requireBuilt('host.o');
    expect(await inspectElf(p('host.o'))).toMatchObject({ type: 'rel', machine: hostMachine, needed: [], hasDynamic: false });
  });

  it('treats a truncated ELF (first 20 bytes) as malformed, without throwing', async () => {
    requireBuilt('truncated');
    expect(await inspectElf(p('truncated'))).toBeUndefined();
    const probe = await probeElf(p('truncated'));
    expect(probe.kind).toBe('malformed');
    expect(probe.kind === 'malformed' && probe.reason).toMatch(/truncated ELF header/);
  });

  it('treats program headers past end of file as malformed', async () => {
    requireBuilt('dyn');
    const bytes = await readFile(p('dyn'));
    await writeFile(p('cut'), bytes.subarray(0, 100)); // full header, partial program header table
    expect(await probeElf(p('cut'))).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/program header table/) });
  });
});

describe.skipIf(!!needClang)(`inspectElf: cross objects${needClang ? ` (skipped: ${needClang})` : ''}`, () => {
  it('reads an aarch64 object', async () => {
    requireBuilt('aarch64.o');
    expect(await inspectElf(p('aarch64.o'))).toMatchObject({
      class: 64,
      endian: 'little',
      type: 'rel',
      machine: EM.EM_AARCH64,
      machineName: 'aarch64',
    });
  });

  it('reads an i386 object as ELF32', async () => {
    requireBuilt('i386.o');
    expect(await inspectElf(p('i386.o'))).toMatchObject({ class: 32, endian: 'little', type: 'rel', machine: EM.EM_386, machineName: 'i386' });
  });
});

// Linking with lld exercises program headers and the dynamic segment for each
// class/endianness combination without needing cross sysroots.
const linkTargets = [
  { target: 'i386-linux-gnu', class: 32, endian: 'little', machine: EM.EM_386 },
  { target: 'aarch64-linux-gnu', class: 64, endian: 'little', machine: EM.EM_AARCH64 },
  { target: 'mips-linux-gnu', class: 32, endian: 'big', machine: 8 },
  { target: 'powerpc64-linux-gnu', class: 64, endian: 'big', machine: 21 },
] as const;

describe.skipIf(!!needLld)(`inspectElf: lld-linked cross binaries${needLld ? ` (skipped: ${needLld})` : ''}`, () => {
  for (const t of linkTargets) {
    it(`${t.target}: ELF${t.class} ${t.endian}-endian interpreter, DT_NEEDED, SONAME, static-pie`, async (ctx) => {
      const sub = p(t.target);
      await mkdir(sub, { recursive: true });
      await writeFile(path.join(sub, 'bare.c'), BARE);
      if (!(await tryRun('clang-19', [`--target=${t.target}`, '-fPIC', '-c', '-o', 'bare.o', 'bare.c'], sub))) {
        ctx.skip(`clang-19 does not support --target=${t.target}`);
      }
      await run('ld.lld-19', ['-shared', '-soname', 'libdep.so.1', '-o', 'libdep.so', 'bare.o'], { cwd: sub });
      await run('ld.lld-19', ['--dynamic-linker', '/lib/ld-test.so.1', '-e', 'add1', '-o', 'exe', 'bare.o', 'libdep.so'], { cwd: sub });
      await run('ld.lld-19', ['-pie', '--no-dynamic-linker', '-e', 'add1', '-o', 'spie', 'bare.o'], { cwd: sub });

      const common = { class: t.class, endian: t.endian, machine: t.machine };
      expect(await inspectElf(path.join(sub, 'bare.o'))).toMatchObject({ ...common, type: 'rel' });
      expect(await inspectElf(path.join(sub, 'libdep.so'))).toMatchObject({
        ...common,
        type: 'dyn',
        soname: 'libdep.so.1',
        needed: [],
        isSharedLibrary: true,
        isStaticPie: false,
      });
      expect(await inspectElf(path.join(sub, 'exe'))).toMatchObject({
        ...common,
        interpreter: '/lib/ld-test.so.1',
        needed: ['libdep.so.1'],
        isSharedLibrary: false,
      });
      expect(await inspectElf(path.join(sub, 'spie'))).toMatchObject({ ...common, type: 'dyn', needed: [], isStaticPie: true });
    });
  }
});

describe.skipIf(!!needCc || !!needClang)(`checkStaticElves${needCc || needClang ? ` (skipped: ${needCc || needClang})` : ''}`, () => {
  it('reports one problem per violation, in input order, and skips what it should', async (ctx) => {
    for (const name of ['dyn', 'libfoo.so', 'libbare.so', 'host.o', 'aarch64.o', 'truncated']) requireBuilt(name);
    const root = p('root');
    await mkdir(path.join(root, 'usr/bin'), { recursive: true });
    await mkdir(path.join(root, 'usr/lib'), { recursive: true });
    const place = (from: string, to: string) => copyFile(p(from), path.join(root, to));
    await place('dyn', 'usr/bin/dyn');
    await place('libfoo.so', 'usr/lib/libfoo.so');
    await place('libbare.so', 'usr/lib/libbare.so');
    await place('host.o', 'usr/lib/crt1.o');
    await place('aarch64.o', 'usr/lib/crti.o');
    await place('truncated', 'usr/bin/broken');
    await place('text.txt', 'usr/bin/script');
    await symlink('dyn', path.join(root, 'usr/bin/link-to-dyn'));
    const files = ['usr/bin/dyn', 'usr/bin/script', 'usr/bin/link-to-dyn', 'usr/bin', 'usr/lib/libfoo.so', 'usr/lib/libbare.so', 'usr/lib/crt1.o', 'usr/lib/crti.o', 'usr/bin/broken'];
    if (built.has('static')) {
      await place('static', 'usr/bin/static');
      files.push('usr/bin/static');
    }
    if (built.has('static-pie')) {
      await place('static-pie', 'usr/bin/static-pie');
      files.push('usr/bin/static-pie');
    }

    const dynInfo = (await inspectElf(p('dyn')))!;
    const host = hostMachine!;
    const hostName = dynInfo.machineName;
    expect(await checkStaticElves(root, files, host)).toEqual([
      `usr/bin/dyn: requests a program interpreter (${dynInfo.interpreter})`,
      `usr/bin/dyn: needs shared libraries (${dynInfo.needed.join(', ')})`,
      `usr/lib/libfoo.so: needs shared libraries (libc.so.6)`,
      'usr/lib/libfoo.so: is a shared library',
      'usr/lib/libbare.so: is a shared library',
      `usr/lib/crti.o: built for aarch64, expected ${hostName}`,
      'usr/bin/broken: malformed ELF (truncated ELF header (20 of 64 bytes))',
    ]);

    // Wrong machine on an otherwise static binary.
    if (!built.has('static')) ctx.skip('cc -static does not work here');
    const other = host === EM.EM_AARCH64 ? EM.EM_X86_64 : EM.EM_AARCH64;
    expect(await checkStaticElves(root, ['usr/bin/static'], other)).toEqual([
      `usr/bin/static: built for ${hostName}, expected ${other === EM.EM_X86_64 ? 'x86_64' : 'aarch64'}`,
    ]);
  });

  it('handles thousands of files with bounded concurrency', async () => {
    requireBuilt('libbare.so');
    const root = p('many');
    await mkdir(root, { recursive: true });
    const files: string[] = [];
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 3000; i++) {
      const name = `f${i}`;
      files.push(name);
      writes.push(i % 1000 === 999 ? copyFile(p('libbare.so'), path.join(root, name)) : writeFile(path.join(root, name), `data ${i}\n`));
    }
    await Promise.all(writes);
    expect(await checkStaticElves(root, files, hostMachine!)).toEqual(['f999: is a shared library', 'f1999: is a shared library', 'f2999: is a shared library']);
  });
});
