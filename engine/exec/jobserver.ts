/**
 * The engine as a GNU make jobserver (the server side). One pool of `jobs` tokens
 * backs every node and every make/ninja/cargo under it, so the number of running
 * jobs never exceeds --jobs whichever nodes run at once.
 *
 * The pool is a named pipe (make 4.4's `--jobserver-auth=fifo:PATH`). The same
 * pipe, opened once more, is also inherited by every command as fds 3 and 4 for
 * older clients that only know `--jobserver-auth=R,W` (Debian 12's make 4.3):
 * both forms reach the same bytes, so there is one pool.
 *
 * Accounting, as in make: every node that runs commands holds one token. The first
 * running node uses the engine's implicit token (nothing in the pipe); every other
 * one reads a byte from the pipe before it starts. A client (make) has its own
 * implicit slot, which is the node's token, and reads a byte per extra job. So the
 * pipe starts with `jobs - 1` bytes and `running nodes + extra client jobs <= jobs`.
 * When the node holding the implicit token ends while others run, its token goes
 * into the pipe, so the clients of the remaining nodes can use every slot.
 *
 * Tokens a killed or crashed client took with it are lost from the pipe. The
 * engine cannot tell which node's processes hold which byte, but it knows that
 * when no node is running (every process group reaped) the pipe must hold exactly
 * `jobs - 1` bytes: then it drains and refills it. A lost token therefore makes the
 * run less parallel until the running nodes finish, never more parallel.
 */
import { closeSync, constants as fsConstants, openSync, read as readCallback, readSync, rmSync, writeSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { execaSync } from 'execa';

/** Fds at which every command inherits the pipe (read end, write end). */
export const JOBSERVER_FDS = [3, 4] as const;

const TOKEN = Buffer.from('+');

export type JobserverToken = { readonly implicit: boolean };

interface Waiter {
  resolve: (token: JobserverToken | undefined) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

export interface JobserverStats {
  /** Tokens put back by resets (lost by killed clients), over the whole run. */
  recovered: number;
  /** Tokens found in excess by resets (a client wrote back more than it read). */
  removed: number;
}

export class Jobserver {
  /** The fd the engine reads tokens from (blocking, read in the thread pool). */
  private readonly readFd: number;
  /** Non-blocking view of the pipe, for draining it. */
  private readonly drainFd: number;
  /** The fd handed to commands (as both R and W). A separate open file description, so a client changing its flags cannot change ours. */
  readonly childFd: number;
  private implicitFree = true;
  private held = 0;
  private readPending = false;
  private closed = false;
  private readonly waiters: Waiter[] = [];
  readonly stats: JobserverStats = { recovered: 0, removed: 0 };

  private constructor(
    readonly jobs: number,
    readonly fifoPath: string,
    private readonly dir: string,
  ) {
    this.readFd = openSync(fifoPath, fsConstants.O_RDWR);
    this.drainFd = openSync(fifoPath, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    this.childFd = openSync(fifoPath, fsConstants.O_RDWR);
    this.fill(jobs - 1);
    // The emergency exit (a second Ctrl-C) never reaches close(): remove the fifo anyway.
    process.on('exit', this.removeDir);
  }

  private readonly removeDir = (): void => {
    rmSync(this.dir, { recursive: true, force: true });
  };

  /** Create the pool under `parentDir` (a private temp dir holding the fifo). */
  static create(parentDir: string, jobs: number): Jobserver {
    if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`internal: jobserver needs at least one job, not ${jobs}`);
    const dir = mkdtempSync(path.join(parentDir, 'jobserver-'));
    const fifoPath = path.join(dir, 'fifo');
    execaSync('mkfifo', ['-m', '600', fifoPath]);
    return new Jobserver(jobs, fifoPath, dir);
  }

  /**
   * MAKEFLAGS for commands. Clients take the last --jobserver-auth they see: make
   * 4.3 stops on a `fifo:` value, ninja 1.13 rejects `R,W`; so the pipe form is
   * added (last) only where an old make is on PATH.
   */
  makeflags(withPipeForm: boolean): string {
    const fifo = `--jobserver-auth=fifo:${this.fifoPath}`;
    const pipe = `--jobserver-auth=${JOBSERVER_FDS[0]},${JOBSERVER_FDS[1]}`;
    return ` -j${this.jobs} ${withPipeForm ? `${fifo} ${pipe}` : fifo}`;
  }

  /** Tokens the engine holds for running nodes (implicit included). */
  get heldByNodes(): number {
    return this.held;
  }

  /**
   * A token for one node. Resolves undefined when `signal` aborts first.
   * Reads from the pipe compete fairly with clients blocked on it: both are
   * woken by the kernel when a byte arrives.
   */
  acquire(signal: AbortSignal): Promise<JobserverToken | undefined> {
    if (this.closed || signal.aborted) return Promise.resolve(undefined);
    if (this.implicitFree) {
      this.implicitFree = false;
      this.held += 1;
      return Promise.resolve({ implicit: true });
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        signal,
        onAbort: () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          resolve(undefined);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      this.readOne();
    });
  }

  release(token: JobserverToken): void {
    this.held -= 1;
    if (token.implicit) {
      const waiter = this.waiters.shift();
      if (waiter) {
        this.held += 1;
        this.hand(waiter, token);
      } else if (this.held > 0 && !this.closed) {
        // Other nodes still run: their clients may use it, so it goes into the pipe
        // (the pool stays `jobs`); reset() turns it back into the implicit token.
        writeSync(this.readFd, TOKEN);
      } else {
        this.implicitFree = true;
      }
    } else if (!this.closed) {
      writeSync(this.readFd, TOKEN);
    }
    if (this.held === 0) this.reset();
  }

  /**
   * With no node running no client can hold a token, so the pipe must hold
   * exactly `jobs - 1`: put back what killed clients took, drop extras.
   * Skipped while a read of ours is in flight (its byte is not counted yet).
   */
  reset(): void {
    if (this.closed || this.held !== 0 || this.readPending) return;
    const found = this.drain();
    const want = this.jobs - 1;
    if (found < want) this.stats.recovered += want - found;
    if (found > want) this.stats.removed += found - want;
    this.fill(want);
    this.implicitFree = true;
  }

  /** Bytes now in the pipe (drained and written back). For tests and diagnostics. */
  available(): number {
    const count = this.drain();
    this.fill(count);
    return count;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) this.hand(waiter, undefined);
    // A read blocked in the thread pool would keep the process alive: give it a byte.
    if (this.readPending) writeSync(this.childFd, TOKEN);
    for (const fd of [this.childFd, this.drainFd]) closeSync(fd);
    const closeRead = (): void => {
      closeSync(this.readFd);
      this.removeDir();
      process.off('exit', this.removeDir);
    };
    if (this.readPending) this.onReadSettled = closeRead;
    else closeRead();
  }

  private onReadSettled: (() => void) | undefined;

  private hand(waiter: Waiter, token: JobserverToken | undefined): void {
    waiter.signal.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(token);
  }

  /** One blocking read at a time, only while someone waits. */
  private readOne(): void {
    if (this.readPending || this.closed || this.waiters.length === 0) return;
    this.readPending = true;
    const buffer = Buffer.alloc(1);
    readCallback(this.readFd, buffer, 0, 1, null, (error, bytes) => {
      this.readPending = false;
      if (this.onReadSettled) {
        this.onReadSettled();
        return;
      }
      if (error || bytes !== 1) {
        // Not expected on a fifo we hold open for writing; retry shortly rather than spin.
        setTimeout(() => this.readOne(), 50).unref();
        return;
      }
      const waiter = this.waiters.shift();
      if (waiter) {
        this.held += 1;
        this.hand(waiter, { implicit: false });
      } else {
        writeSync(this.readFd, TOKEN);
        if (this.held === 0) this.reset();
      }
      this.readOne();
    });
  }

  private drain(): number {
    const buffer = Buffer.alloc(256);
    let count = 0;
    for (;;) {
      let bytes: number;
      try {
        bytes = readSync(this.drainFd, buffer, 0, buffer.length, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw error;
      }
      if (bytes <= 0) break;
      count += bytes;
    }
    return count;
  }

  private fill(count: number): void {
    if (count > 0) writeSync(this.readFd, Buffer.alloc(count, TOKEN[0]));
  }
}

const makeVersions = new Map<string, boolean>();

/**
 * Whether the `make` first on `searchPath` is older than 4.4 (no fifo jobserver),
 * so MAKEFLAGS needs the `R,W` form. No make on PATH: false. Cached per PATH.
 */
export function makeNeedsPipeForm(searchPath: string): boolean {
  const cached = makeVersions.get(searchPath);
  if (cached !== undefined) return cached;
  let result = false;
  try {
    const { stdout } = execaSync('make', ['--version'], { env: { PATH: searchPath }, extendEnv: false, reject: false, stdin: 'ignore' });
    const match = /GNU Make (\d+)\.(\d+)/.exec(stdout);
    if (match) result = Number(match[1]) < 4 || (Number(match[1]) === 4 && Number(match[2]) < 4);
  } catch {
    result = false;
  }
  makeVersions.set(searchPath, result);
  return result;
}

