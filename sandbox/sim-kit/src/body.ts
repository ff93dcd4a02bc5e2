import express, { type Request, type RequestHandler } from 'express';
import { SimHttpError } from './errors.js';

/** A multipart body: text parts and file parts, both as strings (the vendors take CSV files). */
export interface MultipartBody {
  fields: Record<string, string>;
  files: Record<string, string>;
}

/**
 * Reads the whole body (up to `limit`, else 413) and leaves it parsed on `req.body`: JSON for
 * JSON content types (400 when it does not parse), {@link MultipartBody} for multipart, text
 * otherwise, `undefined` when empty.
 */
export function readBody(limit: string | number): RequestHandler[] {
  return [
    express.raw({ type: () => true, limit }),
    async (req, _res, next) => {
      const raw: unknown = req.body;
      req.body = await parseBody(
        Buffer.isBuffer(raw) ? raw : Buffer.alloc(0),
        req.headers['content-type'],
      );
      next();
    },
  ];
}

/** Parses a raw body by its content type (see {@link readBody}). */
export async function parseBody(raw: Buffer, contentType: string | undefined): Promise<unknown> {
  if (raw.length === 0) return undefined;
  if (contentType?.startsWith('multipart/form-data')) return parseMultipart(raw, contentType);
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(raw.toString('utf8')) as unknown;
    } catch {
      throw new SimHttpError(400, 'The request body is not valid JSON');
    }
  }
  return raw.toString('utf8');
}

async function parseMultipart(raw: Buffer, contentType: string): Promise<MultipartBody> {
  let form: FormData;
  try {
    form = await new Request('http://simulator/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: raw,
    }).formData();
  } catch {
    throw new SimHttpError(400, 'The multipart body cannot be read; check its boundary');
  }
  const body: MultipartBody = { fields: {}, files: {} };
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') body.fields[name] = value;
    else body.files[name] = await value.text();
  }
  return body;
}

/** The parsed body of a request that went through {@link readBody}. */
export function bodyOf(req: Request): unknown {
  return req.body as unknown;
}
