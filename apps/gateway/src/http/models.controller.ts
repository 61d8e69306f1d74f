import { Controller, Get } from '@nestjs/common';
import { openaiModelList } from '@switchyard/dialects';
import { ClusterService } from '../cluster/cluster.service';

/** The models that ready nodes serve right now, in OpenAI's list shape. */
@Controller()
export class ModelsController {
  constructor(private readonly cluster: ClusterService) {}

  @Get('v1/models')
  list() {
    const models = new Map<string, { id: string; created: number; ownedBy: string }>();
    for (const node of this.cluster.view.nodes()) {
      if (node.info.state !== 'ready') continue;
      for (const id of node.info.models) {
        const created = Math.floor(node.info.startedAt / 1000);
        const seen = models.get(id);
        if (!seen || created < seen.created) models.set(id, { id, created, ownedBy: 'switchyard' });
      }
    }
    return openaiModelList([...models.values()].sort((a, b) => a.id.localeCompare(b.id)));
  }
}
