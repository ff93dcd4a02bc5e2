import type { Request, RequestHandler, Response } from 'express';
import { callerOf, SimHttpError, type MultipartBody } from '@msync/sim-kit';
import type { Carrier, SimShop } from '../model.js';
import type { Operation } from '../operations.js';
import type { SimWorld } from '../world.js';

/** What the seller-API routers share. */
export interface MiraklRouteDeps {
  world: SimWorld;
  /** The per-operation gate: auth, faults, call frequency, time-driven state. */
  gate: (operation: Operation) => RequestHandler;
  carriers: readonly Carrier[];
  /** Largest accepted `max` page size. */
  maxPageSize: number;
  /** The simulator's own URL, for `Location` headers and export file URLs. */
  baseUrl: () => string;
}

/** The shop the request acts on (set by the gate). */
export function shopOf(res: Response): SimShop {
  return callerOf<SimShop>(res);
}

export function queryOf(req: Request): URLSearchParams {
  return new URL(req.originalUrl, 'http://simulator').searchParams;
}

/** A path parameter, already decoded by express. */
export function param(req: Request, name: string): string {
  return String(req.params[name] ?? '');
}

/** Skips the route when a path parameter is not all digits (Mirakl's numeric ids). */
export function digitsOnly(name: string): RequestHandler {
  return (req, _res, next) => {
    next(/^\d+$/.test(param(req, name)) ? undefined : 'route');
  };
}

export function dateParam(params: URLSearchParams, name: string): Date | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const date = new Date(raw);
  if (Number.isNaN(date.getTime()))
    throw new SimHttpError(400, `Invalid date for parameter ${name}: ${raw}`);
  return date;
}

export function boolParam(params: URLSearchParams, name: string): boolean | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw !== 'true' && raw !== 'false')
    throw new SimHttpError(400, `Invalid boolean for parameter ${name}`);
  return raw === 'true';
}

/** A comma-separated list parameter (`order_state_codes=A,B`), undefined when absent. */
export function listParam(params: URLSearchParams, name: string): string[] | undefined {
  return params.get(name)?.split(',').filter(Boolean);
}

/** The uploaded CSV of an import (multipart part `file`) and the other parts. */
export function csvUpload(req: Request): { file: string; fields: Record<string, string> } {
  const form = req.body as Partial<MultipartBody> | undefined;
  const file = form?.files?.['file'];
  if (file === undefined) throw new SimHttpError(400, 'The multipart part "file" is required');
  return { file, fields: form?.fields ?? {} };
}
