import { afterEach, describe, expect, it } from '@jest/globals';
import { capturingLogger } from '@msync/test-support';
import { createMetricsRegistry } from './metrics.js';
import {
  startOpsServer,
  type OpsServer,
  type OpsServerOptions,
  type ReadinessCheck,
} from './ops-server.js';
import type { Router } from 'express';

const servers: OpsServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function start(
  checks: ReadinessCheck[] = [],
  checkTimeoutMs = 2_000,
  routes?: OpsServerOptions['routes'],
) {
  const registry = createMetricsRegistry('ops_test');
  const server = await startOpsServer({
    port: 0,
    host: '127.0.0.1',
    registry,
    logger: capturingLogger('error').logger,
    checks,
    checkTimeoutMs,
    ...(routes ? { routes } : {}),
  });
  servers.push(server);
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  return { server, url };
}

/** A dependency the test switches on and off; down, its check fails with `message`. */
function dependency(name: string, message: string) {
  const state = { up: false };
  const check: ReadinessCheck = {
    name,
    check: async () => {
      if (!state.up) throw new Error(message);
    },
  };
  return { state, check };
}

describe('ops endpoint', () => {
  it('is alive at once and ready only once started and every dependency answers', async () => {
    const mongo = dependency('mongo', 'connection refused');
    const { server, url } = await start([mongo.check]);
    expect((await fetch(url('/healthz'))).status).toBe(200);

    const starting = await fetch(url('/readyz'));
    expect(starting.status).toBe(503);
    expect(await starting.json()).toEqual({
      status: 'not-ready',
      checks: { started: 'starting', mongo: 'connection refused' },
    });

    server.setStarted(true);
    expect((await fetch(url('/readyz'))).status).toBe(503);
    mongo.state.up = true;
    const ready = await fetch(url('/readyz'));
    expect(ready.status).toBe(200);
    expect(ready.headers.get('cache-control')).toBe('no-store');
    expect(await ready.json()).toEqual({ status: 'ready', checks: { started: 'ok', mongo: 'ok' } });
  });

  it('exports readiness as the service_ready gauge, read at each scrape', async () => {
    const kafka = dependency('kafka', 'no broker');
    const { server, url } = await start([kafka.check]);
    const gauge = async () =>
      /^service_ready\{service="ops_test"\} (\d)$/m.exec(
        await (await fetch(url('/metrics'))).text(),
      )?.[1];
    expect(await gauge()).toBe('0');
    server.setStarted(true);
    expect(await gauge()).toBe('0');
    kafka.state.up = true;
    expect(await gauge()).toBe('1');
    kafka.state.up = false;
    expect(await gauge()).toBe('0');
  });

  it('reports a check that hangs as timed out', async () => {
    const { server, url } = await start(
      [{ name: 'kafka', check: () => new Promise<void>(() => undefined) }],
      50,
    );
    server.setStarted(true);
    const res = await fetch(url('/readyz'));
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      checks: { kafka: 'kafka check timed out after 50 ms' },
    });
  });

  it('sends no second request to a dependency while its previous check is still waiting', async () => {
    let calls = 0;
    let answer: () => void = () => undefined;
    const slow: ReadinessCheck = {
      name: 'kafka',
      check: () => {
        calls += 1;
        return new Promise<void>((resolve) => {
          answer = resolve;
        });
      },
    };
    // The dependency answers the one request it was sent; checks after that run afresh.
    const { server, url } = await start([slow], 50);
    server.setStarted(true);
    for (let i = 0; i < 5; i++) expect((await fetch(url('/readyz'))).status).toBe(503);
    expect(calls).toBe(1);

    const first = answer;
    slow.check = async () => {
      calls += 1;
    };
    first();
    expect((await fetch(url('/readyz'))).status).toBe(200);
    expect(calls).toBe(2);
  });

  it('serves Prometheus metrics, answers HEAD, refuses other methods and unknown paths', async () => {
    const { url } = await start();
    const metrics = await fetch(url('/metrics'));
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toContain('service="ops_test"');
    expect((await fetch(url('/healthz'), { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(url('/healthz'), { method: 'POST' })).status).toBe(405);
    expect((await fetch(url('/nope'))).status).toBe(404);
  });

  it('serves routes a service adds, at start or later, without shadowing the standard paths', async () => {
    let router: Router | undefined;
    const { url } = await start([], 2_000, (r) => {
      router = r;
      r.get('/jobs', (_req, res) => {
        res.json([{ store: 's1' }]);
      });
      r.get('/healthz', (_req, res) => {
        res.status(500).json({ status: 'shadowed' });
      });
    });
    const jobs = await fetch(url('/jobs'));
    expect(jobs.status).toBe(200);
    expect(jobs.headers.get('cache-control')).toBe('no-store');
    expect(await jobs.json()).toEqual([{ store: 's1' }]);
    expect(await (await fetch(url('/healthz'))).json()).toEqual({ status: 'ok' });
    expect((await fetch(url('/later'))).status).toBe(404);

    router!.get('/later', (_req, res) => {
      res.json({ added: 'after listening' });
    });
    expect(await (await fetch(url('/later'))).json()).toEqual({ added: 'after listening' });
    expect((await fetch(url('/still-unknown'))).status).toBe(404);
  });

  it('answers a service’s routes under a request id and the store of the path in the logs', async () => {
    const { logger, lines } = capturingLogger('info');
    const { url } = await start([], 2_000, (r) => {
      r.get('/reports/:storeId/history', (_req, res) => {
        logger.info('history read');
        res.json([]);
      });
    });
    const answer = await fetch(url('/reports/store-7/history'), {
      headers: { 'x-request-id': 'from-config-api-1' },
    });
    expect(answer.headers.get('x-request-id')).toBe('from-config-api-1');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'history read',
      storeId: 'store-7',
      correlationId: 'from-config-api-1',
    });
  });
});
