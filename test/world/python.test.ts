/**
 * python 3.13 (issue #7), host toolchain profile: one static interpreter with the
 * core extension modules built in, for x86_64-linux-musl and i386-linux-musl (run
 * on the host), aarch64-linux-musl and armv7-linux-musleabihf (cross-compiled with
 * the x86_64 python as the build machine's interpreter, run under qemu-user). It must do real work with its
 * modules, and find its library in the installed tree, not in the build tree.
 * Heavy (a cold python build is many minutes), so a world test.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { E2E_BUILD, engine, expectOk, runIn, scratchDir } from '../helpers/e2e.ts';
import { inspectElf } from '../../sysroot/elf.ts';
import { TARGETS } from '../../sysroot/targets.ts';

// i386 runs on the host's kernel (its python links libatomic: packages/libatomic.ts),
// armv7 under qemu-arm-static.
const TRIPLES = ['x86_64-linux-musl', 'aarch64-linux-musl', 'armv7-linux-musleabihf', 'i386-linux-musl'] as const;

/** Runs must not write .pyc files into the out tree (files no manifest lists). */
const NO_BYTECODE = { PYTHONDONTWRITEBYTECODE: '1' };

/** Modules that must be compiled into the interpreter (sys.builtin_module_names). */
const BUILT_IN = ['zlib', '_ctypes', 'pyexpat', '_json', '_sha2', '_sha3', '_md5', '_blake2', '_lzma', '_decimal', 'readline', '_socket', 'math', 'unicodedata', '_ssl', '_hashlib'];

const SCRIPT = String.raw`
import zlib, hashlib, json, pyexpat, ctypes, lzma, decimal, sys

data = b"rootfs-engine " * 1000
packed = zlib.compress(data, 9)
assert zlib.decompress(packed) == data and len(packed) < len(data) // 10
print("zlib", zlib.ZLIB_VERSION, len(packed))

print("sha256", hashlib.sha256(b"abc").hexdigest())
print("md5", hashlib.md5(b"abc").hexdigest())
print("sha3", hashlib.sha3_256(b"abc").hexdigest()[:16])
print("blake2b", hashlib.blake2b(b"abc", digest_size=8).hexdigest())

print("json", json.dumps(json.loads('{"b": [1, 2.5, null], "a": "\\u00e9"}'), sort_keys=True))

seen = []
parser = pyexpat.ParserCreate()
parser.StartElementHandler = lambda name, attrs: seen.append((name, attrs.get("n")))
parser.CharacterDataHandler = lambda text: seen.append(text.strip()) if text.strip() else None
parser.Parse("<root><item n='1'>one</item><item n='2'>two</item></root>", True)
print("xml", seen)

# libffi: ctypes.memmove calls libc's memmove through ffi_call; a Python callback
# becomes a C function pointer (a libffi closure) that is called back through ffi_call.
src = ctypes.create_string_buffer(b"static ctypes", 32)
dst = ctypes.create_string_buffer(32)
ctypes.memmove(dst, src, 13)
ADD = ctypes.CFUNCTYPE(ctypes.c_long, ctypes.c_long, ctypes.c_double)
closure = ADD(lambda a, b: a + int(b * 10))
through_pointer = ADD(ctypes.cast(closure, ctypes.c_void_p).value)
print("ctypes", dst.value.decode(), through_pointer(40, 0.2), ctypes.sizeof(ctypes.c_void_p))
try:
    ctypes.CDLL(None)
    print("dlopen works")
except OSError as error:
    print("dlopen", error)

print("lzma", lzma.decompress(lzma.compress(data)) == data)
print("decimal", decimal.Decimal(1) / decimal.Decimal(7))

import ssl
print("ssl", ssl.OPENSSL_VERSION)
# With _hashlib, hashlib's constructors are OpenSSL's (HACL* only without it).
print("hashlib", hashlib.sha256.__name__, hashlib.new("sha512_256", b"abc").hexdigest()[:16])
print("cafile", ssl.get_default_verify_paths().openssl_cafile)
`;

/**
 * A TLS client: connects to 127.0.0.1:PORT, verifies the server's certificate for
 * "localhost" against the CA file given, sends one HTTP request and prints the
 * protocol and the response body; a refused certificate prints "refused" and why.
 */
const CLIENT = String.raw`
import socket, ssl, sys
cafile, port = sys.argv[1], int(sys.argv[2])
context = ssl.create_default_context(cafile=cafile)
try:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"GET /hello HTTP/1.0\r\nHost: localhost\r\n\r\n")
            data = b""
            while chunk := tls.recv(4096):
                data += chunk
            print(tls.version())
            print(data.split(b"\r\n\r\n", 1)[1].decode())
except ssl.SSLCertVerificationError as error:
    print("refused", error.verify_message)
`;

/** How many CA certificates a default context loads from the bundle SSL_CERT_FILE names. */
const DEFAULT_CONTEXT = 'import ssl; print(ssl.create_default_context().cert_store_stats()["x509_ca"])';

interface LocalTlsServer {
  port: number;
  close: () => Promise<void>;
}

/** An HTTPS server on 127.0.0.1 (Node's, the build machine's OpenSSL) answering every request with one line. */
async function serveTls(key: string, cert: string): Promise<LocalTlsServer> {
  const server = https.createServer({ key: await fs.readFile(key), cert: await fs.readFile(cert) }, (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end('hello over TLS\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A throwaway self-signed certificate for localhost, made with the build machine's openssl. */
async function hostCertificate(work: string, name: string): Promise<{ key: string; cert: string }> {
  const key = path.join(work, `${name}-key.pem`);
  const cert = path.join(work, `${name}-cert.pem`);
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    // A CA certificate with a key usage: ssl.create_default_context() verifies with
    // X509_STRICT since Python 3.13, which refuses a CA without one.
    '-addext', 'keyUsage=critical,digitalSignature,keyCertSign', '-keyout', key, '-out', cert]);
  return { key, cert };
}

const servers: LocalTlsServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe.sequential('python 3.13, static, host toolchain', { timeout: 4 * 60 * 60_000 }, () => {
  for (const triple of TRIPLES) {
    const target = TARGETS[triple]!;
    const out = path.join(E2E_BUILD, 'out', triple);
    const python = path.join(out, 'usr/bin/python3');
    let work = '';
    scratchDir(`python-${triple}-`, (dir) => {
      work = dir;
    });

    it(`${triple}: builds one static interpreter, no shared objects`, async () => {
      const started = Date.now();
      const run = await engine(['run', 'python', '--target', triple, '--toolchain', 'host'], undefined, 4 * 60 * 60_000);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      console.log(`python for ${triple}: ${Math.round((Date.now() - started) / 1000)} s (${run.stdout.match(/Done in [^\n]*/)?.[0] ?? 'no summary'})`);
      const elf = await inspectElf(path.join(out, 'usr/bin/python3.13'));
      expect(elf?.machine).toBe(target.elfMachine);
      expect(elf?.interpreter).toBeUndefined();
      expect(elf?.needed).toEqual([]);
      const library = await fs.readdir(path.join(out, 'usr/lib/python3.13'), { recursive: true });
      expect(library.filter((file) => /\.so(\.|$)/.test(file))).toEqual([]);
      expect((await fs.stat(path.join(out, 'usr/lib/python3.13/os.py'))).isFile()).toBe(true);
      // Byte-compiled at install time (opt-2 files are only ever written by compileall).
      expect((await fs.stat(path.join(out, 'usr/lib/python3.13/__pycache__/os.cpython-313.opt-2.pyc'))).isFile()).toBe(true);
    });

    it(`${triple}: --version, and the core modules are built in`, async () => {
      expect((await expectOk(runIn(triple, python, ['--version'], { env: NO_BYTECODE }))).trim()).toBe('Python 3.13.5');
      const names = (await expectOk(runIn(triple, python, ['-c', 'import sys; print(" ".join(sys.builtin_module_names))'], { env: NO_BYTECODE }))).trim().split(' ');
      for (const name of BUILT_IN) expect(names, name).toContain(name);
    });

    it(`${triple}: a script uses zlib, hashlib, json, pyexpat, ctypes, lzma and decimal`, async () => {
      const script = path.join(work, 'modules.py');
      await fs.writeFile(script, SCRIPT);
      const lines = (await expectOk(runIn(triple, python, [script], { cwd: work, env: NO_BYTECODE }))).trim().split('\n');
      expect(lines[0]).toMatch(/^zlib 1\.3\.1 \d+$/);
      expect(lines).toContain('sha256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(lines).toContain('md5 900150983cd24fb0d6963f7d28e17f72');
      expect(lines).toContain('sha3 3a985da74fe225b2');
      expect(lines).toContain('json {"a": "\\u00e9", "b": [1, 2.5, null]}');
      expect(lines).toContain("xml [('root', None), ('item', '1'), 'one', ('item', '2'), 'two']");
      expect(lines).toContain(`ctypes static ctypes 42 ${target.pointerSize}`);
      // A static binary has no dynamic loader: libraries cannot be opened by name.
      expect(lines).toContain('dlopen Dynamic loading not supported');
      expect(lines).toContain('lzma True');
      expect(lines).toContain('decimal 0.1428571428571428571428571429');
      expect(lines.some((line) => line.startsWith('blake2b '))).toBe(true);
      expect(lines.find((line) => line.startsWith('ssl '))).toMatch(/^ssl OpenSSL 3\.5\.7 \d+ \w+ \d{4}$/);
      expect(lines.find((line) => line.startsWith('hashlib '))).toBe(`hashlib openssl_sha256 ${createHash('sha512-256').update('abc').digest('hex').slice(0, 16)}`);
      // OPENSSLDIR of the openssl recipe: where the ca-certificates recipe installs the bundle.
      expect(lines).toContain('cafile /etc/ssl/cert.pem');
    });

    it(`${triple}: the library comes from the installed tree, also with PYTHONHOME`, async () => {
      const where = 'import os, sys, json; print(os.__file__); print(json.__file__); print(sys.prefix)';
      const [osFile, jsonFile, prefix] = (await expectOk(runIn(triple, python, ['-c', where], { cwd: work, env: NO_BYTECODE }))).trim().split('\n');
      expect(osFile).toBe(path.join(out, 'usr/lib/python3.13/os.py'));
      expect(jsonFile).toBe(path.join(out, 'usr/lib/python3.13/json/__init__.py'));
      expect(prefix).toBe(path.join(out, 'usr'));
      const home = await expectOk(runIn(triple, python, ['-c', where], { cwd: work, env: { ...NO_BYTECODE, PYTHONHOME: path.join(out, 'usr') } }));
      expect(home.trim().split('\n')[0]).toBe(path.join(out, 'usr/lib/python3.13/os.py'));
      expect(home).not.toContain(path.join(E2E_BUILD, 'obj'));
    });

    it(`${triple}: ssl makes a verified TLS connection to a local server`, async () => {
      const trusted = await hostCertificate(work, 'server');
      const other = await hostCertificate(work, 'other');
      const server = await serveTls(trusted.key, trusted.cert);
      servers.push(server);
      const client = path.join(work, 'client.py');
      await fs.writeFile(client, CLIENT);
      const fetched = (await expectOk(runIn(triple, python, [client, trusted.cert, String(server.port)], { cwd: work, env: NO_BYTECODE }))).trim().split('\n');
      expect(fetched).toEqual(['TLSv1.3', 'hello over TLS']);
      // Another CA than the server's: the handshake fails on verification.
      const refused = (await expectOk(runIn(triple, python, [client, other.cert, String(server.port)], { cwd: work, env: NO_BYTECODE }))).trim();
      expect(refused).toBe('refused self-signed certificate');
    });

    it(`${triple}: a default context loads the ca-certificates bundle`, async () => {
      const run = await engine(['run', 'ca-certificates', '--target', triple, '--toolchain', 'host']);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      const bundles = ['etc/ssl/cert.pem', 'etc/ssl/certs/ca-certificates.crt'].map((file) => path.join(out, file));
      const certificates = (await fs.readFile(bundles[0]!, 'utf8')).match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
      expect(certificates).toBeGreaterThan(100);
      for (const bundle of bundles) {
        const loaded = await expectOk(runIn(triple, python, ['-c', DEFAULT_CONTEXT], { cwd: work, env: { ...NO_BYTECODE, SSL_CERT_FILE: bundle } }));
        expect(Number(loaded.trim()), bundle).toBe(certificates);
      }
    });
  }
});
