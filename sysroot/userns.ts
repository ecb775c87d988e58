/**
 * Whether unprivileged user namespaces work on this host: stage 4 rebuilds the
 * system inside the stage3 tree as `/` with user and mount namespaces, never sudo.
 * As root, `unshare -Ur` works whatever the sysctls say, so the sysctls are read
 * first and the try runs as `nobody` through setpriv.
 */
import { promises as fs } from 'node:fs';
import { execa } from 'execa';

async function readSysctl(file: string): Promise<string | undefined> {
  return (await fs.readFile(file, 'utf8').catch(() => undefined))?.trim();
}

export async function probeUserNamespaces(): Promise<{ ok: boolean; detail: string }> {
  const clone = await readSysctl('/proc/sys/kernel/unprivileged_userns_clone');
  if (clone === '0') return { ok: false, detail: 'kernel.unprivileged_userns_clone is 0' };
  const max = await readSysctl('/proc/sys/user/max_user_namespaces');
  if (max === '0') return { ok: false, detail: 'user.max_user_namespaces is 0' };
  const asRoot = process.getuid?.() === 0;
  const argv = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'unshare', '-Ur', 'true'] : ['unshare', '-Ur', 'true'];
  const result = await execa(argv[0]!, argv.slice(1), { reject: false, stdin: 'ignore', timeout: 10_000 });
  if (result.exitCode === 0) return { ok: true, detail: `\`${argv.join(' ')}\` works` };
  const why = String(result.stderr || result.message || '').trim().split('\n')[0] ?? '';
  return { ok: false, detail: `\`${argv.join(' ')}\` failed: ${why.slice(0, 160)}` };
}
