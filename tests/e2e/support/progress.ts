/**
 * Waits until `done()` holds, failing when `progress()` has not changed for `stallMs` rather than
 * after a fixed total: a busy machine makes a long run longer, a stuck one fails within `stallMs`.
 */
export async function eventuallyProgressing(
  done: () => boolean | Promise<boolean>,
  progress: () => number | Promise<number>,
  what: string,
  stallMs: number,
): Promise<void> {
  let last = await progress();
  let movedAt = Date.now();
  for (;;) {
    if (await done()) return;
    const now = await progress();
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`no progress for ${stallMs} ms (still at ${now}) waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
