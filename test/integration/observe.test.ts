import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execa } from 'execa';
import type { EngineEvent } from '../../engine/events.ts';
import { eventFromJsonLine } from '../../engine/progress/json.ts';
import type { ChromeTrace } from '../../engine/observe/trace.ts';
import { AnsiScreen } from '../helpers/ansi-screen.ts';
import { CLI, makeProject, type TestProject } from '../helpers/project.ts';
import { expectWellNested } from '../helpers/trace.ts';

const NODES = ['hello@host', 'libgreet@host', 'motd@host'];

function parseEvents(text: string): EngineEvent[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const event = eventFromJsonLine(line);
      if (!event) throw new Error(`not an event line: ${line}`);
      return event;
    });
}

describe('progress, trace and report of a real run (fixtures/basic)', () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await makeProject('basic');
  });
  afterAll(async () => {
    await project.remove();
  });

  it('NDJSON, plain and the terminal view report the same counts; the run is recorded', async () => {
    const json = await project.cli('run', 'all', '--progress', 'json', '-j', '2', '--trace', 'trace.json');
    expect(json.exitCode).toBe(0);
    const events = parseEvents(json.stdout);
    const end = events.at(-1)!;
    expect(end).toMatchObject({ type: 'run-end', ok: true, counts: { total: 3, built: 3, restored: 0, fresh: 0, failed: 0 } });
    expect(events.filter((e) => e.type === 'node-done').map((e) => (e as { id: string }).id).sort()).toEqual(NODES);
    // The build root keeps the same events (downloads aside) for `report` and `log --follow`.
    expect(parseEvents(await project.read('build/runs/last.ndjson'))).toEqual(events.filter((e) => e.type !== 'download-progress'));

    // --no-cache: after clean the artifact cache would restore the nodes, and this
    // test is about how builds are shown.
    await project.cli('clean');
    const plain = await project.cli('run', 'all', '--progress', 'plain', '-j', '2', '--no-cache');
    expect(plain.exitCode).toBe(0);
    const plainLines = plain.stdout.trim().split('\n');
    expect(plainLines.filter((l) => /^\[\d\/3\] done /.test(l))).toHaveLength(3);
    expect(plainLines.at(-1)).toMatch(/^Done in \d+\.\d s: 3 built, 0 up to date, 0 failed, 0 skipped$/);

    await project.cli('clean');
    const tty = await project.cli('run', 'all', '--progress', 'tty', '-j', '2', '--no-cache');
    expect(tty.exitCode).toBe(0);
    const screen = new AnsiScreen();
    screen.write(tty.stdout);
    expect(screen.violations).toEqual([]);
    const shown = screen.text();
    expect(shown.filter((l) => /^\[\d\/3\] done /.test(l))).toHaveLength(3);
    expect(shown.at(-1)).toMatch(/^Done in \d+\.\d s: 3 built, 0 up to date, 0 failed, 0 skipped$/);
    expect(tty.stdout).not.toMatch(/\x1b\[[0-9;]*m/); // the test helper sets NO_COLOR

    const quiet = await project.cli('run', 'all', '-q', '--progress', 'tty');
    expect(quiet.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^Done in .*: 0 built, 3 up to date/)]);
  });

  it('auto is the live view on a terminal (a pty from script(1)) and plain lines in a pipe', async () => {
    const command = `${process.execPath} ${CLI} run all -v`;
    // CI is set in CI, where auto would choose plain lines: this run is meant to look interactive.
    const pty = await execa('script', ['-qec', command, '/dev/null'], { cwd: project.dir, env: { CI: '', NO_COLOR: '1', TERM: 'xterm' }, reject: false });
    expect(pty.exitCode).toBe(0);
    expect(pty.stdout).toContain('\x1b[1A\r\x1b[2K');
    const screen = new AnsiScreen();
    screen.write(pty.stdout.replace(/\r\n/g, '\n'));
    expect(screen.text().at(-1)).toMatch(/^Done in .*: 0 built, 3 up to date/);
    const pipe = await project.cli('run', 'all');
    expect(pipe.stdout).not.toContain('\x1b[');
  });

  it('--trace writes the expected node slices with their phases nested', async () => {
    const trace = JSON.parse(await project.read('trace.json')) as ChromeTrace;
    expectWellNested(trace);
    const nodes = trace.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'node');
    expect(nodes.map((e) => e.name).sort()).toEqual(NODES);
    for (const node of nodes) {
      expect(node.tid === 1 || node.tid === 2).toBe(true);
      const phases = trace.traceEvents.filter((e) => e.cat === 'phase' && e.args?.['node'] === node.name).map((e) => e.name);
      expect(phases).toEqual(['build', 'install']);
    }
    // hello needs libgreet: its slice starts after libgreet's ends.
    const slice = (name: string) => nodes.find((n) => n.name === name)!;
    expect(slice('hello@host').ts!).toBeGreaterThanOrEqual(slice('libgreet@host').ts! + slice('libgreet@host').dur!);
    expect(trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args?.['name'])).toEqual(
      expect.arrayContaining(['slot 0', 'slot 1']),
    );
  });

  it('report writes a self-contained page with a bar per built node and the critical path', async () => {
    await project.cli('clean');
    expect((await project.cli('run', 'all', '-j', '2', '--no-cache')).exitCode).toBe(0);
    const report = await project.cli('report');
    expect(report.exitCode).toBe(0);
    expect(report.stdout.trim()).toBe(project.path('build/report.html'));
    const html = await project.read('build/report.html');
    for (const node of NODES) expect(html).toMatch(new RegExp(`<rect class="bar built[^"]*" data-node="${node}"`));
    // libgreet -> hello is the longest chain there is (motd runs beside it).
    expect(html).toMatch(/<rect class="bar built critical" data-node="hello@host" data-critical="true"/);
    expect(html).toMatch(/<rect class="bar built critical" data-node="libgreet@host" data-critical="true"/);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?https?:/i);
    const out = await project.cli('report', '--out', 'elsewhere/r.html');
    expect(out.stdout.trim()).toBe(project.path('elsewhere/r.html'));
    await fs.access(project.path('elsewhere/r.html'));
  });
});

describe('log and the failure summary', () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await makeProject();
    await project.write(
      'rootfs.config.ts',
      `import { defineConfig, defineRecipe } from 'rootfs-engine';
export default defineConfig({ recipes: [
  defineRecipe({ name: 'broken', version: '1', phases: { build: () => 'echo compiling broken', install: () => 'echo "error: no such file" >&2; exit 3' } }),
  // Waits (at most 60 s) for the test to create ./go beside the config before its second line.
  defineRecipe({ name: 'slow', version: '1', phases: { build: () => 'echo first line; for i in $(seq 600); do [ -e ${project.path('go')} ] && break; sleep 0.1; done; echo second line' } }),
] });
`,
    );
  });
  afterAll(async () => {
    await project.remove();
  });

  it('the failure summary names the log command, and it prints the failed log', async () => {
    const run = await project.cli('run', 'broken');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('The whole log: rootfs-engine log broken@host install');
    const log = await project.cli('log', 'broken@host', 'install');
    expect(log.exitCode).toBe(0);
    // (the test helper drops the final newline)
    expect(log.stdout).toBe('$ echo "error: no such file" >&2; exit 3\nerror: no such file');
    const all = await project.cli('log', 'broken');
    expect(all.stdout).toBe(
      `==> broken@host build (${project.path('build/log/host/broken/build.log')}) <==\n$ echo compiling broken\ncompiling broken\n` +
        `==> broken@host install (${project.path('build/log/host/broken/install.log')}) <==\n$ echo "error: no such file" >&2; exit 3\nerror: no such file`,
    );
    const report = await project.cli('report');
    const html = await project.read('build/report.html');
    expect(report.exitCode).toBe(0);
    expect(html).toContain('error: no such file');
    expect(html).toContain('rootfs-engine log broken@host install');
  });

  it('an unknown node is an error that suggests the closest name', async () => {
    const log = await project.cli('log', 'brokn');
    expect(log.exitCode).toBe(2);
    expect(log.stderr).toContain('Did you mean "broken@host"?');
    // A recipe of the config that has not run yet is not "unknown".
    const notYet = await project.cli('log', 'slow');
    expect(notYet.exitCode).toBe(1);
    expect(notYet.stderr).toContain(`slow@host has not run in ${project.path('build')} yet`);
    const phase = await project.cli('log', 'broken', 'compile');
    expect(phase.exitCode).toBe(2);
    expect(phase.stderr).toContain('Phases are prepare, configure, build, check, install');
  });

  it('--follow prints the log as it grows and stops when the node is done', async () => {
    const run = project.spawn(['run', 'slow']);
    // Wait for the node to start writing.
    for (let i = 0; i < 300; i += 1) {
      const text = await project.read('build/log/host/slow/build.log').catch(() => '');
      if (text.includes('first line')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const follow = project.spawn(['log', 'slow', '--follow']);
    // The node writes its second line only once the follower has shown the first: what
    // the follower prints after that, it printed by following the file.
    let seen = '';
    follow.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('first line\n')) void project.write('go', '');
    });
    const [result, followed] = await Promise.all([run, follow]);
    expect(result.exitCode).toBe(0);
    expect(followed.exitCode).toBe(0);
    expect(String(followed.stdout)).toBe(
      `==> slow@host build (${project.path('build/log/host/slow/build.log')}) <==\n$ echo first line; for i in $(seq 600); do [ -e ${project.path('go')} ] && break; sleep 0.1; done; echo second line\nfirst line\nsecond line`,
    );
  });
});

describe('download progress', () => {
  let project: TestProject;
  let server: http.Server;
  afterAll(async () => {
    server?.close();
    await project?.remove();
  });

  it('run reports a download as progress events and the fetched source', async () => {
    project = await makeProject();
    await fs.mkdir(project.path('pkg-1'));
    await fs.writeFile(project.path('pkg-1/data.bin'), randomBytes(3_000_000));
    await execa('tar', ['czf', 'pkg-1.tar.gz', 'pkg-1'], { cwd: project.dir });
    const tarball = await fs.readFile(project.path('pkg-1.tar.gz'));
    const sha256 = createHash('sha256').update(tarball).digest('hex');
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': tarball.length });
      res.end(tarball);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pkg-1.tar.gz`;
    await project.write(
      'rootfs.config.ts',
      `import { defineConfig, defineRecipe } from 'rootfs-engine';
export default defineConfig({ recipes: [
  defineRecipe({ name: 'pkg', version: '1', source: { urls: [${JSON.stringify(url)}], sha256: ${JSON.stringify(sha256)} },
    phases: { install: (ctx) => \`mkdir -p \${ctx.dirs.dest}/x && cp \${ctx.dirs.src}/data.bin \${ctx.dirs.dest}/x/\` } }),
] });
`,
    );
    const run = await project.cli('run', 'pkg', '--allow-http', '--progress', 'json');
    expect(run.exitCode, run.stderr).toBe(0);
    const events = parseEvents(run.stdout);
    const downloads = events.filter((e) => e.type === 'download-progress');
    expect(downloads.length).toBeGreaterThan(0);
    expect(downloads.at(-1)).toMatchObject({ file: 'pkg-1.tar.gz', received: tarball.length, total: tarball.length });
    expect(events.find((e) => e.type === 'source-fetched')).toMatchObject({ recipe: 'pkg', file: 'pkg-1.tar.gz', origin: 'url', from: url });
    // Downloads come before the build starts.
    expect(events.findIndex((e) => e.type === 'source-fetched')).toBeLessThan(events.findIndex((e) => e.type === 'run-start'));
  });
});
