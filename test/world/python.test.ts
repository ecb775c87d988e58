/**
 * python 3.13 (issue #7), host toolchain profile: one static interpreter with the
 * core extension modules built in, for x86_64-linux-musl (run on the host) and
 * aarch64-linux-musl (cross-compiled with the x86_64 python as the build
 * machine's interpreter, run under qemu-user). It must do real work with its
 * modules, and find its library in the installed tree, not in the build tree.
 * Heavy (a cold python build is many minutes), so a world test.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { E2E_BUILD, engine, expectOk, runIn } from '../helpers/e2e.ts';
import { inspectElf } from '../../sysroot/elf.ts';
import { TARGETS } from '../../sysroot/targets.ts';

const TRIPLES = ['x86_64-linux-musl', 'aarch64-linux-musl'] as const;

/** Runs must not write .pyc files into the out tree (files no manifest lists). */
const NO_BYTECODE = { PYTHONDONTWRITEBYTECODE: '1' };

/** Modules that must be compiled into the interpreter (sys.builtin_module_names). */
const BUILT_IN = ['zlib', '_ctypes', 'pyexpat', '_json', '_sha2', '_sha3', '_md5', '_blake2', '_lzma', '_decimal', 'readline', '_socket', 'math', 'unicodedata'];

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
try:
    import ssl
    print("ssl", ssl.OPENSSL_VERSION)
except ImportError:
    print("ssl missing")
`;

describe.sequential('python 3.13, static, host toolchain', { timeout: 4 * 60 * 60_000 }, () => {
  for (const triple of TRIPLES) {
    const target = TARGETS[triple]!;
    const out = path.join(E2E_BUILD, 'out', triple);
    const python = path.join(out, 'usr/bin/python3');
    let work = '';

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
      work = await fs.mkdtemp(path.join(os.tmpdir(), `python-${triple}-`));
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
      expect(lines).toContain(`ctypes static ctypes 42 8`);
      // A static binary has no dynamic loader: libraries cannot be opened by name.
      expect(lines).toContain('dlopen Dynamic loading not supported');
      expect(lines).toContain('lzma True');
      expect(lines).toContain('decimal 0.1428571428571428571428571429');
      expect(lines.some((line) => line.startsWith('blake2b '))).toBe(true);
      expect(lines.at(-1)).toMatch(/^ssl (OpenSSL \d|missing)/);
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
  }
});
