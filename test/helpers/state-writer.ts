// Rewrites one record in a loop with writeFileAtomic until killed (store.test.ts).
import { writeFileAtomic } from '../../engine/store/atomic.ts';

const target = process.argv[2]!;
const payload = 'x'.repeat(200_000);
for (let n = 1; ; n += 1) await writeFileAtomic(target, JSON.stringify({ n, payload }));
