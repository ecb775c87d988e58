import { afterEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Jobserver, JOBSERVER_FDS, makeNeedsPipeForm } from '../../engine/exec/jobserver.ts';
import { withFifoJobserver, withJobserverSlots } from '../../engine/exec/jobserver-slots.ts';

/**
 * A fake client speaking the protocol over the fifo path (make 4.4 style): takes
 * `take` tokens, then either writes them back or exits without (a crash).
 */
function fifoClient(fifo: string, take: number, giveBack: boolean): Promise<unknown> {
  const script = `
    const fs = require('node:fs');
    const fd = fs.openSync(${JSON.stringify(fifo)}, fs.constants.O_RDWR);
    const b = Buffer.alloc(1);
    let got = 0;
    while (got < ${take}) got += fs.readSync(fd, b, 0, 1, null);
    if (${giveBack}) fs.writeSync(fd, Buffer.alloc(got, 43));
    process.stdout.write(String(got));`;
  return execa(process.execPath, ['-e', script]);
}

describe('jobserver', () => {
  const servers: Jobserver[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });
  const create = (jobs: number): Jobserver => {
    const server = Jobserver.create(os.tmpdir(), jobs);
    servers.push(server);
    return server;
  };

  it('starts with jobs - 1 tokens in the pipe; the first node takes the implicit one', async () => {
    const server = create(3);
    expect(server.available()).toBe(2);
    const signal = new AbortController().signal;
    const first = await server.acquire(signal);
    expect(first).toEqual({ implicit: true });
    expect(server.available()).toBe(2);
    const second = await server.acquire(signal);
    expect(second).toEqual({ implicit: false });
    expect(server.available()).toBe(1);
    server.release(second!);
    server.release(first!);
    expect(server.available()).toBe(2);
  });

  it('makes a node wait while clients hold every token, and hands it one when a client gives it back', async () => {
    const server = create(2);
    const signal = new AbortController().signal;
    const node = await server.acquire(signal);
    // A client of the running node takes the only byte and holds it for a while.
    const client = execa('/bin/sh', ['-c', `dd bs=1 count=1 <&3 2>/dev/null >/dev/null; sleep 0.5; printf + >&4`], {
      stdio: ['ignore', 'pipe', 'pipe', server.childFd, server.childFd] as never,
    });
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const second = await server.acquire(signal);
    expect(second).toEqual({ implicit: false });
    expect(Date.now() - started).toBeGreaterThan(150);
    await client;
    server.release(second!);
    server.release(node!);
    expect(server.available()).toBe(1);
  });

  it('serves fifo clients and fd clients from one pool', async () => {
    const server = create(4);
    const fifoTaker = await fifoClient(server.fifoPath, 3, true);
    expect(String((fifoTaker as { stdout: string }).stdout)).toBe('3');
    const { stdout } = await execa('/bin/sh', ['-c', `n=0; while dd bs=1 count=1 iflag=nonblock <&3 2>/dev/null | grep -q +; do n=$((n+1)); done; echo $n`], {
      stdio: ['ignore', 'pipe', 'pipe', server.childFd, server.childFd] as never,
    });
    // The fd client drained the same 3 bytes the fifo client had put back.
    expect(String(stdout).trim()).toBe('3');
    expect(server.available()).toBe(0);
  });

  it('recovers tokens a crashed client took once no node runs', async () => {
    const server = create(3);
    const signal = new AbortController().signal;
    const node = await server.acquire(signal);
    await fifoClient(server.fifoPath, 2, false);
    expect(server.available()).toBe(0);
    server.release(node!);
    expect(server.available()).toBe(2);
    expect(server.stats.recovered).toBe(2);
    // Full parallelism again: two more nodes run at once.
    const a = await server.acquire(signal);
    const b = await server.acquire(signal);
    expect([a?.implicit, b?.implicit]).toEqual([true, false]);
    server.release(a!);
    server.release(b!);
  });

  it('lets the clients of the remaining nodes use the token of a node that ended first', async () => {
    const server = create(2);
    const signal = new AbortController().signal;
    const first = await server.acquire(signal);
    const second = await server.acquire(signal);
    expect(server.available()).toBe(0);
    server.release(first!);
    expect(server.available()).toBe(1);
    server.release(second!);
    expect(server.available()).toBe(1);
    expect(await server.acquire(signal)).toEqual({ implicit: true });
  });

  it('gives up a wait when the run is cancelled', async () => {
    const server = create(1);
    const controller = new AbortController();
    const node = await server.acquire(controller.signal);
    const waiting = server.acquire(controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect(await waiting).toBeUndefined();
    server.release(node!);
    expect(server.available()).toBe(0);
  });

  it('puts the pipe form last in MAKEFLAGS only for an old make', async () => {
    const server = create(2);
    expect(server.makeflags(false)).toBe(` -j2 --jobserver-auth=fifo:${server.fifoPath}`);
    expect(server.makeflags(true)).toBe(` -j2 --jobserver-auth=fifo:${server.fifoPath} --jobserver-auth=${JOBSERVER_FDS[0]},${JOBSERVER_FDS[1]}`);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fake-make-'));
    try {
      for (const [version, old] of [['4.3', true], ['4.4.1', false]] as const) {
        const bin = path.join(dir, version);
        await fs.mkdir(bin);
        await fs.writeFile(path.join(bin, 'make'), `#!/bin/sh\necho "GNU Make ${version}"\n`, { mode: 0o755 });
        expect(makeNeedsPipeForm(`${bin}:/usr/bin:/bin`)).toBe(old);
      }
      expect(makeNeedsPipeForm(path.join(dir, 'nothing-here'))).toBe(false);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('runs a tool that is no client (ninja < 1.13) with -j of the tokens it could take, and gives them back', async () => {
    const server = create(3);
    const signal = new AbortController().signal;
    const node = await server.acquire(signal);
    const command = withJobserverSlots((jobs) => `echo "-j${jobs}"; exit 7`);
    const run = (env: Record<string, string>) =>
      execa('/bin/sh', ['-c', command], { env, extendEnv: false, reject: false, stdio: ['ignore', 'pipe', 'pipe', server.childFd, server.childFd] as never });
    const full = await run({ MAKEFLAGS: server.makeflags(true), PATH: '/usr/bin:/bin' });
    expect(String(full.stdout)).toBe('-j3');
    expect(full.exitCode).toBe(7);
    expect(server.available()).toBe(2);
    // Another node holds one token: only one is left to take.
    const other = await server.acquire(signal);
    expect(String((await run({ MAKEFLAGS: server.makeflags(false), PATH: '/usr/bin:/bin' })).stdout)).toBe('-j2');
    expect(server.available()).toBe(1);
    expect(String((await run({ PATH: '/usr/bin:/bin' })).stdout)).toBe('-j1');
    expect(String((await run({ MAKEFLAGS: '-j4', PATH: '/usr/bin:/bin' })).stdout)).toBe('-j4');
    expect(server.available()).toBe(1);
    server.release(other!);
    server.release(node!);
  });

  it('gives a fifo client (ninja >= 1.13) MAKEFLAGS without the pipe form it would take last and refuse', async () => {
    const server = create(2);
    const command = withFifoJobserver('printf "[%s]" "$MAKEFLAGS"; exit 3');
    const run = (makeflags: string | undefined) =>
      execa('/bin/sh', ['-c', command], { env: { PATH: '/usr/bin:/bin', ...(makeflags === undefined ? {} : { MAKEFLAGS: makeflags }) }, extendEnv: false, reject: false });
    const both = await run(server.makeflags(true));
    expect(both.exitCode).toBe(3);
    expect(String(both.stdout)).toBe(`[${server.makeflags(false)}]`);
    expect(String(both.stdout)).toMatch(/^\[ -j2 --jobserver-auth=fifo:\S+\]$/);
    expect(String((await run('-j4')).stdout)).toBe('[-j4]');
    expect(String((await run(undefined)).stdout)).toBe('[]');
  });
});
