import { Channel } from "../cable/channel.js";
import { TURBO_STREAMS_CHANNEL } from "../html/tags.js";
import { turboStreamParams } from "./schemas/subscribe_params.js";

/**
 * `Turbo::StreamsChannel`, as turbo-rails defines it: a subscription carries a signed stream name,
 * and is rejected unless the signature holds. Clients cannot perform any action on it.
 */
export class TurboStreamsChannel extends Channel {
  static override readonly channelName = TURBO_STREAMS_CHANNEL;
  static override readonly actions: readonly string[] = [];

  protected override async subscribed(): Promise<void> {
    const params = turboStreamParams.safeParse(this.params);
    const stream = params.success ? this.cable.signer.verifyStreamName(params.data.signed_stream_name) : null;
    if (stream === null) {
      this.logger.warn("turbo stream rejected: bad signature", { connection: this.connection.id });
      this.reject();
      return;
    }
    await this.streamFrom(stream);
  }
}
