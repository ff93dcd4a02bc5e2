import { randomUUID } from 'node:crypto';
import type { Logger } from '@msync/platform';
import { canSee, type Principal } from './domain/access.js';
import type {
  FulfillmentCenterOption,
  HostResolver,
  MiraklGateway,
  SecretBox,
  ShipBobGateway,
} from './domain/ports.js';
import { Problem } from './domain/problem.js';
import { checkResolvedAddresses, checkUrlShape, type UrlPolicy } from '@msync/mirakl';
import { visibleTail } from './domain/credentials.js';
import { miraklOrigin, shopClaimKey } from './domain/mirakl-origin.js';
import {
  checkSettings,
  defaultSettings,
  mergeSettings,
  type RuleViolation,
  type SettingsPatch,
  type ShipBobLink,
  type Store,
  withoutShipBob,
} from './domain/store.js';
import type { MongoStores } from './adapters/mongo-stores.js';
import { DEFAULT_VERIFICATION_DEADLINE_MS, VerificationBudget } from './verification-budget.js';

export interface StoreServiceDeps {
  stores: MongoStores;
  mirakl: MiraklGateway;
  shipbob: ShipBobGateway;
  resolver: HostResolver;
  secrets: SecretBox;
  urlPolicy: UrlPolicy;
  logger: Logger;
  /** Called after every saved change so the relay publishes at once. */
  onChange?: () => void;
  now?: () => Date;
  /** Cap on all vendor calls of one request (DNS included when connecting). Default 10 s. */
  verificationDeadlineMs?: number;
}

export interface ConnectInput {
  miraklUrl: string;
  miraklApiKey: string;
}

export interface ConfigureInput extends SettingsPatch {
  /** A new PAT to verify and store; `null` removes the ShipBob link. */
  shipbobPat?: string | null;
}

/** The store lifecycle: every rule that decides what the rest of the system may do. */
export class StoreService {
  private readonly now: () => Date;

  constructor(private readonly deps: StoreServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async list(principal: Principal): Promise<Store[]> {
    const filter = principal.role === 'tenant' ? { tenantId: principal.tenantId } : {};
    const stores = await this.deps.stores.list(filter);
    return stores.filter((s) => canSee(principal, s));
  }

  async get(principal: Principal, id: string): Promise<Store> {
    const store = await this.deps.stores.get(id);
    if (!store || !canSee(principal, store)) throw Problem.notFound();
    return store;
  }

  async connect(principal: Principal, input: ConnectInput): Promise<Store> {
    if (principal.role !== 'tenant') {
      throw Problem.forbidden('Stores are connected with a tenant token');
    }
    this.deps.logger.addSecret(input.miraklApiKey);
    const budget = this.budget();
    const url = await budget.run('Mirakl', () => this.checkUrl(input.miraklUrl));
    // The seller API is at <origin>/api whatever page of the back office the URL came from.
    const origin = miraklOrigin(url);
    const verified = await budget.run('Mirakl', () =>
      this.deps.mirakl.verifyShop(origin, input.miraklApiKey),
    );
    if (!verified.ok) {
      throw Problem.validation([
        {
          field: 'miraklApiKey',
          rule: 'credentials-rejected',
          message: `Mirakl refused this API key (${verified.message})`,
        },
      ]);
    }
    const id = randomUUID();
    const claim = await this.deps.stores.claimShop(shopClaimKey(origin, verified.value.shopId), id);
    if (!claim.ok) {
      const existing = await this.deps.stores.get(claim.existingStoreId);
      const visible = existing !== null && canSee(principal, existing);
      throw new Problem(
        409,
        'store-exists',
        'This Mirakl shop is already connected',
        visible ? `See store ${claim.existingStoreId}` : 'Another account has connected this shop',
        [
          {
            field: 'miraklApiKey',
            rule: 'shop-already-connected',
            message: 'Shop already connected',
          },
        ],
        visible
          ? {
              existingStoreId: claim.existingStoreId,
              existingStore: `/v1/stores/${claim.existingStoreId}`,
            }
          : {},
      );
    }
    const at = this.now();
    const store: Store = {
      id,
      tenantId: principal.tenantId,
      status: 'CONNECTED',
      miraklBaseUrl: origin,
      miraklShopId: verified.value.shopId,
      miraklShopName: verified.value.shopName,
      miraklApiKey: {
        sealed: this.deps.secrets.seal(input.miraklApiKey),
        last4: visibleTail(input.miraklApiKey),
      },
      shipbob: null,
      settings: defaultSettings(),
      returnsApproved: false,
      version: 1,
      createdAt: at,
      updatedAt: at,
    };
    await this.deps.stores.insert(store, { offersPollPending: true });
    this.deps.logger.info('store connected', { storeId: id, shopId: store.miraklShopId });
    this.deps.onChange?.();
    return store;
  }

  async configure(
    principal: Principal,
    id: string,
    expectedVersion: number,
    input: ConfigureInput,
  ): Promise<Store> {
    const store = await this.get(principal, id);
    if (store.version !== expectedVersion) throw Problem.stale(store.version);

    const budget = this.budget();
    let shipbob: ShipBobLink | null = store.shipbob;
    let pat = store.shipbob ? this.deps.secrets.open(store.shipbob.pat.sealed) : null;
    if (pat) this.deps.logger.addSecret(pat);
    if (input.shipbobPat === null) {
      shipbob = null;
      pat = null;
    } else if (input.shipbobPat !== undefined) {
      this.deps.logger.addSecret(input.shipbobPat);
      const candidate = input.shipbobPat;
      const verified = await budget.run('ShipBob', () => this.deps.shipbob.verifyToken(candidate));
      if (!verified.ok) {
        throw Problem.validation([
          {
            field: 'shipbobPat',
            rule: 'credentials-rejected',
            message: `ShipBob refused this token (${verified.message})`,
          },
        ]);
      }
      pat = input.shipbobPat;
      shipbob = {
        pat: { sealed: this.deps.secrets.seal(pat), last4: visibleTail(pat) },
        channelId: verified.value.channelId,
        channelName: verified.value.channelName,
      };
    }

    const settings = mergeSettings(store.settings, input);
    const violations: RuleViolation[] = checkSettings(settings, {
      shipbobConfigured: shipbob !== null,
      returnsApproved: store.returnsApproved,
    });
    const center = settings.returnFulfillmentCenterId;
    const centerToCheck =
      center !== store.settings.returnFulfillmentCenterId || input.shipbobPat !== undefined;
    if (pat && center !== null && centerToCheck) {
      const token = pat;
      const centers = await budget.run('ShipBob', () =>
        this.deps.shipbob.listFulfillmentCenters(token),
      );
      if (!centers.some((c) => c.id === center)) {
        violations.push({
          field: 'returnFulfillmentCenterId',
          rule: 'known-fulfillment-center',
          message: `Fulfillment center ${center} is not one of the ShipBob account's centers`,
        });
      }
    }
    if (violations.length > 0) throw Problem.validation(violations);

    return this.save(store, { ...store, shipbob, settings });
  }

  async disconnect(principal: Principal, id: string, expectedVersion?: number): Promise<Store> {
    const store = await this.get(principal, id);
    checkVersion(store, expectedVersion);
    if (store.status === 'DISCONNECTED') return store;
    return this.save(store, { ...store, status: 'DISCONNECTED' });
  }

  /** Re-verifies the stored (or a replacement) key, then resumes syncing. */
  async reconnect(
    principal: Principal,
    id: string,
    expectedVersion: number | undefined,
    input: { miraklApiKey?: string },
  ): Promise<Store> {
    const store = await this.get(principal, id);
    checkVersion(store, expectedVersion);
    if (store.status === 'CONNECTED' && input.miraklApiKey === undefined) return store;
    const key =
      input.miraklApiKey ??
      (store.miraklApiKey ? this.deps.secrets.open(store.miraklApiKey.sealed) : undefined);
    if (key === undefined) {
      throw Problem.validation([
        { field: 'miraklApiKey', rule: 'required', message: 'A Mirakl API key is needed' },
      ]);
    }
    this.deps.logger.addSecret(key);
    const verified = await this.budget().run('Mirakl', () =>
      this.deps.mirakl.verifyShop(store.miraklBaseUrl, key),
    );
    if (!verified.ok || verified.value.shopId !== store.miraklShopId) {
      throw Problem.validation([
        {
          field: 'miraklApiKey',
          rule: 'credentials-rejected',
          message: verified.ok
            ? 'This key belongs to another Mirakl shop'
            : `Mirakl refused this API key (${verified.message})`,
        },
      ]);
    }
    return this.save(store, {
      ...store,
      status: 'CONNECTED',
      miraklShopName: verified.value.shopName,
      miraklApiKey: { sealed: this.deps.secrets.seal(key), last4: visibleTail(key) },
    });
  }

  /** Erases the secrets and stops everything; the record (and all history) stays. */
  async remove(principal: Principal, id: string, expectedVersion?: number): Promise<void> {
    const store = await this.get(principal, id);
    checkVersion(store, expectedVersion);
    await this.save(store, {
      ...store,
      status: 'DELETED',
      miraklApiKey: null,
      shipbob: null,
      settings: { ...withoutShipBob(store.settings), reportEmail: null },
    });
    await this.deps.stores.releaseShop(
      shopClaimKey(miraklOrigin(new URL(store.miraklBaseUrl)), store.miraklShopId),
      store.id,
    );
  }

  /** Admin decision; revoking also switches Sync Returns off. */
  async setReturnsApproval(
    principal: Principal,
    id: string,
    approved: boolean,
    expectedVersion?: number,
  ): Promise<Store> {
    if (principal.role !== 'admin')
      throw Problem.forbidden('Only an administrator approves returns');
    const store = await this.get(principal, id);
    checkVersion(store, expectedVersion);
    if (store.returnsApproved === approved) return store;
    const toggles = {
      ...store.settings.toggles,
      returns: approved && store.settings.toggles.returns,
    };
    return this.save(store, {
      ...store,
      returnsApproved: approved,
      settings: { ...store.settings, toggles },
    });
  }

  async fulfillmentCenters(principal: Principal, id: string): Promise<FulfillmentCenterOption[]> {
    const store = await this.get(principal, id);
    if (!store.shipbob) {
      throw new Problem(
        409,
        'shipbob-not-configured',
        'No ShipBob token is configured',
        undefined,
        [
          {
            field: 'shipbobPat',
            rule: 'shipbob-pat-required',
            message: 'Enter a ShipBob token first',
          },
        ],
      );
    }
    const pat = this.deps.secrets.open(store.shipbob.pat.sealed);
    this.deps.logger.addSecret(pat);
    return this.budget().run('ShipBob', () => this.deps.shipbob.listFulfillmentCenters(pat));
  }

  private budget(): VerificationBudget {
    return new VerificationBudget(
      this.deps.verificationDeadlineMs ?? DEFAULT_VERIFICATION_DEADLINE_MS,
    );
  }

  private async save(previous: Store, next: Store): Promise<Store> {
    const saved: Store = { ...next, version: previous.version + 1, updatedAt: this.now() };
    if (!(await this.deps.stores.replace(saved, previous.version))) {
      const current = await this.deps.stores.get(previous.id);
      throw Problem.stale(current?.version ?? previous.version);
    }
    this.deps.logger.info('store changed', {
      storeId: saved.id,
      version: saved.version,
      status: saved.status,
    });
    this.deps.onChange?.();
    return saved;
  }

  private async checkUrl(raw: string): Promise<URL> {
    const shape = checkUrlShape(raw, this.deps.urlPolicy);
    if (!shape.ok) throw Problem.validation([shape.violation]);
    if (shape.trusted) return shape.url;
    const host = shape.url.hostname;
    const refused = checkResolvedAddresses(host, await this.deps.resolver.resolve(host));
    if (refused && !refused.ok) throw Problem.validation([refused.violation]);
    return shape.url;
  }
}

function checkVersion(store: Store, expected: number | undefined): void {
  if (expected !== undefined && store.version !== expected) throw Problem.stale(store.version);
}
