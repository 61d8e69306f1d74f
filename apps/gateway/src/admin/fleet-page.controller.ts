import { Controller, Get, Header } from '@nestjs/common';
import { FLEET_PAGE } from './fleet-page';

/**
 * `/ui`: the fleet page. The page holds no data (its script reads the admin API, which the
 * admin guard protects), so it is served to anyone who can reach the gateway.
 */
@Controller('ui')
export class FleetPageController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  page(): string {
    return FLEET_PAGE;
  }
}
