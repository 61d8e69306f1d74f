import type { Rng } from './prng';
import { words } from './text';
import { completeTurns, type TraceConversation, type TurnDraft, type WorkloadId } from './trace';

/**
 * The three request mixes. Each draws conversations in arrival order until the unit-rate clock
 * passes `untilAt`; answer lengths are the sims' own (natural answers of 9–60 tokens, capped
 * by max_tokens), so an answer is as long on every node.
 */
export interface WorkloadSpec {
  title: string;
  description: string;
  params: Record<string, number>;
  generate(rng: Rng, model: string, untilAt: number): GeneratedWorkload;
}

export interface GeneratedWorkload {
  systemPrompts: string[];
  conversations: TraceConversation[];
}

const seedOf = (rng: Rng): number => rng.int(1, 2 ** 31 - 1);

const INDEPENDENT = {
  shortMin: 40,
  shortMax: 250,
  longMin: 800,
  longMax: 2400,
  longShare: 0.25,
};

const SHARED_PREFIX = {
  // More than the 64 sequences a sim's prefix cache remembers: under round-robin no node can
  // keep every prompt, under affinity each node needs only its share (see docs/benchmarks.md).
  prefixes: 96,
  systemMin: 1000,
  systemMax: 2000,
  questionMin: 10,
  questionMax: 60,
};

const SESSIONS = {
  documentMin: 400,
  documentMax: 1200,
  turnsMin: 2,
  turnsMax: 4,
  followUpMin: 8,
  followUpMax: 40,
  thinkMinS: 0.3,
  thinkMaxS: 1.5,
};

export const WORKLOADS = {
  independent: {
    title: 'independent prompts',
    description: `one-turn requests, ${100 - INDEPENDENT.longShare * 100}% short prompts (${INDEPENDENT.shortMin}–${INDEPENDENT.shortMax} tokens) and ${INDEPENDENT.longShare * 100}% long ones (${INDEPENDENT.longMin}–${INDEPENDENT.longMax}), max_tokens 16–128`,
    params: INDEPENDENT,
    generate(rng, model, untilAt) {
      const conversations: TraceConversation[] = [];
      for (let at = rng.exp(1); at < untilAt; at += rng.exp(1)) {
        const p = INDEPENDENT;
        const long = rng.next() < p.longShare;
        const tokens = long ? rng.int(p.longMin, p.longMax) : rng.int(p.shortMin, p.shortMax);
        const draft: TurnDraft = {
          user: words(rng, tokens),
          maxTokens: rng.pick([16, 32, 64, 128]),
          seed: seedOf(rng),
          thinkS: 0,
        };
        const id = `i${conversations.length}`;
        conversations.push(completeTurns(model, [], { id, at, session: false }, [draft], false));
      }
      return { systemPrompts: [], conversations };
    },
  },
  'shared-prefix': {
    title: 'shared system prompts',
    description: `one-turn requests, each under one of ${SHARED_PREFIX.prefixes} system prompts of ${SHARED_PREFIX.systemMin}–${SHARED_PREFIX.systemMax} tokens (chosen uniformly) with a short question (${SHARED_PREFIX.questionMin}–${SHARED_PREFIX.questionMax} tokens), max_tokens 16–64`,
    params: SHARED_PREFIX,
    generate(rng, model, untilAt) {
      const p = SHARED_PREFIX;
      const systems = rng.fork('systems');
      const systemPrompts = Array.from({ length: p.prefixes }, () =>
        words(systems, systems.int(p.systemMin, p.systemMax)),
      );
      const seen = new Set<number>();
      const conversations: TraceConversation[] = [];
      for (let at = rng.exp(1); at < untilAt; at += rng.exp(1)) {
        const system = rng.int(0, p.prefixes - 1);
        const draft: TurnDraft = {
          user: words(rng, rng.int(p.questionMin, p.questionMax)),
          maxTokens: rng.pick([16, 32, 64]),
          seed: seedOf(rng),
          thinkS: 0,
        };
        const conv = { id: `p${conversations.length}`, at, system, session: false };
        conversations.push(completeTurns(model, systemPrompts, conv, [draft], seen.has(system)));
        seen.add(system);
      }
      return { systemPrompts, conversations };
    },
  },
  sessions: {
    title: 'multi-turn sessions',
    description: `chat sessions of ${SESSIONS.turnsMin}–${SESSIONS.turnsMax} turns sent with a session key; the first turn carries a ${SESSIONS.documentMin}–${SESSIONS.documentMax}-token document, later turns a short follow-up (${SESSIONS.followUpMin}–${SESSIONS.followUpMax} tokens) after ${SESSIONS.thinkMinS}–${SESSIONS.thinkMaxS} s of think time; the prompt grows with every turn`,
    params: SESSIONS,
    generate(rng, model, untilAt) {
      const p = SESSIONS;
      const meanTurns = (p.turnsMin + p.turnsMax) / 2;
      const conversations: TraceConversation[] = [];
      for (let at = rng.exp(meanTurns); at < untilAt; at += rng.exp(meanTurns)) {
        const turns = rng.int(p.turnsMin, p.turnsMax);
        const drafts: TurnDraft[] = Array.from({ length: turns }, (_, i) => ({
          user:
            i === 0
              ? words(rng, rng.int(p.documentMin, p.documentMax))
              : words(rng, rng.int(p.followUpMin, p.followUpMax)),
          maxTokens: rng.pick([32, 64, 128]),
          seed: seedOf(rng),
          thinkS: i === 0 ? 0 : p.thinkMinS + rng.next() * (p.thinkMaxS - p.thinkMinS),
        }));
        const conv = { id: `s${conversations.length}`, at, session: true };
        conversations.push(completeTurns(model, [], conv, drafts, false));
      }
      return { systemPrompts: [], conversations };
    },
  },
} satisfies Record<WorkloadId, WorkloadSpec>;
