import type { Target } from "./http/types.js";

export interface RecordedCall {
  at: string;
  target: Target;
  method: string;
  request: unknown;
  /** HTTP status answered; 0 when the connection was dropped or left hanging. */
  status: number;
  response: unknown;
}

/** The last `capacity` calls made to the stand-ins, oldest first. */
export class CallLog {
  private readonly ring: RecordedCall[] = [];
  private start = 0;

  constructor(
    private readonly capacity: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  record(call: Omit<RecordedCall, "at">): void {
    const entry: RecordedCall = { at: this.now().toISOString(), ...call };
    if (this.ring.length < this.capacity) {
      this.ring.push(entry);
    } else {
      this.ring[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  list(filter: { target?: Target; method?: string } = {}): RecordedCall[] {
    const ordered = [...this.ring.slice(this.start), ...this.ring.slice(0, this.start)];
    return ordered.filter(
      (c) =>
        (filter.target === undefined || c.target === filter.target) &&
        (filter.method === undefined || c.method.toLowerCase() === filter.method.toLowerCase()),
    );
  }

  clear(): void {
    this.ring.length = 0;
    this.start = 0;
  }
}
