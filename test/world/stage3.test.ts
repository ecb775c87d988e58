/**
 * The whole stage3 goal with the host toolchain profile (issue #7): make-rootfs's
 * stage-3 set, every package static, then used as a system: `shell stage3` runs each
 * program with the stage-3 tree as `/`, so perl finds its modules, python its
 * standard library and curl its CA bundle where a booted system has them, not in
 * the build root. Heavy (about two hours cold on two cores): `npm run test:world` only.
 *
 * Proves: `run stage3` builds; a second run does nothing; CI's smaller `--packages`
 * set is a subset with the same keys (nothing rebuilds); and inside the tree each
 * program does one real thing.
 */
import { describe, expect, it } from 'vitest';
import { E2E_BUILD, engine, STAGE3_CI_PACKAGES } from '../helpers/e2e.ts';
import { inspectElf } from '../../sysroot/elf.ts';
import path from 'node:path';

/** One line per check, `name=value`, so a failure shows which program said what. */
const SCRIPT = [
  'set -u',
  'echo "bash=${BASH_VERSION}"',
  "echo \"perl=$(perl -MDigest::SHA=sha256_hex -MList::Util=sum -e 'print sha256_hex(\"abc\"), \" \", sum(1..10)')\"",
  "echo \"python=$(python3 -c 'import ssl, zlib, hashlib, json, ctypes; print(ssl.OPENSSL_VERSION.split()[1], zlib.decompress(zlib.compress(b\"ok\")).decode(), hashlib.sha256(b\"abc\").hexdigest()[:8], json.dumps([1]))')\"",
  'echo "ssl-ca=$(python3 -c \'import ssl; print(len(ssl.create_default_context().get_ca_certs()) > 100)\')"',
  'echo "curl=$(curl -V | tr "\\n" " ")"',
  'echo "cmake=$(cmake --version | head -n 1)"',
  'echo "ninja=$(ninja --version)"',
  'echo "make=$(make --version | head -n 1)"',
  'printf "a\\nneedle\\nb\\n" > /tmp/hay && echo "grep=$(grep -n needle /tmp/hay)"',
  'echo "xz=$(printf stage3 | xz -9 | xz -dc)"',
  'echo "m4=$(printf "define(\\`X\\x27, 42)X\\n" | m4)"',
  'echo "bc=$(echo "2^64" | bc)"',
  'echo "mawk=$(echo "3 4" | mawk "{ print \\$1 * \\$2 }")"',
  'echo "bison=$(bison --version | head -n 1)"',
  'echo "flex=$(flex --version)"',
  'echo "gperf=$(gperf --version | head -n 1)"',
  'echo "pkgconf=$(pkg-config --modversion zlib) $(pkg-config --libs --static libcurl)"',
  'echo "rsync=$(rsync --version | head -n 1)"',
  'printf "x\\n" > /tmp/a && printf "y\\n" > /tmp/b && echo "diff=$(diff /tmp/a /tmp/b | tail -n 1)"',
  // meson runs on stage3's python and hands the build to stage3's ninja.
  'mkdir -p /tmp/proj && echo "project(\x27x\x27, version: \x2742\x27)" > /tmp/proj/meson.build',
  'echo "meson=$(meson --version) $(meson setup /tmp/proj/build /tmp/proj > /tmp/setup.log 2>&1 && ninja -C /tmp/proj/build > /dev/null && meson introspect --projectinfo /tmp/proj/build)"',
  'mkdir -p /tmp/arc/t && echo hi > /tmp/arc/t/f && cd /tmp/arc && bsdtar -cJf t.tar.xz t && rm -r t && bsdtar -xf t.tar.xz',
  'echo "bsdtar=$(cat /tmp/arc/t/f) $(bsdtar --version)"',
].join('\n');

describe('stage3, whole goal (host toolchain profile)', { timeout: 240 * 60_000 }, () => {
  it('builds the whole stage-3 set, then has nothing to do, and the CI set is part of it', async () => {
    const run = await engine(['run', 'stage3', '--toolchain', 'host'], undefined, 240 * 60_000);
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    const second = await engine(['run', 'stage3', '--toolchain', 'host']);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/0 built/);
    const light = await engine(['run', 'stage3', '--toolchain', 'host', '--packages', STAGE3_CI_PACKAGES]);
    expect(light.exitCode).toBe(0);
    expect(light.stdout).toMatch(/0 built/);
  });

  it('installs static programs', async () => {
    const bin = path.join(E2E_BUILD, 'out', 'stage3', 'usr', 'bin');
    for (const name of ['bash', 'perl', 'python3', 'curl', 'cmake', 'ninja', 'make', 'grep', 'xz', 'm4', 'bc', 'mawk', 'bison', 'flex', 'gperf', 'pkgconf', 'rsync', 'diff', 'openssl', 'bsdtar', 'bsdcpio', 'toybox']) {
      const elf = await inspectElf(path.join(bin, name));
      expect(elf?.machineName, name).toBe('x86_64');
      expect(elf?.interpreter, name).toBeUndefined();
      expect(elf?.needed, name).toEqual([]);
    }
  });

  it('each program does a real job with the stage-3 tree as /', async () => {
    const inside = await engine(['shell', 'stage3', '--', 'bash', '-c', SCRIPT]);
    expect(inside.exitCode, `${inside.stdout}\n${inside.stderr}`).toBe(0);
    const said = new Map(inside.stdout.split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    const out = inside.stdout;
    expect(said.get('bash'), out).toMatch(/^5\.2\.37/);
    expect(said.get('perl'), out).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 55');
    expect(said.get('python'), out).toBe('3.5.7 ok ba7816bf [1]');
    expect(said.get('ssl-ca'), out).toBe('True');
    expect(said.get('curl'), out).toMatch(/^curl 8\.14\.1 .*OpenSSL\/3\.5\.7.*Protocols:.*\bhttps\b.*Features:.*\bSSL\b/);
    expect(said.get('cmake'), out).toBe('cmake version 3.25.1');
    expect(said.get('ninja'), out).toBe('1.13.2');
    expect(said.get('make'), out).toBe('GNU Make 4.4.1');
    expect(said.get('grep'), out).toBe('2:needle');
    expect(said.get('xz'), out).toBe('stage3');
    expect(said.get('m4'), out).toBe('42');
    expect(said.get('bc'), out).toBe('18446744073709551616');
    expect(said.get('mawk'), out).toBe('12');
    expect(said.get('bison'), out).toMatch(/3\.8\.2$/);
    expect(said.get('flex'), out).toMatch(/2\.6\.4$/);
    expect(said.get('gperf'), out).toMatch(/3\.2\.1$/);
    expect(said.get('pkgconf'), out).toMatch(/^1\.3\.1 .*-lcurl\b.*-lssl\b.*-lcrypto\b.*-lz\b/);
    expect(said.get('rsync'), out).toMatch(/version 3\.2\.7/);
    expect(said.get('diff'), out).toBe('> y');
    expect(said.get('bsdtar')?.trimEnd(), out).toBe('hi bsdtar 3.7.4 - libarchive 3.7.4 zlib/1.3.1 liblzma/5.8.1');
    expect(said.get('meson'), out).toMatch(/^1\.0\.1 \{.*"version": "42".*\}$/);
  });
});
