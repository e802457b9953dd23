// A socket whose bytes wait behind a gate: the transport gets it at once and writes to it as to
// any connecting socket, but nothing it writes leaves, and nothing arrives for it, until the
// owner has finished an exchange of its own on the connection underneath (quorum SASL: the
// learner authenticates before the transport's hello) and opens the gate. It is a net.Socket
// without a handle of its own, over the inner one, so the transport needs no change: TLS is
// done the same way by node's TLSSocket.
import net from 'node:net';

/**
 * Owned by its creator until `openGate` or `destroy`: the creator alone reads and writes
 * `inner` before then (the gate's own listeners are only 'error' and 'close'). After
 * `openGate`, the inner socket belongs to the gate: bytes pass both ways, backpressure too.
 * Destroying either side destroys both.
 */
export class GatedSocket extends net.Socket {
  private open = false;
  /** A write (or the end) made before the gate opened, carried out when it does. */
  private held: (() => void) | null = null;

  constructor(private readonly inner: net.Socket) {
    super();
    inner.on('error', (err) => this.destroy(err));
    inner.on('close', () => this.destroy());
  }

  /** Lets bytes through; call it once the inner socket holds nothing more of the owner's. */
  openGate(): void {
    if (this.open || this.destroyed) return;
    this.open = true;
    this.inner.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) this.inner.pause();
    });
    this.inner.on('end', () => this.push(null));
    const held = this.held;
    this.held = null;
    held?.();
  }

  override _read(): void {
    if (this.open) this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.open) {
      this.held = () => this._write(chunk, _encoding, cb);
      return;
    }
    if (this.inner.write(chunk)) cb();
    else this.inner.once('drain', () => cb());
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    if (!this.open) {
      this.held = () => this._writev(chunks, cb);
      return;
    }
    this.inner.cork();
    let more = true;
    for (const c of chunks) more = this.inner.write(c.chunk);
    this.inner.uncork();
    if (more) cb();
    else this.inner.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    const end = () => {
      this.inner.end();
      cb();
    };
    if (this.open) end();
    else this.held = end;
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.held = null;
    this.inner.destroy();
    super._destroy(err, cb);
  }

  override setNoDelay(noDelay?: boolean): this {
    this.inner.setNoDelay(noDelay);
    return this;
  }

  /** net.Socket's remoteAddress, remotePort and remoteFamily read this: the inner socket's peer. */
  _getpeername(): { address?: string; port?: number; family?: string } {
    return { address: this.inner.remoteAddress, port: this.inner.remotePort, family: this.inner.remoteFamily };
  }
}
