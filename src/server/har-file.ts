import { open, type FileHandle } from 'node:fs/promises';
import { UsageError } from '../util/usage-error.js';
import { recordExists } from './config.js';

/** What closes the log; each batch of entries is written in front of it. */
const TAIL = '\n]}}\n';
const TAIL_BYTES = Buffer.byteLength(TAIL);

/**
 * A HAR file that is valid JSON after every write, so that a server killed at any moment (SIGKILL, a crash, the
 * machine going down) leaves a recording that the dev tools open. The entries array is written incrementally:
 * each write puts the new entries *over* the closing `]}}` and a fresh one after them, at a known position (a
 * positional write of one buffer). Entries waiting while a write is in flight go out together in the next one,
 * in the order they were appended: one write in flight at a time, the event loop never waits on the disk.
 */
export class HarFile {
  private readonly queue: string[] = [];
  private writing: Promise<void> | undefined;
  private entries = 0;
  /** No more entries are taken: closing, or a write failed. */
  private closed = false;
  private closing: Promise<void> | undefined;

  private constructor(private readonly handle: FileHandle, private position: number, private readonly onError: (err: Error) => void) {}

  /**
   * Creates `path` (mode 0600: requests carry personal data even with their secrets redacted); refuses an
   * existing file, as `--record` promises. `onError` hears of a failed write, after which recording stops.
   */
  static async create(path: string, creator: { name: string; version: string }, onError: (err: Error) => void): Promise<HarFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(recordExists(path));
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`--record: the directory of '${path}' does not exist.`);
      throw err;
    }
    const head = `{"log":{"version":"1.2","creator":${JSON.stringify(creator)},"pages":[],"entries":[`;
    try {
      await handle.write(head + TAIL, 0, 'utf8');
    } catch (err) {
      await handle.close();
      throw err;
    }
    return new HarFile(handle, Buffer.byteLength(head), onError);
  }

  /** Queues one entry, already serialized; written soon, after those appended before it. */
  append(entryJson: string): void {
    if (this.closed) return;
    this.queue.push(entryJson);
    this.writing ??= this.drain();
  }

  /** Writes what is queued, then closes the file; entries appended afterwards are dropped. Safe to call again. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await this.writing;
      await this.handle.close();
    })();
    return this.closing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        const text = batch.map((entry) => `${this.entries++ === 0 ? '\n' : ',\n'}${entry}`).join('');
        const buffer = Buffer.from(text + TAIL, 'utf8');
        await this.handle.write(buffer, 0, buffer.length, this.position);
        this.position += buffer.length - TAIL_BYTES;
      }
    } catch (err) {
      // A full disk must not take the server down with it: recording stops, serving goes on.
      this.queue.length = 0;
      this.closed = true;
      this.onError(err as Error);
    } finally {
      this.writing = undefined;
    }
  }
}
