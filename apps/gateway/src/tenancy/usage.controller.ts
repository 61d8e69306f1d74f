import { Controller, Get, Query, UseFilters, UseGuards } from '@nestjs/common';
import { SwitchyardError } from '@switchyard/contracts';
import { AdminErrorFilter } from '../admin/admin-error.filter';
import { AdminGuard } from '../admin/admin.guard';
import { UsageRepository, dayOf } from './usage.repository';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `GET /admin/v1/usage?tenant=&from=&to=`: daily usage rows and their totals (UTC days). */
@Controller('admin/v1/usage')
@UseGuards(AdminGuard)
@UseFilters(AdminErrorFilter)
export class UsageController {
  constructor(private readonly usage: UsageRepository) {}

  @Get()
  async get(
    @Query('tenant') tenant?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
  ) {
    const today = dayOf(new Date());
    const range = { from: from ?? today, to: to ?? today };
    for (const [name, value] of Object.entries(range)) {
      if (!DAY.test(value))
        throw new SwitchyardError('SY_BAD_REQUEST', `'${name}' must be a day like ${today}.`, {
          param: name,
        });
    }
    const rows = await this.usage.query(tenant || undefined, range.from, range.to);
    const totals = { requests: 0, promptTokens: 0, completionTokens: 0, errors: 0 };
    for (const r of rows) {
      totals.requests += r.requests;
      totals.promptTokens += r.promptTokens;
      totals.completionTokens += r.completionTokens;
      totals.errors += r.errors;
    }
    return { ...range, ...(tenant ? { tenant } : {}), rows, totals };
  }
}
