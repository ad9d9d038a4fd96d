import { connect, createServer, type Server, type Socket } from "node:net";
import { encodeFrame, FrameDecoder, FrameType } from "./frames.ts";
import { PayloadReader, PayloadWriter } from "./codec.ts";
import { readBufferCollector } from "../runtime/read-buffers.ts";
import { adoptAcceptedSocket, sharedBufferReadOptions, type ChunkHandler } from "../runtime/socket-input.ts";

/** Shared with the client listener: diffs and repair pages are most of a parity process's input. */
const readBuffers = readBufferCollector();

/** Who is at the other end of a peer connection: sent in the Hello frame. */
export interface PeerIdentity {
  group: number;
  /** Member index within the group (pbr: 0 primary, 1.. backups; cocytus: 0..k-1 data, then parity). */
  index: number;
  /** Free-form role name for logs ("primary", "data", "parity", "proxy", …). */
  role: string;
}

/** Failure detection: heartbeats on every link, a silent link counts as down after timeoutMs. */
export interface FailureDetection {
  heartbeatMs: number;
  timeoutMs: number;
}

export const DEFAULT_FAILURE_DETECTION: FailureDetection = { heartbeatMs: 100, timeoutMs: 1000 };

export type FrameHandler = (type: number, payload: Buffer, link: PeerLink) => void;

export function encodeHello(identity: PeerIdentity): Buffer {
  return new PayloadWriter(64).u32(identity.group).u32(identity.index).string(identity.role).finish();
}

export function decodeHello(payload: Buffer): PeerIdentity {
  const reader = new PayloadReader(payload, "peer hello");
  return { group: reader.u32(), index: reader.u32(), role: reader.string() };
}

/**
 * A peer connection. Frames arrive in order (TCP is the FIFO channel the Cocytus protocol relies
 * on). The link sends a heartbeat when it has been quiet for heartbeatMs and declares the peer down
 * when nothing arrived for timeoutMs, or at once when the socket closes or misbehaves.
 * On an accepted connection the remote identity is unknown until its Hello frame arrives.
 */
export class PeerLink {
  private lastReceived = Date.now();
  private lastSent = Date.now();
  private readonly timer: NodeJS.Timeout;
  private downReason: string | null = null;
  private verdictPending = false;
  private readonly downHandlers: Array<(reason: string) => void> = [];
  private remoteIdentity: PeerIdentity | null;
  private readonly frames: FrameDecoder;
  /** Frame types whose handler copies what it keeps: they get the payload as read, not a copy. */
  private readonly lentTypes = new Set<number>();

  constructor(
    private readonly socket: Socket,
    remote: PeerIdentity | null,
    private frameHandler: FrameHandler,
    private readonly detection: FailureDetection = DEFAULT_FAILURE_DETECTION,
    private readonly onHello?: (link: PeerLink) => void,
  ) {
    this.remoteIdentity = remote;
    socket.setNoDelay(true);
    this.frames = new FrameDecoder((type, payload) => this.receive(type, payload));
    socket.on("close", () => this.markDown("connection closed"));
    socket.on("error", (error) => this.markDown(`socket error: ${error.message}`));
    this.timer = setInterval(() => this.tick(), Math.max(10, Math.floor(detection.heartbeatMs / 2)));
    this.timer.unref();
  }

  /** Bytes read from the socket (see LinkInput). */
  receiveBytes(chunk: Buffer): void {
    // Any byte counts as a sign of life: a large frame may take longer than the timeout to arrive.
    this.lastReceived = Date.now();
    try {
      this.frames.push(chunk);
    } catch (error) {
      this.markDown(`protocol error: ${(error as Error).message}`);
    }
    readBuffers.received(chunk.length);
  }

  /** The peer's identity (known after its Hello on accepted connections). */
  get remote(): PeerIdentity {
    if (this.remoteIdentity === null) throw new Error("peer link: the remote identity is not known before its Hello frame");
    return this.remoteIdentity;
  }

  /**
   * Replaces the frame handler (e.g. a mode takes over a link accepted by the listener). The
   * handler gets a payload of its own, unless its type is in `lentTypes`: then the payload is a
   * view of the link's input, valid only during the call (the handler copies what it keeps). The
   * link reads its socket lent (no copy per read), so a type that carries most of the traffic
   * (pbr's replicated writes) saves a copy and an allocation per frame.
   */
  onFrame(handler: FrameHandler, lentTypes: Iterable<number> = []): void {
    this.frameHandler = handler;
    this.lentTypes.clear();
    for (const type of lentTypes) this.lentTypes.add(type);
  }

  /** Called once, when the peer is found down (closed, errored, silent or misbehaving). */
  onDown(handler: (reason: string) => void): void {
    if (this.downReason !== null) handler(this.downReason);
    else this.downHandlers.push(handler);
  }

  get isDown(): boolean {
    return this.downReason !== null;
  }

  /** Sends a frame; returns false when the socket's buffer is full (the caller may wait for drain). */
  send(type: number, payload?: Uint8Array): boolean {
    return this.sendFrame(encodeFrame(type, payload));
  }

  /** Sends a frame already built with encodeFrame (e.g. one batch sent to several peers, encoded once). */
  sendFrame(frame: Buffer): boolean {
    if (this.downReason !== null) return false;
    this.lastSent = Date.now();
    return this.socket.write(frame);
  }

  /** Resolves when the socket's write buffer has drained (or at once if it is not full). */
  drained(): Promise<void> {
    if (!this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.once("drain", done);
      this.socket.once("close", done);
    });
  }

  close(): void {
    this.markDown("closed locally");
  }

  private receive(type: number, payload: Buffer): void {
    this.lastReceived = Date.now();
    if (this.remoteIdentity === null) {
      if (type !== FrameType.Hello) throw new Error(`expected a Hello frame first, found type ${type}`);
      this.remoteIdentity = decodeHello(payload);
      this.onHello?.(this);
      return;
    }
    if (type !== FrameType.Heartbeat) this.frameHandler(type, this.lentTypes.has(type) ? payload : Buffer.from(payload), this);
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.lastSent >= this.detection.heartbeatMs) this.send(FrameType.Heartbeat);
    if (now - this.lastReceived > this.detection.timeoutMs && !this.verdictPending) {
      // Timers run before the event loop polls sockets: after a stall of our own, frames that
      // arrived meanwhile are not read yet. Judge after the poll phase (setImmediate), not now.
      this.verdictPending = true;
      setImmediate(() => {
        this.verdictPending = false;
        const silent = Date.now() - this.lastReceived;
        if (silent > this.detection.timeoutMs) this.markDown(`no frame for ${silent} ms (timeout ${this.detection.timeoutMs} ms)`);
      });
    }
  }

  private markDown(reason: string): void {
    if (this.downReason !== null) return;
    this.downReason = reason;
    clearInterval(this.timer);
    this.socket.destroy();
    for (const handler of this.downHandlers.splice(0)) handler(reason);
  }
}

/**
 * Hands a socket's input to its link. The socket is read lent (straight from the shared read
 * buffer, see systems/runtime/socket-input.ts) from before the link exists: chunks that arrive
 * first are copied and wait here.
 */
class LinkInput {
  private link: PeerLink | null = null;
  private readonly early: Buffer[] = [];
  readonly deliver: ChunkHandler = (chunk) => {
    if (this.link !== null) this.link.receiveBytes(chunk);
    else this.early.push(Buffer.from(chunk)); // the chunk is lent
  };

  attach(link: PeerLink): PeerLink {
    this.link = link;
    for (const chunk of this.early.splice(0)) link.receiveBytes(chunk);
    return link;
  }
}

/**
 * Accepts peer connections on host:port. Each connection must start with a Hello frame; then
 * onLink receives the link and sets its frame handler (synchronously, so no frame is missed).
 */
export function listenPeers(
  host: string,
  port: number,
  onLink: (link: PeerLink) => void,
  detection: FailureDetection = DEFAULT_FAILURE_DETECTION,
): Promise<Server> {
  const ignore: FrameHandler = () => {};
  const server = createServer({ pauseOnConnect: true }, (accepted) => {
    const input = new LinkInput();
    const socket = adoptAcceptedSocket(accepted, input.deliver, { allowHalfOpen: false, lifetime: "lent" });
    // A connection that never says Hello is dropped by the link's timeout.
    input.attach(new PeerLink(socket, null, ignore, detection, onLink));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

/**
 * Connects to a peer, retrying until deadlineMs (peers of a group start in any order), sends our
 * Hello and returns the link. Rejects naming the peer when the deadline passes.
 */
export async function connectPeer(
  host: string,
  port: number,
  self: PeerIdentity,
  remote: PeerIdentity,
  onFrame: FrameHandler,
  options: { deadlineMs?: number; detection?: FailureDetection; lentTypes?: Iterable<number> } = {},
): Promise<PeerLink> {
  const deadline = Date.now() + (options.deadlineMs ?? 10_000);
  let lastError = "";
  for (;;) {
    try {
      const input = new LinkInput();
      const socket = await new Promise<Socket>((resolve, reject) => {
        const s = connect({ host, port, ...sharedBufferReadOptions(input.deliver, "lent") });
        s.once("connect", () => {
          s.off("error", reject);
          resolve(s);
        });
        s.once("error", reject);
      });
      socket.write(encodeFrame(FrameType.Hello, encodeHello(self)));
      const link = new PeerLink(socket, remote, onFrame, options.detection);
      link.onFrame(onFrame, options.lentTypes);
      return input.attach(link);
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`peer ${remote.role} ${remote.group}/${remote.index} at ${host}:${port}: could not connect before the deadline (${lastError})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
