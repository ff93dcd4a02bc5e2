import { setFlagsFromString } from 'node:v8';

/**
 * V8's allocation-site pretenuring, per process (ADR 0148). V8 allocates the objects of an
 * allocation site straight in the old generation once most of them survived a young-generation
 * collection; with the small young generation the services run with (ADR 0122) a page of a vendor
 * list parsed and validated while a collection runs looks long-lived, the parsing sites get
 * pretenured, and every later page fills the old generation with garbage: a full collection every
 * few pages. Off by default; `on` gives V8's default back. Not a `NODE_OPTIONS` flag, so it is set
 * when the process starts, before the service allocates anything of its own.
 */
export function setAllocationSitePretenuring(mode: 'on' | 'off'): void {
  setFlagsFromString(
    mode === 'on' ? '--allocation-site-pretenuring' : '--no-allocation-site-pretenuring',
  );
}
