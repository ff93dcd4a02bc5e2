import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

/**
 * What every log line written while working on something carries, so one store's or one
 * order's path through the services is found by grepping one id (docs/runbook.md).
 */
export interface LogContext {
  /** The store the work is about. */
  storeId?: string | undefined;
  /** Shared by everything one cause set off: a scheduled poll, an HTTP request, a webhook. */
  correlationId?: string | undefined;
  /** The event being handled. */
  eventId?: string | undefined;
  /** The HTTP request being answered. */
  requestId?: string | undefined;
}

const storage = new AsyncLocalStorage<Readonly<LogContext>>();

/** The context of the work in progress (empty outside of any). */
export function currentLogContext(): Readonly<LogContext> {
  return storage.getStore() ?? {};
}

/**
 * Runs `fn` with `fields` added to the current log context (given fields win, absent ones keep
 * the outer value); every line logged inside, also after awaits, carries them.
 */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  const defined = Object.fromEntries(
    Object.entries(fields).filter(([, v]) => typeof v === 'string' && v !== ''),
  ) as LogContext;
  return storage.run({ ...currentLogContext(), ...defined }, fn);
}

/**
 * Runs `fn` outside any log context: for background work that a request or an event only
 * wakes up, and which must not log (or publish) under their ids.
 */
export function withoutLogContext<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** A caller-given id is kept only when it is short and plain (it ends up in every log line). */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** `value` when it can be logged as an id, else undefined. */
export function safeLogId(value: unknown): string | undefined {
  return typeof value === 'string' && SAFE_ID.test(value) ? value : undefined;
}

/**
 * Express middleware: the request's id (a plain `X-Request-Id` from the caller, else a new one)
 * is echoed in the answer and is the correlation id of everything the request logs.
 */
export const requestLogContext: RequestHandler = (req, res, next) => {
  const requestId = safeLogId(req.get('x-request-id')) ?? randomUUID();
  res.set('x-request-id', requestId);
  withLogContext({ requestId, correlationId: requestId }, next);
};

/** Express param hook: the store named in the path joins the request's log context. */
export const storeIdLogContext = (
  _req: unknown,
  _res: unknown,
  next: () => void,
  value: unknown,
): void => {
  withLogContext({ storeId: safeLogId(value) }, next);
};
