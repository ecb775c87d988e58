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
import { expect } from 'vitest';
import { runsNatively } from '../../sysroot/run-programs.ts';
import { TARGETS } from '../../sysroot/targets.ts';
import { CLI, REPO, type CliResult } from './project.ts';

export const TEST_CACHE = process.env['ROOTFS_ENGINE_TEST_CACHE'] ?? path.join(os.tmpdir(), 'rootfs-engine-test-cache');
export const E2E_BUILD = path.join(TEST_CACHE, 'e2e-build');

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
