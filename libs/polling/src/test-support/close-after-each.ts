import { afterEach } from '@jest/globals';

interface Closable {
  close(): Promise<void>;
}

/**
 * Closes what a test opened once it ends, last opened first (a harness before the simulator it
 * calls). Call at the top of a test file; `add` returns what it was given.
 */
export function closeAfterEach(): { add<T extends Closable>(resource: T): T } {
  let open: Closable[] = [];
  afterEach(async () => {
    const closing = open.reverse();
    open = [];
    for (const resource of closing) await resource.close();
  });
  return {
    add(resource) {
      open.push(resource);
      return resource;
    },
  };
}
