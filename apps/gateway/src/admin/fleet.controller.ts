import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  NODE_COMMANDS,
  isNodeCommand,
  type AdminCommandResult,
  type AdminModel,
  type AdminNode,
  type AdminQueue,
} from '@switchyard/contracts';
import { AdminErrorFilter } from './admin-error.filter';
import { AdminGuard } from './admin.guard';
import { FleetService } from './fleet.service';

/** The fleet for people and programs: `/admin/v1/nodes`, `/queues`, `/models`, node commands. */
@Controller('admin/v1')
@UseGuards(AdminGuard)
@UseFilters(AdminErrorFilter)
export class FleetController {
  constructor(private readonly fleet: FleetService) {}

  @Get('nodes')
  async nodes(): Promise<{ nodes: AdminNode[] }> {
    return { nodes: await this.fleet.nodes() };
  }

  @Get('nodes/:id')
  node(@Param('id') id: string): Promise<AdminNode> {
    return this.fleet.node(id);
  }

  /** `cordon`, `uncordon` or `drain`, carried to the node's worker-agent over Redis. */
  @Post('nodes/:id/:command')
  @HttpCode(200)
  command(@Param('id') id: string, @Param('command') command: string): Promise<AdminCommandResult> {
    if (!isNodeCommand(command)) {
      throw new BadRequestException(
        `unknown node command ${JSON.stringify(command)}; one of ${NODE_COMMANDS.join(', ')}`,
      );
    }
    return this.fleet.command(id, command);
  }

  @Get('queues')
  async queues(): Promise<{ queues: AdminQueue[] }> {
    return { queues: await this.fleet.queues() };
  }

  @Get('models')
  async models(): Promise<{ models: AdminModel[] }> {
    return { models: await this.fleet.models() };
  }
}
