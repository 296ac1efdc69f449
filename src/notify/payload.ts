import { composeMessage } from './message.js';
import { discordPayload } from './providers/discord.js';
import { googleChatPayload } from './providers/googlechat.js';
import { teamsPayload } from './providers/msteams.js';
import { mattermostPayload, slackPayload } from './providers/slack.js';
import { webhookPayload } from './providers/webhook.js';
import type { NotifyEvent, OutgoingMessage, ProviderType } from './types.js';

/** The request body (and headers) a provider expects for an event. Pure. */
export function buildMessage(type: ProviderType, event: NotifyEvent, options: { cluster?: string; token?: string } = {}): OutgoingMessage {
  const parts = composeMessage(event, options.cluster);
  switch (type) {
    case 'slack':
      return { body: slackPayload(parts) };
    case 'mattermost':
      return { body: mattermostPayload(parts) };
    case 'discord':
      return { body: discordPayload(parts, event.time) };
    case 'msteams':
      return { body: teamsPayload(parts) };
    case 'googlechat':
      return { body: googleChatPayload(parts) };
    case 'webhook':
      return webhookPayload(event, parts, options.token);
  }
}

/** Just the body of `buildMessage`. */
export function buildPayload(type: ProviderType, event: NotifyEvent, options: { cluster?: string } = {}): unknown {
  return buildMessage(type, event, options).body;
}
