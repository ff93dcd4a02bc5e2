#!/usr/bin/env node
/**
 * Local infrastructure for development and tests, no Docker needed:
 *   up      install (cached) and start Kafka, Apicurio Registry, FerretDB and Mailpit
 *   down    stop what `up` started (data is kept)
 *   status  health of each server
 *   env     print the connection variables (eval "$(npm run -s infra env)")
 *   reset   stop and delete all local data (downloads stay cached)
 */
import { rmSync } from 'node:fs';
import { errorMessage } from '@msync/platform';
import { context, down, renderEnv, resolveEnv, status, up, dockerEngineAnswers } from './infra.js';
import { PrerequisiteError } from './exec.js';
import { composeDown, composeUp } from './docker.js';

async function main(command: string | undefined): Promise<number> {
  const ctx = context();
  const useDocker =
    process.env['MSYNC_INFRA'] === 'docker' ||
    (process.env['MSYNC_INFRA'] !== 'local' && dockerEngineAnswers());
  switch (command) {
    case 'up': {
      const started = Date.now();
      const result = useDocker ? await composeUp() : await up({ ctx });
      process.stdout.write(`${renderEnv(result.env)}\n`);
      process.stderr.write(
        `infrastructure ready (${result.mode}) in ${((Date.now() - started) / 1000).toFixed(1)} s; logs under ${ctx.state}/logs\n`,
      );
      return 0;
    }
    case 'down': {
      if (useDocker) await composeDown();
      const stopped = await down({ ctx });
      process.stderr.write(
        stopped.length ? `stopped: ${stopped.join(', ')}\n` : 'nothing was running\n',
      );
      return 0;
    }
    case 'status': {
      const rows = await status(ctx);
      for (const row of rows)
        process.stdout.write(
          `${row.healthy ? 'up  ' : 'down'}  ${row.name.padEnd(9)} ${row.url}${row.pid ? `  (pid ${row.pid})` : ''}\n`,
        );
      return rows.every((r) => r.healthy) ? 0 : 1;
    }
    case 'env': {
      process.stdout.write(`${renderEnv(resolveEnv(ctx))}\n`);
      return 0;
    }
    case 'reset': {
      await down({ ctx });
      rmSync(ctx.state, { recursive: true, force: true });
      process.stderr.write(`deleted ${ctx.state}\n`);
      return 0;
    }
    default:
      process.stderr.write('usage: infra up|down|status|env|reset\n');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof PrerequisiteError ? 'missing prerequisite: ' : ''}${errorMessage(error)}\n`,
    );
    process.exit(1);
  },
);
