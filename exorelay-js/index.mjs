// The ES module face of the package: the same classes as require('exorelay'), so instanceof holds across both.
import ExoRelay from './lib/index.js';

export default ExoRelay;
export const {
  PROTOCOL_VERSION,
  ExoRelayError,
  ExoComRejectedError,
  RequestTimeoutError,
  RelayClosedError,
  RelayBufferFullError,
  MessageTooLargeError,
} = ExoRelay;
export { ExoRelay };
