import { llamacppPersonality } from './llamacpp.personality';
import { mindiePersonality } from './mindie.personality';
import { ollamaPersonality } from './ollama.personality';
import type { Personality } from './personality';
import type { SimEngine } from './sim-options';
import { tgiPersonality } from './tgi.personality';
import { vllmPersonality } from './vllm.personality';

/** Every engine the simulator can impersonate; a missing row is a compile error. */
export const PERSONALITIES = {
  llamacpp: llamacppPersonality,
  vllm: vllmPersonality,
  mindie: mindiePersonality,
  tgi: tgiPersonality,
  ollama: ollamaPersonality,
} as const satisfies Record<SimEngine, Personality>;
