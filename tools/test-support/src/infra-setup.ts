import { context, down, dockerEngineAnswers, resolveEnv, up, type InfraEnv } from '@msync/infra';
import { errorMessage } from '@msync/platform';
import { removeStaleTestSubjects, removeStaleTestTopics } from './stale-topics.js';

/**
 * Provides real infrastructure to integration and e2e tests, in this order: servers given by
 * environment variables; a Docker engine through testcontainers (compose file); the local
 * provisioner (tools/infra). Returns the connection variables and how to stop what this run
 * started (nothing when MSYNC_KEEP_INFRA=1: keeping it makes the next run start in a second).
 */
export async function provideInfra(): Promise<{
  env: InfraEnv;
  teardown: () => Promise<void>;
}> {
  const log = (line: string) => process.stderr.write(`[infra] ${line}\n`);
  const started = Date.now();
  let teardown = async (): Promise<void> => undefined;
  let env: InfraEnv;
  const allGiven = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MONGO_URL', 'SMTP_URL'].every(
    (v) => process.env[v],
  );

  if (!allGiven && process.env['MSYNC_INFRA'] !== 'local' && dockerEngineAnswers()) {
    const { DockerComposeEnvironment, Wait } = await import('testcontainers');
    const compose = await new DockerComposeEnvironment(
      new URL('../../..', import.meta.url).pathname,
      'docker-compose.yml',
    )
      .withWaitStrategy('kafka-1', Wait.forHealthCheck())
      .up(['kafka', 'registry', 'mongo', 'smtp']);
    // The compose file publishes the same ports as the local provisioner.
    env = resolveEnv(context(log), {});
    teardown = async () => {
      await compose.down();
    };
    log('using a Docker engine (testcontainers)');
  } else {
    const ctx = context(log);
    const result = await up({ ctx });
    env = result.env;
    if (result.started.length > 0 && process.env['MSYNC_KEEP_INFRA'] !== '1') {
      teardown = async () => {
        await down({ ctx, only: result.started });
      };
    }
    log(
      `${result.mode === 'env' ? 'using servers from the environment' : `local servers (started: ${result.started.join(', ') || 'none, already running'})`}`,
    );
  }
  // Best effort: topics left by test runs that were killed before their clean-up.
  await removeStaleTestTopics(env.KAFKA_BROKERS).then(
    (count) => count > 0 && log(`removed ${count} topics of test namespaces older than 6 hours`),
    (error: unknown) => log(`stale test topics not removed: ${errorMessage(error)}`),
  );
  await removeStaleTestSubjects(env.SCHEMA_REGISTRY_URL).then(
    (count) =>
      count > 0 && log(`removed ${count} schema subjects of test namespaces older than 6 hours`),
    (error: unknown) => log(`stale test schema subjects not removed: ${errorMessage(error)}`),
  );
  log(
    `ready in ${((Date.now() - started) / 1000).toFixed(1)} s: Kafka ${env.KAFKA_BROKERS}, registry ${env.SCHEMA_REGISTRY_URL}, Mongo ${env.MONGO_URL}, SMTP ${env.SMTP_URL}`,
  );
  return { env, teardown };
}
