import { AuthorKind, type Message } from '@contactcenter/proto/conversation/v1';
import { IllegalStateError, NotFoundError } from '@contactcenter/infra/errors';
import { conversationDecider } from './conversationDecider';
import {
  startData,
  actorId,
  assigned,
  command,
  conversationId,
  customerId,
  customerMessage,
  event,
  now,
  queued,
  resolved,
  started,
} from './conversationFixtures';
import { CUSTOMER_REPLY_REOPEN_REASON } from './decideMessages';
import { DeciderSpecification } from './deciderSpec';
import type { PostMessage } from './commands';
import { evolve } from './evolve';
import { findMessageIdByClientMessageId, initialState } from './state';

const spec = DeciderSpecification.for(conversationDecider);

const post = (data: Partial<PostMessage['data']> = {}, meta = {}) =>
  command(
    'PostMessage',
    {
      authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER,
      authorId: customerId,
      text: 'Olá',
      attachments: [],
      clientMessageId: 'cm-1',
      language: '',
      ...data,
    },
    { newId: 'msg-1', ...meta },
  );

const posted = (message: Partial<Message> = {}, assignedAgentId = '') =>
  event('MessagePosted', {
    customerLanguage: startData.language,
    assignedAgentId,
    channel: startData.channel,
    message: {
      messageId: 'msg-1',
      translations: [],
      cannedResponseId: '',
      authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER,
      authorId: customerId,
      text: 'Olá',
      attachments: [],
      clientMessageId: 'cm-1',
      language: '',
      postedAt: now,
      revision: 1,
      ...message,
    },
  });

describe('PostMessage', () => {
  it('records the message with the new id, time and the stream revision it will have, and the customer language and agent as they stand', () => {
    spec.given([started()]).when(post()).then([posted()]);
    spec.given([started(), queued(), assigned()]).when(post()).then([posted({ revision: 3 }, 'agent-7')]);
  });

  it('records an agent reply with attachments and a language', () => {
    const photo = { name: 'label.pdf', contentType: 'application/pdf', sizeBytes: 2048, url: 'https://files.example/label.pdf' };
    spec
      .given([started(), assigned()])
      .when(post({ authorKind: AuthorKind.AUTHOR_KIND_AGENT, authorId: 'agent-7', attachments: [photo], language: 'pt-BR', clientMessageId: '' }))
      .then([posted({ authorKind: AuthorKind.AUTHOR_KIND_AGENT, authorId: 'agent-7', attachments: [photo], language: 'pt-BR', clientMessageId: '', revision: 2 }, 'agent-7')]);
  });

  it('takes the author from the actor when author_id is empty', () => {
    spec.given([started()]).when(post({ authorId: '' })).then([posted({ authorId: actorId })]);
  });

  it('accepts a message with attachments and no text (a photo without caption)', () => {
    const photo = { name: 'p.jpg', contentType: 'image/jpeg', sizeBytes: 10, url: '' };
    spec.given([started()]).when(post({ text: '', attachments: [photo] })).then([posted({ text: '', attachments: [photo] })]);
  });

  it('fails for a conversation that was never started', () => {
    spec.given([]).when(post()).thenThrows(NotFoundError, `conversation "${conversationId}" not found`);
  });

  it("does not let one tenant write to another tenant's conversation", () => {
    spec.given([started()]).when(post({}, { tenantId: 'globex' })).thenThrows(NotFoundError, 'not found');
  });

  it('does not apply a command for another id to this state', () => {
    spec.given([started()]).when(post({ conversationId: 'conv-2' })).thenThrows(NotFoundError, '"conv-2" not found');
  });

  describe('idempotent retry by client_message_id', () => {
    const first = customerMessage('msg-1', 'cm-1', 1);

    it('writes nothing for a client_message_id already seen, whatever the new text or id', () => {
      spec.given([started(), first]).when(post({ text: 'Olá again' }, { newId: 'msg-2' })).thenNothingHappens();
    });

    it('still answers a retry after the conversation was resolved, even for an agent', () => {
      spec.given([started(), first, resolved()]).when(post()).thenNothingHappens();
    });

    it('lets the caller find the original message id', () => {
      const state = [started(), first].reduce(evolve, initialState());
      expect(findMessageIdByClientMessageId(state, 'cm-1')).toBe('msg-1');
      expect(findMessageIdByClientMessageId(state, 'cm-2')).toBeUndefined();
      expect(findMessageIdByClientMessageId(state, '')).toBeUndefined();
      expect(findMessageIdByClientMessageId(initialState(), 'cm-1')).toBeUndefined();
    });

    it('writes a new client_message_id, and messages without one every time', () => {
      spec.given([started(), first]).when(post({ clientMessageId: 'cm-2' }, { newId: 'msg-2' })).then([
        posted({ messageId: 'msg-2', clientMessageId: 'cm-2', revision: 2 }),
      ]);
      spec.given([started(), customerMessage('msg-1', '', 1)]).when(post({ clientMessageId: '' }, { newId: 'msg-2' })).then([
        posted({ messageId: 'msg-2', clientMessageId: '', revision: 2 }),
      ]);
    });
  });

  describe('on a resolved conversation', () => {
    it.each([AuthorKind.AUTHOR_KIND_AGENT, AuthorKind.AUTHOR_KIND_BOT])('refuses author kind %i', (authorKind) => {
      spec
        .given([started(), assigned(), resolved()])
        .when(post({ authorKind, authorId: 'agent-7' }))
        .thenThrows(IllegalStateError, 'is resolved');
    });

    it('reopens it when the customer writes again, then records the message', () => {
      spec
        .given([started(), assigned(), resolved()])
        .when(post())
        .then([
          event('ConversationReopened', { reopenedBy: customerId, reason: CUSTOMER_REPLY_REOPEN_REASON }),
          posted({ revision: 4 }),
        ]);
    });

    it('records a system message without reopening', () => {
      spec
        .given([started(), resolved()])
        .when(post({ authorKind: AuthorKind.AUTHOR_KIND_SYSTEM, authorId: 'system', text: 'Transcript sent' }))
        .then([posted({ authorKind: AuthorKind.AUTHOR_KIND_SYSTEM, authorId: 'system', text: 'Transcript sent', revision: 2 })]);
    });
  });

  describe('validation', () => {
    it('requires text (blank is not text) when there are no attachments', () => {
      spec.given([started()]).when(post({ text: '' })).thenRejectsField('text', 'is required');
      spec.given([started()]).when(post({ text: '  \n ' })).thenRejectsField('text', 'is required');
    });

    it('limits text to 16384 UTF-8 bytes', () => {
      spec.given([started()]).when(post({ text: 'a'.repeat(16_384) })).then([posted({ text: 'a'.repeat(16_384) })]);
      spec.given([started()]).when(post({ text: 'é'.repeat(8193) })).thenRejectsField('text', '16384 bytes');
    });

    it('rejects NUL and other control characters but keeps \\n \\r \\t', () => {
      spec.given([started()]).when(post({ text: 'a\u0000b' })).thenRejectsField('text', 'control characters');
      spec.given([started()]).when(post({ text: 'a\u001bb' })).thenRejectsField('text');
      spec.given([started()]).when(post({ text: 'a\r\n\tb' })).then([posted({ text: 'a\r\n\tb' })]);
    });

    it.each([AuthorKind.AUTHOR_KIND_UNSPECIFIED, AuthorKind.UNRECOGNIZED, 7])('rejects author_kind %i', (authorKind) => {
      spec.given([started()]).when(post({ authorKind })).thenRejectsField('author_kind');
    });

    it('rejects a malformed language, author_id and client_message_id', () => {
      spec.given([started()]).when(post({ language: 'english' })).thenRejectsField('language');
      spec.given([started()]).when(post({ authorId: 'a b' })).thenRejectsField('author_id');
      spec.given([started()]).when(post({ clientMessageId: 'x y' })).thenRejectsField('client_message_id');
    });

    it('rejects bad attachments, naming the attachment and field', () => {
      const ok = { name: 'a.png', contentType: 'image/png', sizeBytes: 1, url: '' };
      spec.given([started()]).when(post({ attachments: Array(11).fill(ok) })).thenRejectsField('attachments');
      spec.given([started()]).when(post({ attachments: [ok, { ...ok, name: '' }] })).thenRejectsField('attachments[1].name');
      spec.given([started()]).when(post({ attachments: [{ ...ok, contentType: '' }] })).thenRejectsField('attachments[0].content_type');
      spec.given([started()]).when(post({ attachments: [{ ...ok, sizeBytes: -1 }] })).thenRejectsField('attachments[0].size_bytes');
      spec
        .given([started()])
        .when(post({ attachments: [{ ...ok, sizeBytes: 25 * 1024 * 1024 + 1 }] }))
        .thenRejectsField('attachments[0].size_bytes');
    });

    it('requires a usable new id from the caller', () => {
      spec.given([started()]).when(post({}, { newId: '' })).thenRejectsField('new_id');
    });
  });
});

describe('AddInternalNote', () => {
  const note = (data: { agentId?: string; text?: string } = {}, meta = {}) =>
    command('AddInternalNote', { agentId: 'agent-7', text: 'Customer is a VIP', ...data }, { newId: 'note-1', ...meta });
  const noteAdded = (agentId = 'agent-7', text = 'Customer is a VIP') =>
    event('InternalNoteAdded', { note: { noteId: 'note-1', agentId, text, addedAt: now } });

  it('adds a note with the new id', () => {
    spec.given([started(), assigned()]).when(note()).then([noteAdded()]);
  });

  it('is allowed on a resolved conversation (wrap-up notes)', () => {
    spec.given([started(), assigned(), resolved()]).when(note()).then([noteAdded()]);
  });

  it('takes the agent from the actor when agent_id is empty', () => {
    spec.given([started()]).when(note({ agentId: '' }, { actorId: 'agent-9' })).then([
      { ...noteAdded('agent-9'), metadata: { tenantId: 'acme', actorId: 'agent-9' } },
    ]);
  });

  it('requires text, within the limits of a message', () => {
    spec.given([started()]).when(note({ text: '' })).thenRejectsField('text');
    spec.given([started()]).when(note({ text: 'x'.repeat(16_385) })).thenRejectsField('text');
    spec.given([started()]).when(note({ text: 'a\u0000' })).thenRejectsField('text');
  });

  it('fails for a conversation that was never started', () => {
    spec.given([]).when(note()).thenThrows(NotFoundError);
  });
});
