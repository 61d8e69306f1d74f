import {
  CAPABILITY_NAMES,
  ENGINE_KINDS,
  isValidNodeId,
  type NodeSnapshot,
  type RegistryEvent,
} from '@switchyard/contracts';
import { z } from 'zod';

/*
 * What arrives from Redis was written by another process (maybe another version): it is
 * validated before the scheduler reads a field of it.
 */

const nodeId = z.string().refine(isValidNodeId, 'invalid node id');
const count = z.number().int().nonnegative();
const nullableRate = z.number().nonnegative().nullable();

const nullableNumber = z.number().nullable();

const deviceSchema = z.object({
  kind: z.enum(['gpu', 'npu']),
  index: count,
  chip: count,
  name: z.string(),
  utilization: nullableRate,
  memoryUsedBytes: nullableRate,
  memoryTotalBytes: nullableRate,
  temperatureCelsius: nullableNumber,
  powerWatts: nullableRate,
  health: z.enum(['ok', 'warning', 'critical', 'unknown']),
  busId: z.string().optional(),
});

// Optional throughout: workers from before capabilities were learned still join.
const capabilitiesSchema = z.object({
  embeddings: z.boolean().optional(),
  tools: z.boolean().optional(),
  vision: z.boolean().optional(),
  multipleChoices: z.boolean().optional(),
  maxContextTokens: count.optional(),
  contextCoversOutput: z.boolean().optional(),
  learnedFrom: z
    .partialRecord(z.enum(CAPABILITY_NAMES), z.enum(['engine', 'probe', 'refusal', 'adapter']))
    .optional(),
});

const nodeSnapshotSchema = z.object({
  info: z.object({
    id: nodeId,
    engine: z.enum(ENGINE_KINDS),
    models: z.array(z.string()),
    slots: count,
    state: z.enum(['joining', 'warming', 'ready', 'cordoned', 'draining', 'gone']),
    stateReason: z.string().optional(),
    labels: z.record(z.string(), z.string()),
    embeddings: z.boolean().optional(),
    continuesChat: z.boolean().optional(),
    capabilities: capabilitiesSchema.optional(),
    slotsSource: z.enum(['configured', 'engine', 'adaptive', 'default']).optional(),
    modalities: z.array(z.enum(['text', 'image'])).optional(),
    agentUrl: z.string().optional(),
    startedAt: z.number(),
    version: z.string(),
  }),
  load: z.object({
    running: count,
    waiting: count,
    slotsTotal: count,
    slotsFree: count,
    kvCacheUsage: nullableRate,
    prefixCacheHitRate: nullableRate,
    promptTokensPerSecond: nullableRate,
    generationTokensPerSecond: nullableRate,
    // Optional: workers from before these were measured still join a newer gateway.
    decodeTokensPerSecond: nullableRate.optional(),
    prefillTokensPerSecond: nullableRate.optional(),
    meanOutputTokens: nullableRate.optional(),
    ttftMs: nullableRate,
    ttftP50Ms: nullableRate.optional(),
    derived: z
      .array(
        z.enum([
          'running',
          'waiting',
          'slotsTotal',
          'promptTokensPerSecond',
          'generationTokensPerSecond',
          'ttftMs',
        ]),
      )
      .optional(),
  }),
  devices: z.array(deviceSchema).optional(),
  at: z.number(),
}) satisfies z.ZodType<NodeSnapshot>;

const registryEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('heartbeat'),
    snapshot: nodeSnapshotSchema,
    heartbeatAt: z.number().optional(),
  }),
  z.object({ type: z.literal('left'), nodeId }),
]) satisfies z.ZodType<RegistryEvent>;

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** The snapshot in `raw` (JSON), or undefined when it is not a valid NodeSnapshot. */
export function parseNodeSnapshot(raw: string): NodeSnapshot | undefined {
  const result = nodeSnapshotSchema.safeParse(parseJson(raw));
  return result.success ? result.data : undefined;
}

/** The event in `raw` (JSON), or undefined when it is not a valid RegistryEvent. */
export function parseRegistryEvent(raw: string): RegistryEvent | undefined {
  const result = registryEventSchema.safeParse(parseJson(raw));
  return result.success ? result.data : undefined;
}
