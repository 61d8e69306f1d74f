import type { InferenceRequest } from './inference-request';

/** The payload of one BullMQ job: a request placed on a node. The job id is `request.id`. */
export interface InferenceJob {
  request: InferenceRequest;
  /** Pub/sub channel the worker publishes this request's events to. */
  replyTo: string;
  /** Unix ms after which the worker must not start it (the client has given up by then). */
  deadline: number;
  /** Unix ms when the gateway enqueued it. */
  enqueuedAt: number;
  /**
   * Queued on the model's shared queue rather than placed on one node: the node that pulls it
   * records its own reservation for it (gateways reserve directly placed jobs themselves).
   */
  shared?: boolean;
}
