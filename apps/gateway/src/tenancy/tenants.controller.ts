import { Body, Controller, Delete, Get, Param, Put, UseFilters, UseGuards } from '@nestjs/common';
import { keyLimitsSchema } from '@switchyard/config';
import { SwitchyardError } from '@switchyard/contracts';
import { AdminErrorFilter } from '../admin/admin-error.filter';
import { AdminGuard } from '../admin/admin.guard';
import { ApiKeyRepository } from './api-key.repository';

/**
 * `/admin/v1/tenants/{tenant}/limits`: limits a tenant's keys share (on top of each key's
 * own), enforced in the same admission script. `anonymous` is a tenant too.
 */
@Controller('admin/v1/tenants')
@UseGuards(AdminGuard)
@UseFilters(AdminErrorFilter)
export class TenantsController {
  constructor(private readonly repository: ApiKeyRepository) {}

  @Put(':tenant/limits')
  async set(@Param('tenant') tenant: string, @Body() body: unknown) {
    const parsed = keyLimitsSchema.strict().safeParse(body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SwitchyardError(
        'SY_BAD_REQUEST',
        `Invalid limits: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
      );
    }
    await this.repository.setTenantLimits(tenant, parsed.data);
    return { tenant, limits: parsed.data };
  }

  @Get(':tenant/limits')
  async get(@Param('tenant') tenant: string) {
    return { tenant, limits: (await this.repository.tenantLimits(tenant)) ?? null };
  }

  @Delete(':tenant/limits')
  async remove(@Param('tenant') tenant: string) {
    await this.repository.setTenantLimits(tenant, undefined);
    return { tenant, limits: null };
  }
}
