/** Where the request ran, for response headers and the access log; filled in as it runs. */
export interface ExecutionInfo {
  nodeId?: string;
  /** Time from enqueue to the node starting the request. */
  queueMs?: number;
  attempts: number;
  /** Times the answer moved to another node mid-stream (resume); absent when it never did. */
  resumes?: number;
  /** The placement explanation, when the client asked for it (`x-switchyard-explain`). */
  explain?: string;
}
