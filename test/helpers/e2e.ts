/**
 * End-to-end tests share one build root that survives between runs (under
 * ROOTFS_ENGINE_TEST_CACHE, default /var/cache/rootfs-engine-test), so a warm CI
 * run reuses downloads and builds. That is safe because every node is keyed by
 * content: a change to a recipe, a source or the engine rebuilds what it affects.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect } from 'vitest';
import { runsNatively } from '../../sysroot/run-programs.ts';
import { inspectElf } from '../../sysroot/elf.ts';
import { deriveFlags } from '../../sysroot/flags.ts';
import { TARGETS, type TargetInfo } from '../../sysroot/targets.ts';
import { findHostToolchain } from '../../sysroot/toolchain.ts';
import { CLI, REPO, type CliResult } from './project.ts';

export const TEST_CACHE = process.env['ROOTFS_ENGINE_TEST_CACHE'] ?? path.join(os.tmpdir(), 'rootfs-engine-test-cache');
export const E2E_BUILD = path.join(TEST_CACHE, 'e2e-build');

/**
 * The stage-3 set CI builds (`run stage3 --packages ...`): the light part of the
 * whole set, so a cold CI run stays within its time. The heavy rest (libcxx, ninja,
 * cmake, openssl, curl, perl, python) is proven by `npm run test:world`.
 */
export const STAGE3_CI_PACKAGES = 'toybox,bash,zlib,xz,make,grep,m4,diffutils,bc,bison,flex,pkgconf,ncurses,libedit,libffi,mawk,pcre2,rsync';

export async function engine(args: readonly string[], cwd = REPO, timeout = 30 * 60_000): Promise<CliResult> {
  await fs.mkdir(E2E_BUILD, { recursive: true });
  const result = await execa(process.execPath, [CLI, '--build-dir', E2E_BUILD, ...args], { cwd, reject: false, timeout, stdin: 'ignore', env: { NO_COLOR: '1', XDG_CACHE_HOME: path.join(TEST_CACHE, 'xdg-cache') } });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Run a target binary: directly for x86_64, under Debian's qemu-user-static otherwise. */
export async function runTargetBinary(qemu: string | undefined, binary: string, args: readonly string[]): Promise<string> {
  const result = qemu ? await execa(qemu, [binary, ...args]) : await execa(binary, args);
  return String(result.stdout);
}

export interface Ran {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Run a program built for a target, never throwing: directly when the build
 * machine's CPU runs it (x86_64, and i386 on an x86_64 kernel), under Debian's
 * qemu-user-static otherwise (the package tests' smoke runs).
 */
export async function runIn(triple: string, program: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Ran> {
  const target = TARGETS[triple]!;
  const qemu = runsNatively(target) ? undefined : target.qemuUser;
  const result = qemu
    ? await execa(qemu, [program, ...args], { ...options, reject: false, stdin: 'ignore' })
    : await execa(program, args, { ...options, reject: false, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Its stdout, after asserting it exited 0 (stderr is the failure message). */
export async function expectOk(ran: Promise<Ran>): Promise<string> {
  const result = await ran;
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout;
}

export async function hasCommand(command: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${command}`], { reject: false })).exitCode === 0;
}

/** A file with every byte value, a few times over: hashing, encryption and download input. */
export const BYTE_PAYLOAD = Buffer.concat(Array.from({ length: 40 }, (_, i) => Buffer.from(Array.from({ length: 256 }, (_, b) => (b + i) & 0xff))));

/** The ELF check of an installed program: a static executable of the target's machine. */
export async function expectStaticElf(target: TargetInfo, file: string): Promise<void> {
  const elf = await inspectElf(file);
  expect(elf?.machine, file).toBe(target.elfMachine);
  expect(elf?.type, file).toBe('exec');
  expect(elf?.interpreter, file).toBeUndefined();
  expect(elf?.needed, file).toEqual([]);
}

/** Compile one C file into a static program with the place's flags and sysroot, and check it is one. */
export async function compileStatic(target: TargetInfo, out: string, source: string, libs: readonly string[]): Promise<string> {
  const toolchain = await findHostToolchain();
  const flags = deriveFlags({ target, sysroot: out, resourceDir: path.join(out, 'usr/lib/clang-resource', toolchain.major), buildType: 'Release', stage1: false });
  const program = source.replace(/\.c$/, '');
  await execa(path.join(toolchain.binDir, 'clang'), [...flags.cflags, source, '-o', program, ...flags.ldflags, ...libs]);
  await expectStaticElf(target, program);
  return program;
}

/**
 * A scratch directory for the tests of one describe block: made before any of them
 * runs (so a failed build never leaves a later step writing into the current
 * directory, the repository in a test run), handed to `ready`, removed after them.
 */
export function scratchDir(prefix: string, ready: (dir: string) => void | Promise<void>): void {
  let dir = '';
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    await ready(dir);
  });
  afterAll(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });
}
