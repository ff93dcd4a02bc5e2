import { connectMongo, createLogger, loadConfig, mongoEnv } from '@msync/platform';
import { configSchema } from './config.js';
import { createSecretBox } from '@msync/stores';
import { reencryptSecrets } from './reencrypt.js';

// Composition root of the key-rotation command: `node dist/reencrypt-cli.js`.
// Put the new key first in ENCRYPTION_KEYS (keep the old ones after it), run this, then drop the old keys.
const config = loadConfig(mongoEnv.extend({ ENCRYPTION_KEYS: configSchema.shape.ENCRYPTION_KEYS }));
const logger = createLogger({ bindings: { service: 'config-api', command: 'reencrypt' } });
const mongo = await connectMongo(config.MONGO_URL, {
  dbName: config.MONGO_DB,
  appName: 'config-api-reencrypt',
});
try {
  const box = createSecretBox(config.ENCRYPTION_KEYS);
  const result = await reencryptSecrets(mongo.db, box);
  logger.info('secrets re-encrypted', { activeKeyId: box.activeKeyId, ...result });
} finally {
  await mongo.close();
}
