import { SwitchyardError } from '@switchyard/contracts';
import { fakeCatalog } from '../catalog.spec-support';
import type { ApiCall, ApiRoute } from '../dialect';
import { tgiDialect } from './tgi.dialect';

const route = (path: string): ApiRoute => tgiDialect.apiRoutes!.find((r) => r.path === path)!;
const call = (ids: string[], headers: ApiCall['headers'] = {}): ApiCall => ({
  body: undefined,
  params: {},
  headers,
  catalog: fakeCatalog(ids),
});

describe('TGI /info', () => {
  it('describes the first served model with Switchyard’s limits, engine limits null', () => {
    expect(route('/info').handle(call(['alpha', 'beta']))).toEqual({
      body: {
        model_id: 'alpha',
        model_sha: null,
        model_pipeline_tag: 'text-generation',
        max_concurrent_requests: null,
        max_best_of: 2,
        max_stop_sequences: 4,
        max_input_tokens: null,
        max_total_tokens: null,
        validation_workers: null,
        max_client_batch_size: 1,
        router: 'switchyard',
        version: '9.9.9',
        sha: null,
        docker_label: null,
      },
    });
  });

  it('describes the model a header names; an unknown one is a 404', () => {
    const answer = route('/info').handle(call(['alpha', 'beta'], { 'x-switchyard-model': 'beta' }));
    expect(answer.body).toMatchObject({ model_id: 'beta' });
    expect(() => route('/info').handle(call(['alpha'], { 'x-model': 'nope' }))).toThrow(
      SwitchyardError,
    );
  });

  it('is unhealthy with no model served', () => {
    expect(route('/info').handle(call([]))).toEqual({
      status: 503,
      body: { error: 'unhealthy', error_type: 'healthcheck' },
    });
  });
});

describe('TGI /health', () => {
  it('200 with an empty body while a model is served, else 503 healthcheck', () => {
    expect(route('/health').handle(call(['alpha']))).toEqual({ body: undefined });
    expect(route('/health').handle(call([]))).toEqual({
      status: 503,
      body: { error: 'unhealthy', error_type: 'healthcheck' },
    });
  });
});
