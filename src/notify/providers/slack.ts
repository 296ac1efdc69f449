import type { MessageParts } from '../message.js';
import { plainText } from '../message.js';

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Slack incoming webhook: Block Kit blocks with a `text` fallback for notifications. */
export function slackPayload(parts: MessageParts): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(parts.title, 150), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(parts.summary, 3000) }, fields: parts.facts.slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn', text: cut(`*${k}*\n${v}`, 2000) })) },
  ];
  if (parts.objectLines.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(parts.objectLines.map((l) => `• \`${l}\``).join('\n'), 3000) } });
  for (const snippet of parts.snippets) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`*${snippet.ref}*\n\`\`\`${snippet.text}\`\`\``, 3000) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(`See more: \`${parts.hint}\``, 3000) }] });
  return { text: cut(plainText(parts), 3000), blocks };
}

/** Mattermost: Slack-compatible incoming webhook with a Markdown attachment. */
export function mattermostPayload(parts: MessageParts): Record<string, unknown> {
  const colors = { good: '#2EB67D', danger: '#E01E5A', warning: '#F2C744', neutral: '#888888' };
  const objects = parts.objectLines.map((l) => `- \`${l}\``).join('\n');
  const snippets = parts.snippets.map((s) => `**${s.ref}**\n\`\`\`\n${s.text}\n\`\`\``).join('\n');
  return {
    username: 'ferry',
    text: cut(plainText(parts), 4000),
    attachments: [
      {
        fallback: cut(plainText(parts), 4000),
        color: colors[parts.color.name],
        title: parts.title,
        text: cut([parts.summary, objects, snippets, `See more: \`${parts.hint}\``].filter(Boolean).join('\n\n'), 7000),
        fields: parts.facts.map(([title, value]) => ({ title, value, short: true })),
      },
    ],
  };
}
