export { encodeFrame, FrameDecoder, FrameType, FRAME_HEADER_BYTES, MAX_FRAME_BYTES, PEER_PROTOCOL_VERSION } from "./frames.ts";
export { PayloadReader, PayloadWriter } from "./codec.ts";
export { connectPeer, listenPeers, PeerLink, DEFAULT_FAILURE_DETECTION } from "./link.ts";
export type { FailureDetection, FrameHandler, PeerIdentity } from "./link.ts";
