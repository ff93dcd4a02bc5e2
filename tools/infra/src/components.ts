import {
  existsSync,
  mkdirSync,
  readdirSync,
  writeFileSync,
  cpSync,
  chmodSync,
  rmSync,
  readFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { PrerequisiteError, hasCommand, javaMajor, run, startDetached } from './exec.js';
import { VERSIONS, type Ports } from './paths.js';

export interface Context {
  cache: string;
  state: string;
  ports: Ports;
  log: (line: string) => void;
}

/** One local server: how to install it (cached), start it, and tell that it answers. */
export interface Component {
  name: 'kafka' | 'registry' | 'mongo' | 'smtp';
  /** The server's log, under the state folder. */
  logFile(ctx: Context): string;
  /** The variable that, when set, points at an existing server and skips this component. */
  envVar: string;
  url(ctx: Context): string;
  install(ctx: Context): Promise<void>;
  start(ctx: Context): Promise<number>;
  healthy(ctx: Context): Promise<boolean>;
}

const mavenRepo = (ctx: Context) => `-Dmaven.repo.local=${join(ctx.cache, 'm2')}`;

function requireMaven(): void {
  if (!hasCommand('mvn', ['-v'])) {
    throw new PrerequisiteError(
      'Maven is required to fetch Kafka and Apicurio Registry from Maven Central: install Maven 3 (e.g. `apt-get install maven`), or set KAFKA_BROKERS / SCHEMA_REGISTRY_URL to existing servers, or run a Docker engine.',
    );
  }
}

function requireGo(): void {
  if (!hasCommand('go', ['version'])) {
    throw new PrerequisiteError(
      'Go 1.22+ is required to build FerretDB and Mailpit: install Go (https://go.dev/doc/install or `apt-get install golang`), or set MONGO_URL / SMTP_URL to existing servers, or run a Docker engine.',
    );
  }
}

/** Finds a Java runtime of at least `major`: explicit env, JAVA_HOME, PATH, then /usr/lib/jvm. */
export function findJava(major: number, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    env['MSYNC_JAVA21_HOME'] && join(env['MSYNC_JAVA21_HOME'], 'bin/java'),
    env['JAVA_HOME'] && join(env['JAVA_HOME'], 'bin/java'),
    'java',
    ...(existsSync('/usr/lib/jvm')
      ? readdirSync('/usr/lib/jvm').map((d) => join('/usr/lib/jvm', d, 'bin/java'))
      : []),
  ].filter((c): c is string => Boolean(c));
  return candidates.find((c) => (javaMajor(c) ?? 0) >= major);
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port, timeout: 1_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

const done = (dir: string) => join(dir, '.complete');

export const kafka: Component = {
  name: 'kafka',
  logFile: (ctx) => join(ctx.state, 'logs', 'kafka.log'),
  envVar: 'KAFKA_BROKERS',
  url: (ctx) => `127.0.0.1:${ctx.ports.kafka}`,
  async install(ctx) {
    const dir = join(ctx.cache, `kafka-${VERSIONS.kafka}`);
    if (existsSync(done(dir))) return;
    if (!findJava(17))
      throw new PrerequisiteError(
        'Java 17+ is required to run Kafka: install a JDK/JRE 17 (e.g. `apt-get install openjdk-17-jre-headless`).',
      );
    requireMaven();
    ctx.log(`fetching Apache Kafka ${VERSIONS.kafka} from Maven Central…`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'pom.xml'),
      `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>local.msync</groupId><artifactId>kafka-runtime</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>
<dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${VERSIONS.kafka}</version></dependency>
<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>${VERSIONS.slf4j}</version></dependency>
</dependencies></project>\n`,
    );
    await run(
      'mvn',
      [
        '-q',
        '-B',
        mavenRepo(ctx),
        'dependency:copy-dependencies',
        '-DoutputDirectory=libs',
        '-DincludeScope=runtime',
      ],
      {
        cwd: dir,
        label: 'fetching Kafka',
      },
    );
    writeFileSync(done(dir), new Date().toISOString());
  },
  async start(ctx) {
    const java = findJava(17)!;
    const dir = join(ctx.state, 'kafka');
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const properties = join(dir, 'server.properties');
    writeFileSync(
      properties,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${ctx.ports.kafkaController}`,
        `listeners=PLAINTEXT://127.0.0.1:${ctx.ports.kafka},CONTROLLER://127.0.0.1:${ctx.ports.kafkaController}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${ctx.ports.kafka}`,
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        `log.dirs=${dataDir}`,
        'num.partitions=3',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=10',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'auto.create.topics.enable=false',
        'log.retention.check.interval.ms=60000',
        '',
      ].join('\n'),
    );
    const classpath = join(ctx.cache, `kafka-${VERSIONS.kafka}`, 'libs', '*');
    if (!existsSync(join(dataDir, 'meta.properties'))) {
      // A KRaft cluster id is a base64url-encoded UUID (22 characters); like Kafka's own
      // Uuid.randomUuid, never one starting with '-', which the tool would read as an option.
      let clusterId = randomBytes(16).toString('base64url');
      while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
      await run(
        java,
        ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties],
        {
          label: 'formatting Kafka storage',
        },
      );
    }
    return startDetached(
      java,
      ['-Xms256m', '-Xmx768m', '-XX:+UseG1GC', '-cp', classpath, 'kafka.Kafka', properties],
      {
        logFile: kafka.logFile(ctx),
      },
    );
  },
  async healthy(ctx) {
    if (!(await tcpOpen(ctx.ports.kafka))) return false;
    const admin = new Kafka({
      brokers: [`127.0.0.1:${ctx.ports.kafka}`],
      clientId: 'msync-infra',
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.controller !== null && cluster.brokers.length > 0;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
};

export const registry: Component = {
  name: 'registry',
  logFile: (ctx) => join(ctx.state, 'logs', 'registry.log'),
  envVar: 'SCHEMA_REGISTRY_URL',
  url: (ctx) => `http://127.0.0.1:${ctx.ports.registry}/apis/ccompat/v7`,
  async install(ctx) {
    const dir = join(ctx.cache, `apicurio-${VERSIONS.apicurio}`);
    if (existsSync(done(dir))) return;
    if (!findJava(21)) {
      throw new PrerequisiteError(
        `Apicurio Registry ${VERSIONS.apicurio} needs Java 21 or newer (Kafka itself runs on 17): install a JDK/JRE 21+ (e.g. Temurin 21, or \`apt-get install openjdk-21-jre-headless\` where available) and, if it is not on PATH or in /usr/lib/jvm, point MSYNC_JAVA21_HOME at it; or set SCHEMA_REGISTRY_URL to an existing Confluent-compatible registry.`,
      );
    }
    requireMaven();
    ctx.log(`fetching Apicurio Registry ${VERSIONS.apicurio} from Maven Central…`);
    const downloads = join(ctx.cache, 'downloads');
    mkdirSync(downloads, { recursive: true });
    await run(
      'mvn',
      [
        '-q',
        '-B',
        mavenRepo(ctx),
        'dependency:copy',
        `-Dartifact=io.apicurio:apicurio-registry-app:${VERSIONS.apicurio}:tar.gz:all`,
        `-DoutputDirectory=${downloads}`,
      ],
      { label: 'fetching Apicurio Registry' },
    );
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await run(
      'tar',
      ['xzf', join(downloads, `apicurio-registry-app-${VERSIONS.apicurio}-all.tar.gz`), '-C', dir],
      { label: 'unpacking Apicurio Registry' },
    );
    writeFileSync(done(dir), new Date().toISOString());
  },
  async start(ctx) {
    const java = findJava(21)!;
    const dataDir = join(ctx.state, 'registry');
    mkdirSync(dataDir, { recursive: true });
    return startDetached(
      java,
      [
        '-Xms128m',
        '-Xmx512m',
        `-Dquarkus.http.host=127.0.0.1`,
        `-Dquarkus.http.port=${ctx.ports.registry}`,
        '-Dquarkus.management.host=127.0.0.1',
        `-Dquarkus.management.port=${ctx.ports.registry + 1000}`,
        // Schemas must survive restarts: messages in Kafka carry their schema ids.
        '-Dapicurio.storage.kind=sql',
        '-Dapicurio.storage.sql.kind=h2',
        `-Dapicurio.datasource.url=jdbc:h2:file:${join(dataDir, 'registry')}`,
        '-jar',
        'quarkus-run.jar',
      ],
      {
        cwd: join(ctx.cache, `apicurio-${VERSIONS.apicurio}`),
        logFile: registry.logFile(ctx),
      },
    );
  },
  healthy: (ctx) => httpOk(`http://127.0.0.1:${ctx.ports.registry}/apis/ccompat/v7/subjects`),
};

export const mongo: Component = {
  name: 'mongo',
  logFile: (ctx) => join(ctx.state, 'logs', 'ferretdb.log'),
  envVar: 'MONGO_URL',
  url: (ctx) => `mongodb://127.0.0.1:${ctx.ports.mongo}/`,
  async install(ctx) {
    const bin = join(ctx.cache, 'bin', `ferretdb-${VERSIONS.ferretdb}`);
    if (existsSync(bin)) return;
    requireGo();
    ctx.log(`building FerretDB ${VERSIONS.ferretdb} from the Go module proxy…`);
    const goEnv = goEnvironment(ctx);
    const info = JSON.parse(
      await run(
        'go',
        ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${VERSIONS.ferretdb}`],
        { env: goEnv, label: 'downloading FerretDB' },
      ),
    ) as { Dir: string };
    const src = join(ctx.cache, 'src', `ferretdb-${VERSIONS.ferretdb}`);
    rmSync(src, { recursive: true, force: true });
    cpSync(info.Dir, src, { recursive: true });
    makeWritable(src);
    // `go install` of the module leaves the embedded version file empty and the binary refuses
    // to start; a build from the module source with the version written in works.
    writeFileSync(join(src, 'build', 'version', 'version.txt'), `${VERSIONS.ferretdb}\n`);
    await run('go', ['build', '-o', bin, './cmd/ferretdb'], {
      cwd: src,
      env: goEnv,
      label: 'building FerretDB',
    });
  },
  async start(ctx) {
    const dataDir = join(ctx.state, 'ferretdb');
    mkdirSync(dataDir, { recursive: true });
    return startDetached(
      join(ctx.cache, 'bin', `ferretdb-${VERSIONS.ferretdb}`),
      [
        '--handler=sqlite',
        `--sqlite-url=file:${dataDir}/`,
        `--state-dir=${dataDir}`,
        `--listen-addr=127.0.0.1:${ctx.ports.mongo}`,
        '--telemetry=disable',
        '--debug-addr=-',
        '--log-level=warn',
      ],
      { cwd: dataDir, logFile: mongo.logFile(ctx) },
    );
  },
  async healthy(ctx) {
    if (!(await tcpOpen(ctx.ports.mongo))) return false;
    const client = new MongoClient(`mongodb://127.0.0.1:${ctx.ports.mongo}/`, {
      serverSelectionTimeoutMS: 1_500,
    });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
      return true;
    } catch {
      return false;
    } finally {
      await client.close().catch(() => undefined);
    }
  },
};

export const smtp: Component = {
  name: 'smtp',
  logFile: (ctx) => join(ctx.state, 'logs', 'mailpit.log'),
  envVar: 'SMTP_URL',
  url: (ctx) => `smtp://127.0.0.1:${ctx.ports.smtp}`,
  async install(ctx) {
    const bin = join(ctx.cache, 'bin', `mailpit-${VERSIONS.mailpit}`);
    if (existsSync(bin)) return;
    requireGo();
    ctx.log(`building Mailpit ${VERSIONS.mailpit} from the Go module proxy…`);
    const gobin = join(ctx.cache, 'gobin', `mailpit-${VERSIONS.mailpit}`);
    await run('go', ['install', `github.com/axllent/mailpit@${VERSIONS.mailpit}`], {
      env: { ...goEnvironment(ctx), GOBIN: gobin },
      label: 'building Mailpit',
    });
    mkdirSync(join(ctx.cache, 'bin'), { recursive: true });
    cpSync(join(gobin, 'mailpit'), bin);
  },
  async start(ctx) {
    return startDetached(
      join(ctx.cache, 'bin', `mailpit-${VERSIONS.mailpit}`),
      [
        '--smtp',
        `127.0.0.1:${ctx.ports.smtp}`,
        '--listen',
        `127.0.0.1:${ctx.ports.mailpitHttp}`,
        '--smtp-auth-accept-any',
        '--smtp-auth-allow-insecure',
        '--disable-version-check',
      ],
      { logFile: smtp.logFile(ctx) },
    );
  },
  healthy: (ctx) => httpOk(`http://127.0.0.1:${ctx.ports.mailpitHttp}/api/v1/info`),
};

export const components: Component[] = [kafka, registry, mongo, smtp];

function goEnvironment(ctx: Context): NodeJS.ProcessEnv {
  return {
    GOMODCACHE: join(ctx.cache, 'go', 'mod'),
    GOCACHE: join(ctx.cache, 'go', 'build'),
    GOPATH: join(ctx.cache, 'go', 'path'),
    GOFLAGS: '-modcacherw',
    GOTOOLCHAIN: 'local',
  };
}

function makeWritable(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    chmodSync(path, entry.isDirectory() ? 0o755 : 0o644);
    if (entry.isDirectory()) makeWritable(path);
  }
  chmodSync(dir, 0o755);
}

/** Reads a pid file, if any. */
export function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
