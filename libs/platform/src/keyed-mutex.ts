/**
 * Runs `phase` for one key at a time in this process: a second caller with the same key waits
 * until the first finished, then runs (and sees what the first saved). Keys are forgotten once
 * nobody holds or waits for them.
 */
export function createKeyedMutex() {
  const tails = new Map<string, Promise<void>>();
  return async <T>(key: string, phase: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = previous.then(() => mine);
    tails.set(key, tail);
    await previous;
    try {
      return await phase();
    } finally {
      done();
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
