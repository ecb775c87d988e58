import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { makeZip } from '../test/unit/sources-helpers.ts';
const root = await fs.mkdtemp('/tmp/dbgz-');
await fs.writeFile(path.join(root, 'a.zip'), makeZip([{ name: 'z/' }, { name: 'z/sub/' }, { name: 'z/l', symlinkTo: 'sub' }, { name: 'z/l/f', body: 'x' }]));
try { console.log(execFileSync('unzip', ['-o', path.join(root, 'a.zip'), '-d', path.join(root, 'out')], {encoding: 'utf8'})); } catch (e) { console.log('rc', (e as any).status, (e as any).stdout, (e as any).stderr); }
console.log(execFileSync('find', [path.join(root, 'out'), '-ls'], {encoding: 'utf8'}));
