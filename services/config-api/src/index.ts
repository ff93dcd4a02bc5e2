export { createConfigApi, type ConfigApi, type ConfigApiOptions } from './service.js';
export { createSecretBox, type EncryptionKey } from '@msync/stores';
export { reencryptSecrets } from './reencrypt.js';
