import { llamacppPersonality } from './llamacpp.personality';
import type { Personality } from './personality';
import type { SimEngine } from './sim-options';

/** Every engine the simulator can impersonate; a missing row is a compile error. */
export const PERSONALITIES = {
  llamacpp: llamacppPersonality,
} as const satisfies Record<SimEngine, Personality>;
