import { llamacppPersonality } from './llamacpp/llamacpp.personality';
import { mindiePersonality } from './mindie/mindie.personality';
import { ollamaPersonality } from './ollama/ollama.personality';
import type { Personality } from '../core/personality';
import type { SimEngine } from '../core/sim-options';
import { tgiPersonality } from './tgi/tgi.personality';
import { vllmPersonality } from './vllm/vllm.personality';

/** Every engine the simulator can impersonate; a missing row is a compile error. */
export const PERSONALITIES = {
  llamacpp: llamacppPersonality,
  vllm: vllmPersonality,
  mindie: mindiePersonality,
  tgi: tgiPersonality,
  ollama: ollamaPersonality,
} as const satisfies Record<SimEngine, Personality>;
