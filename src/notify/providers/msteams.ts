import type { MessageParts } from '../message.js';

/** Microsoft Teams (Workflows webhook): a message carrying an Adaptive Card 1.4. */
export function teamsPayload(parts: MessageParts): Record<string, unknown> {
  const colors = { good: 'Good', danger: 'Attention', warning: 'Warning', neutral: 'Default' };
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: parts.title, size: 'Medium', weight: 'Bolder', color: colors[parts.color.name], wrap: true },
    { type: 'TextBlock', text: parts.summary, wrap: true },
    { type: 'FactSet', facts: parts.facts.map(([title, value]) => ({ title, value })) },
  ];
  if (parts.objectLines.length > 0) body.push({ type: 'TextBlock', text: parts.objectLines.map((l) => `- ${l}`).join('\n'), wrap: true, fontType: 'Monospace' });
  for (const snippet of parts.snippets) body.push({ type: 'TextBlock', text: `${snippet.ref}\n${snippet.text}`, wrap: true, fontType: 'Monospace', size: 'Small' });
  body.push({ type: 'TextBlock', text: `See more: ${parts.hint}`, wrap: true, isSubtle: true, size: 'Small' });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body },
      },
    ],
  };
}
