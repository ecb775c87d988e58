#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx, so `npx rootfs-engine` works
// from a fresh clone with no build step, and so does loading rootfs.config.ts.
import { register as registerEsm } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

registerEsm();
registerCjs();
const { main } = await import('../engine/cli/main.ts');
process.exitCode = await main(process.argv);
