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

export async function hasCommand(command: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${command}`], { reject: false })).exitCode === 0;
}
