import { SwitchyardError } from '@switchyard/contracts';
import type { ServedModel } from '../catalog';
import type { ApiAnswer, ApiCall, ApiRoute } from '../dialect';
import { GENERATE_INPUTS } from './kserve-inputs';
import { MODEL_VERSION, pathModel } from './kserve-parse';

/**
 * KServe v2 health and metadata (kserve docs/predict-api/v2/required_api.md; Triton
 * src/http_server.cc), answered from the catalogue. Health answers have empty bodies; "not
 * ready" is Triton's 400, not a 503.
 */

const OK: ApiAnswer = { status: 200, body: undefined };
const NOT_READY: ApiAnswer = { status: 400, body: undefined };

/** The served model the path names; unknown → Triton's "Request for unknown model" (a 400). */
function namedModel(call: ApiCall): ServedModel | undefined {
  const { name } = pathModel(call.params);
  return call.catalog.find(name);
}

function requireModel(call: ApiCall): ServedModel {
  const model = namedModel(call);
  if (model) return model;
  const name = call.params.name ?? '';
  throw new SwitchyardError(
    'SY_MODEL_NOT_FOUND',
    `Request for unknown model: '${name}' is not found`,
    {
      model: name,
    },
  );
}

/**
 * Model metadata: the generate extension's tensors, `text_input` first and then every optional
 * input (listed without a flag, as Triton's vLLM and TensorRT-LLM models list theirs).
 */
export function kserveModelMetadata(model: ServedModel) {
  return {
    name: model.id,
    versions: [MODEL_VERSION],
    platform: 'switchyard',
    inputs: [
      { name: 'text_input', datatype: 'BYTES', shape: [1] },
      ...Object.entries(GENERATE_INPUTS).map(([name, spec]) => ({
        name,
        datatype: spec.datatype,
        shape: [1],
      })),
    ],
    outputs: [
      { name: 'text_output', datatype: 'BYTES', shape: [-1] },
      { name: 'finish_reason', datatype: 'BYTES', shape: [-1] },
      { name: 'num_input_tokens', datatype: 'UINT32', shape: [1] },
      { name: 'num_output_tokens', datatype: 'UINT32', shape: [1] },
    ],
  };
}

const ready = (call: ApiCall): ApiAnswer => {
  try {
    return namedModel(call) ? OK : NOT_READY;
  } catch {
    return NOT_READY; // an unknown version
  }
};
const metadata = (call: ApiCall): ApiAnswer => ({ body: kserveModelMetadata(requireModel(call)) });

export const kserveApiRoutes: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/v2',
    handle: ({ catalog }) => ({
      body: { name: 'switchyard', version: catalog.version, extensions: ['generate'] },
    }),
  },
  // The gateway answering at all is liveness; readiness needs a model some node serves.
  { method: 'GET', path: '/v2/health/live', handle: () => OK },
  {
    method: 'GET',
    path: '/v2/health/ready',
    handle: ({ catalog }) => (catalog.served().length > 0 ? OK : NOT_READY),
  },
  { method: 'GET', path: '/v2/models/:name', handle: metadata },
  { method: 'GET', path: '/v2/models/:name/versions/:version', handle: metadata },
  { method: 'GET', path: '/v2/models/:name/ready', handle: ready },
  { method: 'GET', path: '/v2/models/:name/versions/:version/ready', handle: ready },
];
