import type { Request, RequestHandler, Response, Router } from 'express';
import { callerOf, SimHttpError, type SimClock } from '@msync/sim-kit';
import { channelOf } from '../auth.js';
import { errorBody, InvalidParameter, type ErrorStyle } from '../errors.js';
import type { ApiVersion, Merchant } from '../model.js';
import type { Operation } from '../operations.js';
import type { Views } from '../views.js';
import type { SimWorld } from '../world.js';

export const API_VERSIONS: readonly ApiVersion[] = ['2025-07', '2026-01'];

/** What the vendor-API routers share. */
export interface RouteDeps {
  world: SimWorld;
  views: Views;
  /** The kit's per-operation gate: admission (PAT, rate limit), then faults. */
  gate: (operation: Operation) => RequestHandler;
  now: SimClock;
}

/** Who is calling: the PAT's merchant and the channel `shipbob_channel_id` names, if any. */
export interface Caller {
  merchant: Merchant;
  /** Already checked to belong to the merchant (and to be writable on writes). */
  channelId: number | undefined;
}

export interface OperationOptions {
  /** Writes must name the caller's writable channel. */
  write?: boolean;
  /** The shape of the operation's documented 400; default `fields` (field → messages). */
  errors?: ErrorStyle;
  /** Versions that document the operation; default both. */
  versions?: readonly ApiVersion[];
}

export type OperationHandler = (req: Request, res: Response, caller: Caller) => void;

/**
 * Serves `operation` (`'POST /order/{orderId}:cancel'`) under the version prefixes that document
 * it, in ShipBob's order: the gate (admission, faults), then the channel header, the JSON body,
 * the handler. A parameter the handler cannot read is a 400 in the operation's documented shape.
 */
export function serve(
  router: Router,
  gate: RouteDeps['gate'],
  operation: Operation,
  options: OperationOptions,
  handler: OperationHandler,
): void {
  const [method, template] = splitOperation(operation);
  const errors = options.errors ?? 'fields';
  const path = versionedPath(template, options.versions ?? API_VERSIONS);
  const run: RequestHandler = (req, res) => {
    try {
      const merchant = callerOf<Merchant>(res);
      const channelId = channelOf(req, merchant, options.write ?? false);
      req.body = jsonBody(req);
      handler(req, res, { merchant, channelId });
    } catch (error) {
      if (error instanceof InvalidParameter) {
        throw new SimHttpError(400, error.message, {
          body: errorBody(errors, 400, { [error.parameter]: [error.message] }),
        });
      }
      throw error;
    }
  };
  switch (method) {
    case 'GET':
      router.get(path, gate(operation), run);
      break;
    case 'POST':
      router.post(path, gate(operation), run);
      break;
    case 'PUT':
      router.put(path, gate(operation), run);
      break;
    case 'DELETE':
      router.delete(path, gate(operation), run);
      break;
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

function splitOperation(operation: Operation): [Method, string] {
  const space = operation.indexOf(' ');
  return [operation.slice(0, space) as Method, operation.slice(space + 1)];
}

/**
 * The path pattern of a template under its version prefixes: `{name}` is a named group that
 * takes no `/` and no `:` (so `/order/{orderId}` never swallows `/order/1:cancel`), everything
 * else — the `:` of `…:cancel` included — is literal. Express's string patterns would read that
 * `:` as a parameter, hence a RegExp.
 */
export function versionedPath(template: string, versions: readonly ApiVersion[]): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) =>
      part.startsWith('{')
        ? `(?<${part.slice(1, -1)}>[^/:]+)`
        : part.replace(/[.*+?^$()|[\]\\/{}]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^\\/(?<version>${versions.join('|')})${source}$`);
}

/** The full request URL (absolute, for the paging links ShipBob returns). */
export function urlOf(req: Request): URL {
  return new URL(req.originalUrl, `http://${req.headers.host ?? 'localhost'}`);
}

/** A path parameter of the template, already percent-decoded. */
export function param(req: Request, name: string): string | undefined {
  const value: unknown = (req.params as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

export function versionOf(req: Request): ApiVersion {
  return param(req, 'version') as ApiVersion;
}

/**
 * The body as JSON whatever its content type, as the simulator always read it: the kit has
 * already parsed JSON content types (and refused broken JSON with a 400); another text body is
 * parsed here.
 */
function jsonBody(req: Request): unknown {
  const body: unknown = req.body;
  const contentType = req.headers['content-type'] ?? '';
  if (contentType.startsWith('multipart/') && body !== undefined)
    throw new SimHttpError(400, INVALID_JSON);
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new SimHttpError(400, INVALID_JSON);
  }
}

/** The kit's wording for the same failure, so both paths answer alike. */
const INVALID_JSON = 'The request body is not valid JSON';
