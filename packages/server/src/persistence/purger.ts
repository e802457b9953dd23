import type { Storage } from '@zab/storage';
import type { Logger } from 'pino';

/**
 * autopurge: keeps the newest `retain` snapshots and drops the txns that only older ones
 * needed. Runs every `intervalHours` (0 = never, ZooKeeper's default), first at start-up.
 */
export class Purger {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly storage: Storage, private readonly retain: number, private readonly logger: Logger) {}

  start(intervalHours: number): void {
    if (intervalHours <= 0) return;
    void this.purge();
    this.timer = setInterval(() => void this.purge(), intervalHours * 3_600_000);
    this.timer.unref();
  }

  async purge(): Promise<void> {
    try {
      const removed = await this.storage.snapshots.purge(this.retain);
      const kept = await this.storage.snapshots.list();
      const oldest = kept.at(-1);
      if (oldest && kept.length >= this.retain) await this.storage.log.dropBefore(oldest.zxid + 1n);
      if (removed) this.logger.info({ removed, kept: kept.length }, 'purged old snapshots');
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'purge failed');
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
