/**
 * Concurrency from a log of `start <ns>` / `end <ns>` lines (one per job, written by
 * the jobs themselves): the highest number of jobs running at once.
 */
export function peakConcurrency(text: string): number {
  const events = text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [kind, time] = line.split(' ');
      return { delta: kind === 'start' ? 1 : -1, time: BigInt(time!) };
    })
    // Ends first on equal times: a job that ends as another starts is not overlap.
    .sort((a, b) => (a.time === b.time ? a.delta - b.delta : a.time < b.time ? -1 : 1));
  let running = 0;
  let peak = 0;
  for (const event of events) {
    running += event.delta;
    peak = Math.max(peak, running);
  }
  return peak;
}
