import { Channel } from "../cable/channel.js";
import { TURBO_STREAMS_CHANNEL } from "../html/tags.js";

/**
 * `Turbo::StreamsChannel`, as turbo-rails defines it: a subscription carries a signed stream name,
 * and is rejected unless the signature holds. Clients cannot perform any action on it.
 */
export class TurboStreamsChannel extends Channel {
  static override readonly channelName = TURBO_STREAMS_CHANNEL;
  static override readonly actions: readonly string[] = [];

  override async subscribed(): Promise<void> {
    const stream = this.cable.signer.verifyStreamName(this.params.signed_stream_name);
    if (stream === null) {
      this.logger.warn("turbo stream rejected: bad signature", { connection: this.connection.id });
      this.reject();
      return;
    }
    await this.streamFrom(stream);
  }
}
