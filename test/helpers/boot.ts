/**
 * Booting a test image under qemu (boot.test.ts, kernel.test.ts): a project whose
 * image carries a test-only finit service (fixtures/boot-test: a finit.d entry and
 * its script), and the check of what that service prints on the console before it
 * powers the machine off through finit.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import { E2E_BUILD, TEST_CACHE } from './e2e.ts';
import { CLI, makeProject, REPO, type CliResult, type TestProject } from './project.ts';

/** The image recipe of the boot tests. */
export const BOOT_TEST_IMAGE = 'rootfs-boottest';

/** What `uname -m` says in each target's guest. */
export const UNAME: Readonly<Record<string, string>> = {
  'x86_64-linux-musl': 'x86_64',
  'aarch64-linux-musl': 'aarch64',
  'i386-linux-musl': 'i686',
  'armv7-linux-musleabihf': 'armv7l',
};

/** A project whose config adds the boot-test image (our etc/ plus the test's finit service). */
export async function makeBootTestProject(): Promise<TestProject> {
  const project = await makeProject();
  await fs.cp(path.join(REPO, 'packages/files/rootfs/etc'), project.path('etc'), { recursive: true });
  await fs.cp(path.join(REPO, 'fixtures/boot-test/boot-test.conf'), project.path('etc/finit.d/boot-test.conf'));
  await fs.cp(path.join(REPO, 'fixtures/boot-test/boot-test.sh'), project.path('etc/boot-test.sh'));
  await project.write(
    'rootfs.config.ts',
    `import { defineConfig } from 'rootfs-engine';
import { allRecipes, bootCommand, rootfsGoals, rootfsImage, rootfsOptions, rootfsPlaces } from 'rootfs-engine/packages';
const image = rootfsImage({ name: '${BOOT_TEST_IMAGE}', skeleton: '${project.path('etc')}' });
export default defineConfig({ recipes: [...allRecipes, image], places: rootfsPlaces(), goals: rootfsGoals(), options: rootfsOptions(), commands: { boot: bootCommand() } });
`,
  );
  return project;
}

const MARKER = 'BOOT-MARKER';

/**
 * `rootfs-engine boot` with its console streamed, so the moment the test service's
 * marker appears is known: killed after `timeout` ms like any engine run.
 */
async function bootWatchingMarker(args: readonly string[], cwd: string, timeout: number): Promise<CliResult & { markerSeconds: number | undefined }> {
  await fs.mkdir(E2E_BUILD, { recursive: true });
  const started = Date.now();
  let markerSeconds: number | undefined;
  let seen = '';
  const run = execa(process.execPath, [CLI, '--build-dir', E2E_BUILD, ...args], { cwd, reject: false, timeout, stdin: 'ignore', env: { NO_COLOR: '1', XDG_CACHE_HOME: path.join(TEST_CACHE, 'xdg-cache') } });
  run.stdout?.on('data', (chunk: Buffer) => {
    if (markerSeconds !== undefined) return;
    // Keep a tail long enough for a marker split across two chunks.
    seen = (seen + chunk.toString('latin1')).slice(-4096);
    if (seen.includes(MARKER)) markerSeconds = (Date.now() - started) / 1000;
  });
  const result = await run;
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), markerSeconds };
}

/**
 * Boots one image and checks what the test service reports: finit is PID 1 (the
 * executable of /proc/1 and `initctl runlevel`), bash and toybox work, and the
 * machine powered off (qemu exited 0). Prints the time to the marker and to power-off.
 */
export async function bootAndCheck(project: TestProject, triple: string, format: 'cpio' | 'ext4', extraArgs: readonly string[] = []): Promise<string> {
  const started = Date.now();
  const boot = await bootWatchingMarker(['boot', '--target', triple, '--rootfs', BOOT_TEST_IMAGE, '--image', format, ...extraArgs], project.dir, 240_000);
  const console = `${boot.stdout}\n${boot.stderr}`;
  const kernel = extraArgs.includes('--kernel') ? ` --kernel ${extraArgs[extraArgs.indexOf('--kernel') + 1]}` : '';
  const marker = boot.markerSeconds === undefined ? 'no marker' : `${boot.markerSeconds.toFixed(1)} s to the marker`;
  process.stdout.write(`boot ${triple} (${format}${kernel}): ${marker}, ${((Date.now() - started) / 1000).toFixed(1)} s to power-off\n`);
  expect(boot.exitCode, console).toBe(0);
  // finit names itself "init" in /proc/1/comm; its executable is what says it is finit.
  expect(console).toContain(`${MARKER} arch=${UNAME[triple]} init=/usr/bin/finit`);
  expect(console).toMatch(/FINIT-OK runlevel=[NS] 2 task=[1-9]/);
  // finit mounted what /etc/fstab lists without an error (its [FAIL] shows on the console).
  expect(console).toMatch(/Mounting filesystems from \/etc\/fstab/);
  expect(console).not.toMatch(/Mounting filesystems from \/etc\/fstab[^\n]*FAIL/);
  expect(console).toContain('BASH-OK 3 5.2.37');
  expect(console).toContain('TOYBOX-OK 3 x /etc/passwd');
  return console;
}

/**
 * Boots the default `rootfs` image and drives its console like a user: Enter at
 * finit's "Please press Enter", a command at the shell prompt, then toybox's
 * `poweroff` (a signal to finit, which shuts down in order). Returns the console
 * and qemu's exit code; killed after `timeout` ms.
 */
export async function bootInteractively(cwd: string, triple: string, command: string, timeout = 240_000): Promise<{ exitCode: number; console: string }> {
  const run = execa(process.execPath, [CLI, '--build-dir', E2E_BUILD, 'boot', '--target', triple, '--image', 'cpio'], { cwd, reject: false, timeout, stdin: 'pipe', env: { NO_COLOR: '1', XDG_CACHE_HOME: path.join(TEST_CACHE, 'xdg-cache') } });
  let seen = '';
  let step: 'enter' | 'command' | 'poweroff' | 'done' = 'enter';
  run.stdout?.on('data', (chunk: Buffer) => {
    seen += chunk.toString('latin1');
    if (step === 'enter' && seen.includes('Please press Enter to activate this console.')) {
      step = 'command';
      run.stdin?.write('\r');
    } else if (step === 'command' && /# $/.test(seen)) {
      step = 'poweroff';
      run.stdin?.write(`${command}\r`);
    } else if (step === 'poweroff' && /\n# $/.test(seen.slice(seen.lastIndexOf(command)))) {
      step = 'done';
      run.stdin?.write('poweroff\r');
    }
  });
  const result = await run;
  return { exitCode: result.exitCode ?? -1, console: `${String(result.stdout)}\n${String(result.stderr)}` };
}
