export { createConfigApi, type ConfigApi, type ConfigApiOptions } from './service.js';
export { createSecretBox, type EncryptionKey } from './adapters/secret-box.js';
export { reencryptSecrets } from './reencrypt.js';
