import type { Db } from 'mongodb';
import type { SecretBox } from './domain/ports.js';
import type { StoredSecret } from './domain/store.js';
import { MongoStores, type StoreDocument } from './adapters/mongo-stores.js';

/**
 * Re-seals every stored secret that is not under the active key. Each store is rewritten only
 * if unchanged since it was read (its version), and its version is left as is: the
 * configuration did not change, so nothing is published. Safe to run again.
 */
export async function reencryptSecrets(
  db: Db,
  box: SecretBox,
): Promise<{ rewritten: number; alreadyCurrent: number }> {
  const repository = new MongoStores(db);
  const stores = db.collection<StoreDocument>('stores');
  let rewritten = 0;
  let alreadyCurrent = 0;
  const reseal = (secret: StoredSecret | null): StoredSecret | null =>
    secret && box.keyIdOf(secret.sealed) !== box.activeKeyId
      ? { ...secret, sealed: box.seal(box.open(secret.sealed)) }
      : secret;
  for await (const doc of stores.find({})) {
    const miraklApiKey = reseal(doc.miraklApiKey);
    const shipbob = doc.shipbob ? { ...doc.shipbob, pat: reseal(doc.shipbob.pat)! } : null;
    if (miraklApiKey === doc.miraklApiKey && shipbob?.pat === doc.shipbob?.pat) {
      alreadyCurrent++;
      continue;
    }
    const updated = await repository.withLock(doc._id, async () => {
      const current = await stores.findOne({ _id: doc._id });
      if (current?.version !== doc.version) return false;
      await stores.updateOne(
        { _id: doc._id, version: doc.version },
        { $set: { miraklApiKey, shipbob } },
      );
      return true;
    });
    if (updated) rewritten++;
    else throw new Error(`store ${doc._id} changed during re-encryption; run the command again`);
  }
  return { rewritten, alreadyCurrent };
}
