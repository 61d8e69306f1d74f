import { emptyLoad, type InferenceJob, type NodeSnapshot } from '@switchyard/contracts';

export interface NodeSnapshotOverrides {
  models?: string[];
  slots?: number;
  state?: NodeSnapshot['info']['state'];
  at?: number;
  startedAt?: number;
}

/** A ready llama.cpp node serving `models` (default `test-model`). */
export function makeNodeSnapshot(id: string, o: NodeSnapshotOverrides = {}): NodeSnapshot {
  const slots = o.slots ?? 4;
  return {
    info: {
      id,
      engine: 'llamacpp',
      models: o.models ?? ['test-model'],
      slots,
      state: o.state ?? 'ready',
      labels: {},
      startedAt: o.startedAt ?? 1_700_000_000_000,
      version: '0.0.0-test',
    },
    load: emptyLoad(slots),
    at: o.at ?? Date.now(),
  };
}

/** A small completion job for request `requestId`, replying on `replyTo`. */
export function makeInferenceJob(
  requestId: string,
  o: { priority?: number; replyTo?: string } = {},
): InferenceJob {
  const now = Date.now();
  return {
    request: {
      kind: 'completion',
      id: requestId,
      model: 'test-model',
      prompt: 'Hello',
      sampling: { stop: [], n: 1 },
      stream: true,
      includeUsage: false,
      priority: o.priority ?? 0,
      modalities: ['text'],
    },
    replyTo: o.replyTo ?? 'sytest:reply:none',
    deadline: now + 60_000,
    enqueuedAt: now,
  };
}
