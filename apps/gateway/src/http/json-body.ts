import { SwitchyardError } from '@switchyard/contracts';
import type { FastifyInstance } from 'fastify';

/**
 * Every request body is read as JSON, whatever its Content-Type (`curl -d` sends JSON as a
 * form), by Fastify's own parser (safe against prototype poisoning). Its failures become
 * canonical errors here, before Nest could turn them into code-less HTTP exceptions.
 */
export function acceptJsonBodies(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'ignore');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      // The gateway reads bodies as sent; a compressed one would only fail as "not JSON".
      done(
        new SwitchyardError(
          'SY_UNSUPPORTED_MEDIA_TYPE',
          `Request bodies with Content-Encoding '${encoding.slice(0, 40)}' are not accepted; send the JSON uncompressed.`,
        ),
        undefined,
      );
      return;
    }
    if (body.length === 0) {
      done(
        new SwitchyardError('SY_INVALID_JSON', 'The request body is empty; send a JSON object.'),
        undefined,
      );
      return;
    }
    void parseJson(
      request,
      typeof body === 'string' ? body : body.toString('utf8'),
      (err, value) => {
        if (err)
          done(
            new SwitchyardError(
              'SY_INVALID_JSON',
              'We could not parse the JSON body of your request.',
            ),
            undefined,
          );
        else done(null, value);
      },
    );
  });
}
