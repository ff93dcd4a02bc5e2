import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Principal, Role } from './domain/access.js';
import { Problem } from './domain/problem.js';
import type { MongoAccess, TenantDocument, TokenDocument } from './adapters/mongo-access.js';

export interface IssuedToken {
  id: string;
  /** Shown once, never stored. */
  token: string;
  role: Role;
  tenantId: string | null;
  name: string;
  createdAt: Date;
}

/** Bearer tokens (stored as SHA-256 hashes) and tenants. */
export class AccessService {
  private readonly bootstrapHash: Buffer;

  constructor(
    private readonly access: MongoAccess,
    bootstrapAdminToken: string,
  ) {
    this.bootstrapHash = sha256(bootstrapAdminToken);
  }

  /** The principal of an `Authorization: Bearer …` header, or null. */
  async authenticate(header: string | undefined): Promise<Principal | null> {
    const match = /^Bearer ([\x21-\x7e]{16,512})$/.exec(header ?? '');
    if (!match) return null;
    const hash = sha256(match[1]!);
    if (timingSafeEqual(hash, this.bootstrapHash)) return { role: 'admin', tokenId: 'bootstrap' };
    const token = await this.access.findTokenByHash(hash.toString('hex'));
    if (!token) return null;
    return token.role === 'admin' || token.tenantId === null
      ? { role: 'admin', tokenId: token._id }
      : { role: 'tenant', tokenId: token._id, tenantId: token.tenantId };
  }

  async createTenant(name: string): Promise<TenantDocument> {
    const tenant: TenantDocument = { _id: randomUUID(), name, createdAt: new Date() };
    await this.access.tenants.insertOne(tenant);
    return tenant;
  }

  listTenants(): Promise<TenantDocument[]> {
    return this.access.tenants.find({}).sort({ createdAt: 1 }).toArray();
  }

  findTenant(id: string): Promise<TenantDocument | null> {
    return this.access.tenants.findOne({ _id: id });
  }

  async getTenant(id: string): Promise<TenantDocument> {
    const tenant = await this.access.tenants.findOne({ _id: id });
    if (!tenant) throw Problem.notFound('tenant');
    return tenant;
  }

  async issueToken(input: {
    role: Role;
    tenantId: string | null;
    name: string;
  }): Promise<IssuedToken> {
    if (input.role === 'tenant') {
      if (input.tenantId === null) throw Problem.notFound('tenant');
      await this.getTenant(input.tenantId);
    }
    const token = `msync_${randomBytes(32).toString('base64url')}`;
    const doc: TokenDocument = {
      _id: randomUUID(),
      hash: sha256(token).toString('hex'),
      role: input.role,
      tenantId: input.role === 'tenant' ? input.tenantId : null,
      name: input.name,
      createdAt: new Date(),
    };
    await this.access.tokens.insertOne(doc);
    return {
      id: doc._id,
      token,
      role: doc.role,
      tenantId: doc.tenantId,
      name: doc.name,
      createdAt: doc.createdAt,
    };
  }

  listTokens(filter: { tenantId?: string }): Promise<TokenDocument[]> {
    const query = filter.tenantId === undefined ? {} : { tenantId: filter.tenantId };
    return this.access.tokens.find(query).sort({ createdAt: 1 }).toArray();
  }

  async revokeToken(id: string): Promise<void> {
    const result = await this.access.tokens.deleteOne({ _id: id });
    if (result.deletedCount === 0) throw Problem.notFound('token');
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
