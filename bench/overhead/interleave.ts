import { TARGET_IDS, type TargetId } from './targets';

export type PerTarget<T> = Record<TargetId, T>;

export function perTarget<T>(make: (id: TargetId) => T): PerTarget<T> {
  return { direct: make('direct'), proxy: make('proxy'), switchyard: make('switchyard') };
}

/**
 * Runs `step` for every target, `rounds` times, the target that goes first rotating each
 * round (A B C, B C A, C A B, …), so slow drifts of a shared machine hit all three alike.
 */
export async function interleaved(
  rounds: number,
  step: (target: TargetId, round: number) => Promise<void>,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < TARGET_IDS.length; k++) {
      await step(TARGET_IDS[(round + k) % TARGET_IDS.length]!, round);
    }
  }
}
