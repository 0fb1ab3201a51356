import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface WrittenFile {
  path: string;
  sha256: string;
  bytes: number;
}

/**
 * Writes a file so that readers only ever see it whole: bytes go to `<path>.partial`, which is
 * fsynced and renamed into place by `commit()`. A crash leaves at most a `.partial` file, which
 * is never listed in a manifest. With `resumeAt`, an existing `.partial` is truncated to that
 * offset and appended to — the resume path of a heartbeated export.
 */
export class AtomicFile {
  private readonly hash = createHash('sha256');
  private written = 0;
  // Small writes (one account line each) are encoded straight into one reusable 1 MiB buffer that
  // goes to the file when full: one syscall per account would dominate a million-account export,
  // and neither a Buffer per line nor a joined 1 MiB string is ever made.
  private static readonly BUFFER_SIZE = 1 << 20;
  private buffer: Buffer | undefined;
  private used = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly hashesFromStart: boolean,
  ) {}

  static partialPath(path: string): string {
    return `${path}.partial`;
  }

  static async create(path: string, options: { resumeAt?: number; mode?: number } = {}): Promise<AtomicFile> {
    await makeDirectory(dirname(path));
    const partial = AtomicFile.partialPath(path);
    if (options.resumeAt && options.resumeAt > 0) {
      const handle = await open(partial, 'r+', options.mode ?? 0o640);
      await handle.truncate(options.resumeAt);
      const file = new AtomicFile(path, handle, false);
      file.written = options.resumeAt;
      return file;
    }
    const handle = await open(partial, 'w', options.mode ?? 0o640);
    return new AtomicFile(path, handle, true);
  }

  /** Bytes handed to the OS so far (what a crash would leave in the `.partial` file). */
  get bytesOnDisk(): number {
    return this.written;
  }

  /** Bytes written so far, including those still buffered. */
  get bytes(): number {
    return this.written + this.used;
  }

  /**
   * Appends `chunk`. Whenever the buffer fills, the returned promise waits for the file write, so
   * a producer that awaits its writes never runs more than 1 MiB ahead of the disk. A chunk larger
   * than the buffer is written through at once. The caller may reuse a Uint8Array once this returns.
   */
  async write(chunk: string | Uint8Array): Promise<void> {
    const length = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (this.used + length > AtomicFile.BUFFER_SIZE) await this.flush();
    if (length > AtomicFile.BUFFER_SIZE) {
      await this.writeOut(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      return;
    }
    this.buffer ??= Buffer.allocUnsafe(AtomicFile.BUFFER_SIZE);
    if (typeof chunk === 'string') this.buffer.write(chunk, this.used, length, 'utf8');
    else this.buffer.set(chunk, this.used);
    this.used += length;
  }

  private async flush(): Promise<void> {
    if (this.used === 0 || !this.buffer) return;
    const data = this.buffer.subarray(0, this.used);
    await this.writeOut(data);
    this.used = 0;
  }

  private async writeOut(data: Buffer): Promise<void> {
    if (this.hashesFromStart) this.hash.update(data);
    let offset = 0;
    while (offset < data.byteLength) {
      const { bytesWritten } = await this.handle.write(data, offset, data.byteLength - offset, this.written);
      offset += bytesWritten;
      this.written += bytesWritten;
    }
  }

  /**
   * Hands the bytes written so far to the OS (a resume point that survives the process being
   * killed), without the cost of an fsync per page. A resume checks the file still holds them.
   */
  async checkpoint(): Promise<number> {
    await this.flush();
    return this.written;
  }

  /** Makes the bytes written so far durable without publishing the file. */
  async sync(): Promise<number> {
    await this.flush();
    await this.handle.sync();
    return this.written;
  }

  async commit(): Promise<WrittenFile> {
    await this.flush();
    await this.handle.sync();
    await this.handle.close();
    await rename(AtomicFile.partialPath(this.path), this.path);
    await fsyncDir(dirname(this.path));
    const sha256 = this.hashesFromStart ? this.hash.digest('hex') : await sha256File(this.path);
    return { path: this.path, sha256, bytes: this.written };
  }

  /** Closes the file but keeps the `.partial` bytes handed to the OS, for a later resume. */
  async release(): Promise<void> {
    await this.flush().catch(() => undefined);
    await this.handle.close().catch(() => undefined);
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(AtomicFile.partialPath(this.path), { force: true });
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * `mkdir -p` with the real reason on failure: Node's recursive mkdir reports ENOENT when the
 * nearest existing ancestor cannot be written (read-only file system, no permission), which reads
 * as a missing path rather than the fault it is.
 */
async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    let ancestor = dirname(dir);
    while (ancestor !== dirname(ancestor) && !(await exists(ancestor))) ancestor = dirname(ancestor);
    await access(ancestor, constants.W_OK); // throws EROFS / EACCES naming the ancestor
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<WrittenFile> {
  const file = await AtomicFile.create(path, { mode });
  try {
    await file.write(data);
    return await file.commit();
  } catch (err) {
    await file.abort();
    throw err;
  }
}
