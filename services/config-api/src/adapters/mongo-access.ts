import type { Collection, Db } from 'mongodb';
import type { Role } from '../domain/access.js';

export interface TenantDocument {
  _id: string;
  name: string;
  createdAt: Date;
}

export interface TokenDocument {
  _id: string;
  /** SHA-256 of the token (hex); the token itself is shown once and never stored. */
  hash: string;
  role: Role;
  tenantId: string | null;
  name: string;
  createdAt: Date;
}

/** Tenants and API tokens. */
export class MongoAccess {
  readonly tenants: Collection<TenantDocument>;
  readonly tokens: Collection<TokenDocument>;

  constructor(db: Db) {
    this.tenants = db.collection<TenantDocument>('tenants');
    this.tokens = db.collection<TokenDocument>('api_tokens');
  }

  async ensureIndexes(): Promise<void> {
    await this.tokens.createIndex({ hash: 1 }, { unique: true });
    await this.tokens.createIndex({ tenantId: 1 });
  }

  findTokenByHash(hash: string): Promise<TokenDocument | null> {
    return this.tokens.findOne({ hash });
  }
}
