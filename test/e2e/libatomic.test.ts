/**
 * libatomic for i386 (packages/libatomic.ts): a 64-bit atomic on a value the i386
 * ABI aligns to 4 bytes is a call to an `__atomic_*` routine, which no library of the
 * sysroot had; with the recipe's libatomic.a the program links statically and its
 * threads count right.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from '../../sysroot/targets.ts';
import { compileStatic, E2E_BUILD, engine, expectOk, runIn } from '../helpers/e2e.ts';

const TRIPLE = 'i386-linux-musl';

/** Four threads add to a uint64_t inside a struct, where i386 gives it 4-byte alignment. */
const PROGRAM = String.raw`
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

static struct { uint32_t pad; uint64_t count; } shared;

static void *add(void *unused) {
  (void)unused;
  for (int i = 0; i < 100000; i++) __atomic_fetch_add(&shared.count, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

int main(void) {
  pthread_t threads[4];
  __atomic_store_n(&shared.count, UINT64_C(1) << 40, __ATOMIC_SEQ_CST);
  for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, add, NULL);
  for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
  printf("%llu %zu\n", (unsigned long long)__atomic_load_n(&shared.count, __ATOMIC_SEQ_CST), _Alignof(uint64_t));
  return 0;
}
`;

describe('libatomic for i386', { timeout: 30 * 60_000 }, () => {
  let work = '';
  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'libatomic-'));
  });
  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('builds libatomic.a, and a program of 64-bit atomics links with it and counts right', async () => {
    const run = await engine(['run', 'libatomic', '--target', TRIPLE, '--toolchain', 'host']);
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    const out = path.join(E2E_BUILD, 'out', TRIPLE);
    await fs.access(path.join(out, 'usr/lib/libatomic.a'));
    const source = path.join(work, 'count.c');
    await fs.writeFile(source, PROGRAM);
    const target = TARGETS[TRIPLE]!;
    // Without it the link fails: the calls are real, not something clang inlines.
    await expect(compileStatic(target, out, source, [])).rejects.toThrow(/undefined symbol: __atomic_/);
    const program = await compileStatic(target, out, source, ['-lpthread', '-latomic']);
    // 2^40 + 4 x 100000; uint64_t aligned to 4 bytes, as the i386 ABI has it.
    expect((await expectOk(runIn(TRIPLE, program, []))).trim()).toBe(`${2 ** 40 + 400000} 4`);
  });
});
