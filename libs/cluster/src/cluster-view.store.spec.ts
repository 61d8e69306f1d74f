import { EventEmitter } from 'node:events';
import { keySpace, type RegistryEvent } from '@switchyard/contracts';
import { makeNodeSnapshot } from '@switchyard/testing';
import type { RedisClient } from './redis-connection';
import { ClusterViewStore } from './cluster-view.store';
import type { NodeLiveness, RegistryRepository } from './registry.repository';

/*
 * The view's clock and Redis's answers, both under the test's control: what a stalled
 * gateway experiences, deterministically. Real Redis is in test/integration/liveness.test.ts.
 */

const STALE_AFTER_MS = 1000;
const CHECK_MS = 100;
const keys = keySpace('unit:');

class FakeSubscriber extends EventEmitter {
  status = 'ready';
  subscribe = jest.fn(() => Promise.resolve(1));
  unsubscribe = jest.fn(() => Promise.resolve(0));
  deliver(event: RegistryEvent): void {
    this.emit('message', keys.registryEvents, JSON.stringify(event));
  }
}

/** Redis as the test says it is: which nodes hold a live key and a recent heartbeat. */
function fakeRepo(facts: Map<string, NodeLiveness>) {
  return {
    listAlive: jest.fn(() => Promise.resolve([])),
    liveness: jest.fn((ids: readonly string[]) =>
      Promise.resolve(
        new Map(ids.map((id) => [id, facts.get(id) ?? { aliveKey: false, heartbeatAgeMs: null }])),
      ),
    ),
  };
}

const alive: NodeLiveness = { aliveKey: true, heartbeatAgeMs: 200 };
const expired: NodeLiveness = { aliveKey: false, heartbeatAgeMs: null };
const silent: NodeLiveness = { aliveKey: true, heartbeatAgeMs: STALE_AFTER_MS + 1 };

describe('ClusterViewStore liveness', () => {
  let subscriber: FakeSubscriber;
  let facts: Map<string, NodeLiveness>;
  let repo: ReturnType<typeof fakeRepo>;
  let view: ClusterViewStore;
  let downs: string[];

  beforeEach(async () => {
    jest.useFakeTimers();
    subscriber = new FakeSubscriber();
    facts = new Map([['node-a', alive]]);
    repo = fakeRepo(facts);
    view = new ClusterViewStore(
      subscriber as unknown as RedisClient,
      repo as unknown as RegistryRepository,
      keys,
      { staleAfterMs: STALE_AFTER_MS, resyncIntervalMs: 3_600_000, checkIntervalMs: CHECK_MS },
    );
    downs = [];
    view.on('nodeDown', (id) => downs.push(id));
    await view.start();
    subscriber.deliver({ type: 'heartbeat', snapshot: makeNodeSnapshot('node-a', { at: 1 }) });
  });

  afterEach(async () => {
    await view.close();
    jest.useRealTimers();
  });

  it('keeps a node it has not heard from for 5 stale periods while Redis says it lives', async () => {
    // The event loop was busy: no heartbeat processed, timers fire late.
    await jest.advanceTimersByTimeAsync(5 * STALE_AFTER_MS);

    expect(repo.liveness).toHaveBeenCalledWith(['node-a']);
    expect(downs).toEqual([]);
    expect(view.nodes().map((s) => s.info.id)).toEqual(['node-a']);
  });

  it('sends a suspect down once Redis finds its alive key gone or its heartbeat too old', async () => {
    subscriber.deliver({ type: 'heartbeat', snapshot: makeNodeSnapshot('node-b', { at: 1 }) });
    facts.set('node-a', expired);
    facts.set('node-b', silent);

    await jest.advanceTimersByTimeAsync(STALE_AFTER_MS);
    expect(downs).toEqual([]);
    await jest.advanceTimersByTimeAsync(CHECK_MS);

    expect(downs.sort()).toEqual(['node-a', 'node-b']);
    expect(view.nodes()).toEqual([]);
  });

  it('never asks Redis about a node whose heartbeats it keeps processing', async () => {
    for (let at = 2; at < 30; at++) {
      await jest.advanceTimersByTimeAsync(STALE_AFTER_MS / 2);
      subscriber.deliver({ type: 'heartbeat', snapshot: makeNodeSnapshot('node-a', { at }) });
    }
    expect(repo.liveness).not.toHaveBeenCalled();
  });

  it('sawActivity keeps a suspected node out of suspicion, even one Redis would send down', async () => {
    facts.set('node-a', expired);
    for (let i = 0; i < 10; i++) {
      await jest.advanceTimersByTimeAsync(STALE_AFTER_MS / 2);
      view.sawActivity('node-a');
    }
    expect(repo.liveness).not.toHaveBeenCalled();
    expect(downs).toEqual([]);

    await jest.advanceTimersByTimeAsync(STALE_AFTER_MS + CHECK_MS);
    expect(downs).toEqual(['node-a']);
    view.sawActivity('node-a');
    expect(view.nodes()).toEqual([]);
  });

  it('keeps every suspect while Redis cannot be asked, and reports why', async () => {
    const errors: Error[] = [];
    view.on('error', (err) => errors.push(err));
    repo.liveness.mockRejectedValue(new Error('Connection is closed.'));

    await jest.advanceTimersByTimeAsync(5 * STALE_AFTER_MS);

    expect(errors.map((e) => e.message)).toContain('Connection is closed.');
    expect(downs).toEqual([]);
    expect(view.nodes().map((s) => s.info.id)).toEqual(['node-a']);
  });

  it('ignores an answer overtaken by a heartbeat that arrived while Redis was asked', async () => {
    facts.set('node-a', expired);
    let answer: (facts: Map<string, NodeLiveness>) => void = () => undefined;
    repo.liveness.mockImplementationOnce(
      () => new Promise<Map<string, NodeLiveness>>((resolve) => (answer = resolve)),
    );
    await jest.advanceTimersByTimeAsync(STALE_AFTER_MS + CHECK_MS);
    expect(repo.liveness).toHaveBeenCalledTimes(1);

    await jest.advanceTimersByTimeAsync(1);
    subscriber.deliver({ type: 'heartbeat', snapshot: makeNodeSnapshot('node-a', { at: 2 }) });
    answer(new Map([['node-a', expired]]));
    await jest.advanceTimersByTimeAsync(0);

    expect(downs).toEqual([]);
  });
});
