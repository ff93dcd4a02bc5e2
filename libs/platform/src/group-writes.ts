/**
 * Writes items handed over one at a time in groups (a group commit): items that come while a
 * group is being written, or within `maxDelayMs` of the first, are written together by one
 * `write` call, up to `maxItems` at a time. Each caller's promise settles when the group holding
 * its item was written: with the item's result, or with the group's error (every item of a failed
 * group fails, and its caller may hand it over again). Groups are written one after the other,
 * in the order their items came.
 */
export function groupWrites<T, R>(
  write: (items: T[]) => Promise<R[]>,
  options: { maxItems: number; maxDelayMs: number },
): (item: T) => Promise<R> {
  interface Waiting {
    item: T;
    resolve: (result: R) => void;
    reject: (error: unknown) => void;
  }
  let pending: Waiting[] = [];
  let writing = false;
  let timer: NodeJS.Timeout | undefined;

  const flush = async (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (writing || pending.length === 0) return;
    writing = true;
    const group = pending.slice(0, options.maxItems);
    pending = pending.slice(group.length);
    try {
      const results = await write(group.map((w) => w.item));
      group.forEach((w, index) => w.resolve(results[index]!));
    } catch (error) {
      for (const w of group) w.reject(error);
    } finally {
      writing = false;
    }
    // What came meanwhile goes at once: it already waited for this group.
    if (pending.length > 0) void flush();
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (writing) return;
      if (pending.length >= options.maxItems) void flush();
      else timer ??= setTimeout(() => void flush(), options.maxDelayMs);
    });
}
