import { MindieStats } from './mindie.stats';

/** What MindIE's three listeners share: the stop flag, request ids and request statistics. */
export class MindieState {
  readonly stats = new MindieStats();
  /** Set by `GET /stopService`; never cleared (MindIE must be restarted). */
  stopped = false;
  private lastRequestId = 0;

  /** MindIE numbers requests itself; ids are decimal strings. */
  nextRequestId(): string {
    this.lastRequestId++;
    return String(this.lastRequestId);
  }
}
