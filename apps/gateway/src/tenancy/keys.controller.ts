import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { keyLimitsSchema } from '@switchyard/config';
import { SwitchyardError } from '@switchyard/contracts';
import { z } from 'zod';
import { AdminErrorFilter } from '../admin/admin-error.filter';
import { AdminGuard } from '../admin/admin.guard';
import { displayOf, hashApiKey, keyIdOf, newApiKey, type KeyRecord } from './api-key';
import { ApiKeyRepository } from './api-key.repository';

const createSchema = keyLimitsSchema.extend({
  tenant: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" or "-"'),
  models: z.array(z.string().min(1)).min(1).optional(),
  priority: z.number().int().min(0).max(9).optional(),
  maxPriority: z.number().int().min(0).max(9).optional(),
  selectors: z.record(z.string(), z.string()).optional(),
  routingHeaders: z.boolean().default(false),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

/**
 * `/admin/v1/keys`: create (the plain key is in this answer and nowhere else, ever), list
 * (display prefix only), revoke, rotate (a new key with the same settings; the old one revoked).
 */
@Controller('admin/v1/keys')
@UseGuards(AdminGuard)
@UseFilters(AdminErrorFilter)
export class KeysController {
  constructor(private readonly repository: ApiKeyRepository) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown) {
    const parsed = createSchema.safeParse(body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SwitchyardError(
        'SY_BAD_REQUEST',
        `Invalid key settings: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
      );
    }
    const {
      tenant,
      models,
      priority,
      maxPriority,
      selectors,
      routingHeaders,
      expiresAt,
      ...limits
    } = parsed.data;
    return this.issue({
      tenant,
      routingHeaders,
      limits,
      ...(models !== undefined ? { models } : {}),
      ...(priority !== undefined ? { priority } : {}),
      ...(maxPriority !== undefined ? { maxPriority } : {}),
      ...(selectors !== undefined ? { selectors } : {}),
      ...(expiresAt !== undefined ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
    });
  }

  @Get()
  async list() {
    return { keys: (await this.repository.list()).map(publicView) };
  }

  @Delete(':id')
  async revoke(@Param('id') id: string) {
    const record = await this.found(id);
    await this.repository.put({ ...record, revoked: true });
    return publicView({ ...record, revoked: true });
  }

  @Post(':id/rotate')
  @HttpCode(201)
  async rotate(@Param('id') id: string) {
    const record = await this.found(id);
    const {
      id: _id,
      hash: _hash,
      display: _display,
      createdAt: _at,
      revoked: _r,
      ...settings
    } = record;
    const issued = await this.issue(settings);
    await this.repository.put({ ...record, revoked: true });
    return { ...issued, replaces: id };
  }

  private async issue(
    settings: Omit<KeyRecord, 'id' | 'hash' | 'display' | 'createdAt' | 'revoked'>,
  ) {
    const key = newApiKey();
    const hash = hashApiKey(key);
    const record: KeyRecord = {
      ...settings,
      id: keyIdOf(hash),
      hash,
      display: displayOf(key),
      createdAt: new Date().toISOString(),
      revoked: false,
    };
    await this.repository.put(record);
    return { key, ...publicView(record) };
  }

  private async found(id: string): Promise<KeyRecord> {
    const record = /^[0-9a-f]{16}$/.test(id) ? await this.repository.get(id) : undefined;
    if (!record) throw new SwitchyardError('SY_ROUTE_NOT_FOUND', `No API key with id '${id}'.`);
    return record;
  }
}

/** A record as listings show it: never the hash. */
function publicView(record: KeyRecord) {
  const { hash: _hash, ...rest } = record;
  return rest;
}
