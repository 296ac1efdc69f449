import type { MessageParts } from '../message.js';

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Discord webhook: one embed, within Discord's limits (title 256, description 4096, 25 fields of 1024). */
export function discordPayload(parts: MessageParts, time: Date): Record<string, unknown> {
  const description = [parts.summary, ...parts.objectLines.map((l) => `• \`${l}\``), ...parts.snippets.map((s) => `**${s.ref}**\n\`\`\`diff\n${s.text}\n\`\`\``)].join('\n');
  return {
    username: 'ferry',
    embeds: [
      {
        title: cut(parts.title, 256),
        description: cut(description, 4096),
        color: parts.color.hex,
        fields: parts.facts.slice(0, 24).map(([name, value]) => ({ name: cut(name, 256), value: cut(value, 1024), inline: true })),
        footer: { text: cut(`See more: ${parts.hint}`, 2048) },
        timestamp: time.toISOString(),
      },
    ],
  };
}
