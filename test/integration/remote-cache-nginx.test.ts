/**
 * The remote cache against a real WebDAV server: Debian's nginx (installed by
 * .ci/setup-debian.sh) started on 127.0.0.1 with `dav_methods PUT`. Outside CI the
 * test is skipped when there is no nginx; in CI a missing nginx fails it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { builtNodes, makeProject, restoredNodes, snapshotTree, type TestProject } from '../helpers/project.ts';

async function findNginx(): Promise<string | undefined> {
  for (const dir of [...(process.env['PATH'] ?? '').split(':'), '/usr/sbin', '/sbin']) {
    const candidate = path.join(dir, 'nginx');
    if (await fs.access(candidate, fs.constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const nginx = await findNginx();
const required = process.env['CI'] === 'true';

describe.skipIf(!nginx && !required)('the remote cache on nginx with WebDAV', () => {
  let dir = '';
  let url = '';
  let server: ResultPromise | undefined;
  const projects: TestProject[] = [];

  beforeAll(async () => {
    if (!nginx) throw new Error('nginx is not installed: run .ci/setup-debian.sh (it installs Debian\'s nginx for this test)');
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-nginx-'));
    await fs.mkdir(path.join(dir, 'data', 'cache'), { recursive: true });
    await fs.chmod(path.join(dir, 'data', 'cache'), 0o777);
    const port = await freePort();
    const temp = (name: string): string => `${name}_temp_path ${path.join(dir, name)};`;
    await fs.writeFile(
      path.join(dir, 'nginx.conf'),
      `${process.getuid?.() === 0 ? 'user root root;' : ''}
worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')};
events { worker_connections 64; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  server {
    listen 127.0.0.1:${port};
    location /cache/ {
      root ${path.join(dir, 'data')};
      dav_methods PUT;
      create_full_put_path on;
      client_max_body_size 0;
    }
  }
}
`,
    );
    server = execa(nginx, ['-e', path.join(dir, 'error.log'), '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { reject: false, stdin: 'ignore' });
    url = `http://127.0.0.1:${port}/cache`;
    for (let i = 0; i < 100; i += 1) {
      const up = await fetch(`${url}/ac/none`).then(() => true, () => false);
      if (up) break;
      if (server.exitCode !== null && server.exitCode !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const probe = await fetch(`${url}/ac/none`).catch((error: Error) => error);
    if (probe instanceof Error) throw new Error(`nginx did not start: ${await fs.readFile(path.join(dir, 'error.log'), 'utf8').catch(() => probe.message)}`);
  });

  afterAll(async () => {
    server?.kill('SIGTERM');
    await server;
    for (const project of projects) await project.remove();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const project = async (): Promise<TestProject> => {
    const made = await makeProject('basic');
    projects.push(made);
    return made;
  };

  it('shares builds between two build roots and rejects a tampered blob', async () => {
    const first = await project();
    const built = await first.cli('--cache-url', url, 'run', 'all');
    expect(built.exitCode, built.stderr).toBe(0);
    expect(built.stderr).toBe('');
    const stored = await fs.readdir(path.join(dir, 'data', 'cache', 'cas'));
    expect(stored).toHaveLength(4);

    const second = await project();
    const restored = await second.cli('--cache-url', url, 'run', 'all');
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(restoredNodes(restored.stdout, 'remote')).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
    expect(await snapshotTree(second.path('build/out'))).toEqual(await snapshotTree(first.path('build/out')));

    // Someone with access to the server's disk replaces a blob.
    for (const sha of stored) await fs.writeFile(path.join(dir, 'data', 'cache', 'cas', sha), 'tampered\n');
    const third = await project();
    const run = await third.cli('--cache-url', url, '--cache-read-only', 'run', 'all');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/sent wrong bytes for a file of/);
    expect(restoredNodes(run.stdout, 'remote')).toEqual([]);
    expect(builtNodes(run.stdout)).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
    expect(await snapshotTree(third.path('build/out'))).toEqual(await snapshotTree(first.path('build/out')));
  });
});
