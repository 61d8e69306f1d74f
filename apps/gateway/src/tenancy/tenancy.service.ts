import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ClusterViewStore } from '@switchyard/cluster';
import type { GatewayConfig } from '@switchyard/config';
import { SwitchyardError, type KeySpace } from '@switchyard/contracts';
import type { RedisClient as Redis } from '@switchyard/cluster';
import { KEY_SPACE } from '../cluster/cluster.providers';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import type { RequestHeaders } from '../http/request-headers';
import { ANONYMOUS, apiKeyOf, hasLimits, principalOf, refusalOf, type Principal } from './api-key';
import { ApiKeyRepository, isTenantEntry } from './api-key.repository';
import { KeyDirectory } from './key-directory';
import { KeyLimiter, type Grant } from './key-limits';
import type { Visibility } from './model-visibility';
import { TENANCY_SUBSCRIBER } from './tenancy.providers';
import { UsageRepository } from './usage.repository';

export type AuthMode = 'required' | 'off';

/** How a request ended, for its key's limits and the usage figures. */
export interface RequestUsage {
  model: string;
  promptTokens: number;
  completionTokens: number;
  failed: boolean;
}

/**
 * Who may send requests and how many: the API key (from any dialect's usual header), its
 * model allow-list and its limits across every replica, and what it used. The pipeline calls
 * `authenticate` first, `admit` once the model is known, and `end` in its finally block.
 */
@Injectable()
export class Tenancy implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(Tenancy.name);
  private mode: AuthMode | undefined;
  private readonly anonymous: Principal;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(TENANCY_SUBSCRIBER) private readonly subscriber: Redis,
    @Inject(KEY_SPACE) private readonly keys: KeySpace,
    private readonly repository: ApiKeyRepository,
    private readonly directory: KeyDirectory,
    private readonly limiter: KeyLimiter,
    private readonly usage: UsageRepository,
    private readonly view: ClusterViewStore,
  ) {
    this.anonymous = {
      tenant: ANONYMOUS,
      routingHeaders: config.anonymousRoutingHeaders,
      priority: config.defaultPriority,
    };
  }

  async onModuleInit(): Promise<void> {
    await this.directory.listen(this.subscriber, this.keys.apiKeyEvents);
    // `auto` turns required as soon as any replica stores a first key (not tenant limits).
    this.directory.onChange((entry) => {
      if (!isTenantEntry(entry) && this.mode === 'off' && this.config.auth === 'auto') {
        this.mode = 'required';
        this.log.log('auth: required (an API key was created)');
      }
    });
    await this.resolveMode().catch((err: Error) =>
      this.log.warn(`auth mode undecided until Redis answers: ${err.message}`),
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.subscriber.disconnect();
  }

  get authMode(): AuthMode | undefined {
    return this.mode;
  }

  /** The request's principal; 401 when auth is required and the key is missing or not valid. */
  async authenticate(headers: RequestHeaders): Promise<Principal> {
    const mode = this.mode ?? (await inRedis(this.resolveMode()));
    const key = apiKeyOf(headers);
    const record = key === undefined ? undefined : await inRedis(this.directory.find(key));
    const refusal = record
      ? refusalOf(record, Date.now())
      : key === undefined
        ? 'missing'
        : 'unknown';
    if (record && refusal === undefined) return principalOf(record);
    if (mode === 'off') return this.anonymous;
    throw new SwitchyardError('SY_UNAUTHENTICATED', UNAUTHENTICATED[refusal ?? 'unknown'] ?? '');
  }

  /** Which models this caller's listings show (never an error: health routes share them). */
  async visibility(headers: RequestHeaders): Promise<Visibility> {
    try {
      const principal = await this.authenticate(headers);
      return principal.models ?? 'all';
    } catch {
      return 'none';
    }
  }

  /** 403 (or the dialect's 404) when the key's allow-list has neither name the model goes by. */
  authorize(principal: Principal, asked: string, resolved: string): void {
    const allowed = principal.models;
    if (allowed === undefined || allowed.includes(resolved) || allowed.includes(asked)) return;
    throw new SwitchyardError(
      'SY_MODEL_NOT_ALLOWED',
      `This API key does not have access to model '${asked}'.`,
      { param: 'model', model: asked },
    );
  }

  /** Takes the request from its key's and its tenant's limits (429 when over one). */
  async admit(
    principal: Principal,
    requestId: string,
    estimatedTokens: number,
  ): Promise<Grant | undefined> {
    const tenantLimits = await inRedis(this.directory.tenantLimits(principal.tenant));
    if (!hasLimits(principal.limits) && !hasLimits(tenantLimits)) return undefined;
    return inRedis(
      this.limiter.admit(
        principal.tenant,
        principal.keyId,
        principal.limits,
        tenantLimits,
        requestId,
        estimatedTokens,
      ),
    );
  }

  /** Frees the slot, corrects the tokens and counts the usage — off the response's path. */
  end(principal: Principal, grant: Grant | undefined, used: RequestUsage): void {
    const tokens = used.promptTokens + used.completionTokens;
    const work = Promise.all([
      grant ? this.limiter.settle(grant, tokens) : undefined,
      this.usage.record({
        tenant: principal.tenant,
        keyId: principal.keyId ?? '-',
        // Only models the cluster has served: a client making names up adds no usage rows.
        model: this.view.knownModels().has(used.model) ? used.model : UNKNOWN_MODEL,
        promptTokens: used.promptTokens,
        completionTokens: used.completionTokens,
        error: used.failed,
      }),
    ]);
    work.catch((err: Error) => this.log.warn(`usage and limits not settled: ${err.message}`));
  }

  private async resolveMode(): Promise<AuthMode> {
    if (this.config.auth !== 'auto') this.mode = this.config.auth;
    else {
      const stored = await this.repository.count();
      this.mode = this.directory.staticCount + stored > 0 ? 'required' : 'off';
    }
    this.log.log(
      `auth: ${this.mode} (${this.config.auth === 'auto' ? 'auto: ' : ''}${this.directory.staticCount} static key(s))`,
    );
    return this.mode;
  }
}

/** A Redis call on the admission path: its failure is the cluster's (503), a 429 stays one. */
async function inRedis<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof SwitchyardError) throw err;
    throw new SwitchyardError(
      'SY_CLUSTER_UNAVAILABLE',
      'The cluster is unreachable right now; try again shortly.',
      { cause: err },
    );
  }
}

const UNKNOWN_MODEL = '(unknown)';

const UNAUTHENTICATED: Readonly<Record<string, string>> = {
  missing: 'Missing API key: send it as "Authorization: Bearer <key>" (or "x-api-key: <key>").',
  unknown: 'Invalid API key.',
  revoked: 'This API key has been revoked.',
  expired: 'This API key has expired.',
};
