/**
 * Issue #7's TLS set (openssl, curl, expat, wget, git) with the host toolchain
 * profile: each builds static for all four targets, every program it installs
 * passes the ELF check, and each does real work on the host (x86_64, i386) and
 * under qemu-user (aarch64, armv7): openssl hashes and encrypts a file with
 * known results and makes the certificate of a local HTTPS server that curl, wget
 * and git then fetch from and openssl s_client shakes hands with (with that
 * certificate as their only CA); expat parses
 * XML in xmlwf and in a small static program linked against libexpat.a.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { BYTE_PAYLOAD as PAYLOAD, E2E_BUILD, engine, expectOk, expectStaticElf, runIn, scratchDir } from '../helpers/e2e.ts';
import { serveFiles, type LocalFileServer } from '../helpers/file-server.ts';
import { checkExpat, checkPlace } from '../helpers/package-checks.ts';
import { inspectElf } from '../../sysroot/elf.ts';
import { TARGETS } from '../../sysroot/targets.ts';

const SET = ['openssl', 'curl', 'expat', 'wget', 'git'] as const;
// i386 runs on the host's kernel; aarch64 and armv7 under qemu-user.
const TRIPLES = ['x86_64-linux-musl', 'aarch64-linux-musl', 'i386-linux-musl', 'armv7-linux-musleabihf'] as const;

/** Programs the recipes install in usr/bin (all must be static executables). */
const PROGRAMS = ['openssl', 'curl', 'xmlwf', 'wget', 'git', 'scalar'];

/** Make a CA-capable self-signed certificate for localhost with the target's own openssl. */
async function makeCertificate(triple: string, out: string, work: string, name = 'server'): Promise<{ key: string; cert: string }> {
  const key = path.join(work, `${name}-key.pem`);
  const cert = path.join(work, `${name}-cert.pem`);
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=localhost'];
  args.push('-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert);
  // The openssl.cnf the recipe installs (its v3_ca section makes the certificate a CA).
  await expectOk(runIn(triple, path.join(out, 'usr/bin/openssl'), args, { env: { OPENSSL_CONF: path.join(out, 'etc/ssl/openssl.cnf') } }));
  return { key, cert };
}

const servers: LocalFileServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe.sequential('host toolchain: issue #7 TLS set (openssl, curl, expat, wget, git)', { timeout: 120 * 60_000 }, () => {
  for (const triple of TRIPLES) {
    const target = TARGETS[triple]!;
    const out = path.join(E2E_BUILD, 'out', triple);
    const bin = (name: string): string => path.join(out, 'usr/bin', name);
    let work = '';
    scratchDir(`tls-${triple}-`, (dir) => {
      work = dir;
    });
    let served = '';
    let server: LocalFileServer | undefined;
    let cert = '';

    it(`${triple}: builds ${SET.join(', ')} static`, async () => {
      const started = Date.now();
      const run = await engine(['run', ...SET, '--target', triple, '--toolchain', 'host'], undefined, 120 * 60_000);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      console.log(`TLS set for ${triple}: ${Math.round((Date.now() - started) / 1000)} s (${run.stdout.match(/\d+ built, \d+ up to date/)?.[0] ?? 'no summary'})`);
      for (const program of PROGRAMS) await expectStaticElf(target, bin(program));
      // git's helpers (git-remote-https, git-http-fetch, ...) are programs of their own.
      const gitCore = path.join(out, 'usr/libexec/git-core');
      let helpers = 0;
      for (const name of await fs.readdir(gitCore)) {
        const file = path.join(gitCore, name);
        if (!(await fs.lstat(file)).isFile() || (await inspectElf(file)) === undefined) continue;
        await expectStaticElf(target, file);
        helpers += 1;
      }
      expect(helpers).toBeGreaterThanOrEqual(3);
      expect((await fs.lstat(path.join(gitCore, 'git-remote-https'))).isSymbolicLink()).toBe(true);
      for (const library of ['libcrypto.a', 'libssl.a', 'libcurl.a', 'libexpat.a']) {
        expect((await fs.stat(path.join(out, 'usr/lib', library))).isFile(), library).toBe(true);
      }
      for (const shared of ['libcrypto.so', 'libssl.so', 'libcurl.so', 'libexpat.so']) {
        await expect(fs.access(path.join(out, 'usr/lib', shared)), shared).rejects.toThrow();
      }
      // Thread-safe libcrypto (locking on): python's _ssl refuses an OpenSSL without it.
      expect(await fs.readFile(path.join(out, 'usr/include/openssl/configuration.h'), 'utf8')).toMatch(/^# *define OPENSSL_THREADS$/m);
      served = path.join(work, 'served');
      await fs.mkdir(served);
      await fs.writeFile(path.join(work, 'payload.bin'), PAYLOAD);
      await fs.writeFile(path.join(served, 'payload.bin'), PAYLOAD);
    });

    it(`${triple}: openssl hashes and encrypts a file with known results`, async () => {
      const openssl = bin('openssl');
      expect(await expectOk(runIn(triple, openssl, ['version']))).toMatch(/^OpenSSL 3\.5\.7 /);
      await fs.writeFile(path.join(work, 'abc.txt'), 'abc');
      // FIPS 180-2's SHA-256 test vector.
      expect((await expectOk(runIn(triple, openssl, ['dgst', '-sha256', '-r', 'abc.txt'], { cwd: work }))).trim()).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad *abc.txt',
      );
      for (const digest of ['sha256', 'sha512', 'sha3-256']) {
        const expected = createHash(digest).update(PAYLOAD).digest('hex');
        expect((await expectOk(runIn(triple, openssl, ['dgst', `-${digest}`, '-r', 'payload.bin'], { cwd: work }))).trim(), digest).toBe(`${expected} *payload.bin`);
      }
      // AES-256-CBC with a fixed key and IV: the same bytes as Node's own OpenSSL.
      const key = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
      const iv = 'f0e0d0c0b0a090807060504030201000';
      await expectOk(runIn(triple, openssl, ['enc', '-aes-256-cbc', '-K', key, '-iv', iv, '-in', 'payload.bin', '-out', 'payload.enc'], { cwd: work }));
      const cipher = createCipheriv('aes-256-cbc', Buffer.from(key, 'hex'), Buffer.from(iv, 'hex'));
      expect((await fs.readFile(path.join(work, 'payload.enc'))).equals(Buffer.concat([cipher.update(PAYLOAD), cipher.final()]))).toBe(true);
      await expectOk(runIn(triple, openssl, ['enc', '-d', '-aes-256-cbc', '-K', key, '-iv', iv, '-in', 'payload.enc', '-out', 'payload.dec'], { cwd: work }));
      expect((await fs.readFile(path.join(work, 'payload.dec'))).equals(PAYLOAD)).toBe(true);
    });

    it(`${triple}: openssl makes the certificate of a local HTTPS server`, async () => {
      const made = await makeCertificate(triple, out, work);
      const text = await expectOk(runIn(triple, bin('openssl'), ['x509', '-in', made.cert, '-noout', '-subject', '-ext', 'subjectAltName,basicConstraints']));
      expect(text).toContain('subject=CN=localhost');
      expect(text).toContain('DNS:localhost, IP Address:127.0.0.1');
      expect(text).toContain('CA:TRUE');
      server = await serveFiles(served, { tls: { key: await fs.readFile(made.key), cert: await fs.readFile(made.cert) } });
      servers.push(server);
      cert = made.cert;
    });

    it(`${triple}: curl lists its TLS features and fetches over HTTPS, verifying the server`, async () => {
      const version = await expectOk(runIn(triple, bin('curl'), ['-V']));
      expect(version.split('\n')[0]).toMatch(/^curl 8\.14\.1 .*OpenSSL\/3\.5\.7 zlib\/1\.3\.1/);
      expect(version).toMatch(/^Protocols:.*\bhttps\b/m);
      expect(version).toMatch(/^Features:.*\bSSL\b/m);
      expect(version).toMatch(/^Features:.*\blibz\b/m);
      await expectOk(runIn(triple, bin('curl'), ['-sS', '--cacert', cert, '-o', 'curl.bin', `${server!.url}/payload.bin`], { cwd: work }));
      expect((await fs.readFile(path.join(work, 'curl.bin'))).equals(PAYLOAD)).toBe(true);
      // With another CA than the server's, the peer is refused: 60.
      const other = await makeCertificate(triple, out, work, 'other');
      const refused = await runIn(triple, bin('curl'), ['-sS', '--cacert', other.cert, '-o', '/dev/null', `${server!.url}/payload.bin`]);
      expect(refused.exitCode, refused.stderr).toBe(60);
    });

    it(`${triple}: openssl s_client completes a verified TLS 1.3 handshake with the same server`, async () => {
      const port = new URL(server!.url).port;
      const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-verify_hostname', 'localhost', '-verify_return_error', '-brief'];
      // s_client reports on stderr; its standard input is empty, so it closes after the handshake.
      const ok = await runIn(triple, bin('openssl'), [...args, '-CAfile', cert]);
      expect(ok.exitCode, ok.stderr).toBe(0);
      expect(ok.stderr).toContain('Protocol version: TLSv1.3');
      expect(ok.stderr).toContain('Verification: OK');
      expect(ok.stderr).toContain('Verified peername: localhost');
      const other = await makeCertificate(triple, out, work, 'stranger');
      const refused = await runIn(triple, bin('openssl'), [...args, '-CAfile', other.cert]);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain('certificate verify failed');
    });

    it(`${triple}: wget fetches over HTTPS, verifying the server`, async () => {
      expect((await expectOk(runIn(triple, bin('wget'), ['--version']))).split('\n')[0]).toMatch(/^GNU Wget 1\.25\.0 /);
      expect(await expectOk(runIn(triple, bin('wget'), ['--version']))).toContain('+ssl/openssl');
      await expectOk(runIn(triple, bin('wget'), ['-q', `--ca-certificate=${cert}`, '-O', 'wget.bin', `${server!.url}/payload.bin`], { cwd: work }));
      expect((await fs.readFile(path.join(work, 'wget.bin'))).equals(PAYLOAD)).toBe(true);
      // Without it, wget's exit status 5: SSL verification failure.
      const refused = await runIn(triple, bin('wget'), ['-q', '-O', '/dev/null', `${server!.url}/payload.bin`], { cwd: work });
      expect(refused.exitCode).toBe(5);
    });

    it(`${triple}: git inits a repository, commits and shows the log`, async () => {
      const git = bin('git');
      // Nothing of the build machine's git configuration.
      const env = { HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_EXEC_PATH: path.join(out, 'usr/libexec/git-core'), GIT_TEMPLATE_DIR: path.join(out, 'usr/share/git-core/templates') };
      expect((await expectOk(runIn(triple, git, ['--version'], { env }))).trim()).toBe('git version 2.47.3');
      const repo = path.join(work, 'repo');
      await expectOk(runIn(triple, git, ['init', '-q', '-b', 'main', repo], { env }));
      await fs.writeFile(path.join(repo, 'hello.txt'), 'hello, static world\n');
      const blob = createHash('sha1').update('blob 20\0hello, static world\n').digest('hex');
      expect((await expectOk(runIn(triple, git, ['hash-object', 'hello.txt'], { cwd: repo, env }))).trim()).toBe(blob);
      await expectOk(runIn(triple, git, ['add', 'hello.txt'], { cwd: repo, env }));
      const who = ['-c', 'user.name=Rootfs Engine', '-c', 'user.email=engine@example.org'];
      await expectOk(runIn(triple, git, [...who, 'commit', '-q', '-m', 'first commit'], { cwd: repo, env }));
      await fs.appendFile(path.join(repo, 'hello.txt'), 'second line\n');
      await expectOk(runIn(triple, git, [...who, 'commit', '-q', '-a', '-m', 'second commit'], { cwd: repo, env }));
      expect((await expectOk(runIn(triple, git, ['log', '--format=%s|%an', 'main'], { cwd: repo, env }))).trim()).toBe('second commit|Rootfs Engine\nfirst commit|Rootfs Engine');
      expect(await expectOk(runIn(triple, git, ['show', 'HEAD~1:hello.txt'], { cwd: repo, env }))).toBe('hello, static world');
      // Served for the next test as a "dumb HTTP" repository.
      await expectOk(runIn(triple, git, ['clone', '-q', '--bare', repo, path.join(served, 'repo.git')], { env }));
      await expectOk(runIn(triple, git, ['update-server-info'], { cwd: path.join(served, 'repo.git'), env }));
    });

    // git runs git-remote-https (and gc its repack) as child processes: for a foreign target that needs
    // qemu-user registered with binfmt_misc, not just the qemu binary on PATH.
    const childProcessesRun = triple.startsWith('x86_64') || existsSync(`/proc/sys/fs/binfmt_misc/qemu-${target.qemuUser.replace(/^qemu-|-static$/g, '')}`);
    it.skipIf(!childProcessesRun)(`${triple}: git clones over HTTPS with libcurl`, async () => {
      const env = { HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_EXEC_PATH: path.join(out, 'usr/libexec/git-core'), GIT_TEMPLATE_DIR: path.join(out, 'usr/share/git-core/templates') };
      const clone = path.join(work, 'cloned');
      await expectOk(runIn(triple, bin('git'), ['clone', '-q', `${server!.url}/repo.git`, clone], { env: { ...env, GIT_SSL_CAINFO: cert } }));
      expect(await fs.readFile(path.join(clone, 'hello.txt'), 'utf8')).toBe('hello, static world\nsecond line\n');
      expect((await expectOk(runIn(triple, bin('git'), ['log', '--format=%s'], { cwd: clone, env }))).trim()).toBe('second commit\nfirst commit');
      // gc runs git repack and pack-objects as child processes: zlib-deflated objects into one pack.
      await expectOk(runIn(triple, bin('git'), ['gc', '-q'], { cwd: clone, env }));
      expect(await expectOk(runIn(triple, bin('git'), ['count-objects', '-v'], { cwd: clone, env }))).toMatch(/^in-pack: 6$/m);
    });

    it(`${triple}: xmlwf checks XML, and a static program parses it with libexpat`, async () => {
      await checkExpat(checkPlace(triple, work));
    });
  }

});
