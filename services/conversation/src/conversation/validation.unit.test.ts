import { AuthorKind, Channel, Priority, TicketStatus } from '@contactcenter/proto/conversation/v1';
import { ValidationError } from '@contactcenter/infra/errors';
import {
  codePointLength,
  optionalLine,
  requireAttachments,
  requireAuthorKind,
  requireChannel,
  requirePriority,
  requireTag,
  requireText,
  requireTicketStatus,
  utf8ByteLength,
} from './validation';

const rejects = (fn: () => unknown, field: string) => {
  expect(fn).toThrow(ValidationError);
  try {
    fn();
  } catch (error) {
    expect((error as ValidationError).field).toBe(field);
  }
};

describe('utf8ByteLength and codePointLength', () => {
  it.each([
    ['', 0, 0],
    ['abc', 3, 3],
    ['ñ', 2, 1],
    ['€', 3, 1],
    ['😀', 4, 1],
    ['a😀ñ€', 10, 4],
  ])('%j is %i bytes and %i code points', (text, bytes, codePoints) => {
    expect(utf8ByteLength(text)).toBe(bytes);
    expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).length);
    expect(codePointLength(text)).toBe(codePoints);
  });
});

describe('requireText', () => {
  it('accepts exactly 16384 bytes, in ASCII and in 4-byte characters', () => {
    expect(requireText('text', 'a'.repeat(16_384))).toHaveLength(16_384);
    expect(() => requireText('text', '😀'.repeat(4096))).not.toThrow();
  });

  it('rejects 16385 bytes, counting UTF-8 bytes rather than characters', () => {
    rejects(() => requireText('text', 'a'.repeat(16_385)), 'text');
    rejects(() => requireText('text', `${'😀'.repeat(4096)}a`), 'text');
    rejects(() => requireText('text', 'ñ'.repeat(8193)), 'text');
  });

  it('keeps tabs and line breaks', () => {
    expect(requireText('text', 'line 1\r\nline 2\tend')).toBe('line 1\r\nline 2\tend');
  });

  it.each(['nul\u0000', 'bell\u0007', 'esc\u001b[31m', 'del\u007f', 'c1\u0085', 'vt\u000b'])(
    'rejects control characters in %j',
    (text) => rejects(() => requireText('note.text', text), 'note.text'),
  );

  it('rejects a lone surrogate', () => {
    rejects(() => requireText('text', 'broken \ud83d'), 'text');
  });

  it('requires text, blank included, unless empty is allowed', () => {
    rejects(() => requireText('text', ''), 'text');
    rejects(() => requireText('text', ' \n\t'), 'text');
    expect(requireText('text', '', { allowEmpty: true })).toBe('');
    rejects(() => requireText('text', '  ', { allowEmpty: true }), 'text');
  });
});

describe('optionalLine', () => {
  it('counts characters, not UTF-16 units', () => {
    expect(() => optionalLine('reason', '😀'.repeat(1000), 1000, { multiline: true })).not.toThrow();
    rejects(() => optionalLine('reason', '😀'.repeat(1001), 1000, { multiline: true }), 'reason');
  });

  it('refuses line breaks unless multiline', () => {
    rejects(() => optionalLine('subject', 'a\nb', 512), 'subject');
    expect(optionalLine('reason', 'a\nb', 1000, { multiline: true })).toBe('a\nb');
  });
});

describe('enums', () => {
  it('accept only the named values', () => {
    expect(requireChannel('channel', Channel.CHANNEL_PHONE)).toBe(Channel.CHANNEL_PHONE);
    expect(requireAuthorKind('author_kind', AuthorKind.AUTHOR_KIND_SYSTEM)).toBe(AuthorKind.AUTHOR_KIND_SYSTEM);
    expect(requirePriority('priority', Priority.PRIORITY_URGENT)).toBe(Priority.PRIORITY_URGENT);
    expect(requireTicketStatus('ticket_status', TicketStatus.TICKET_STATUS_SOLVED)).toBe(TicketStatus.TICKET_STATUS_SOLVED);
  });

  it.each([0, -1, 5, 99])('reject %i', (value) => {
    rejects(() => requireChannel('channel', value), 'channel');
    rejects(() => requireAuthorKind('author_kind', value), 'author_kind');
    rejects(() => requirePriority('priority', value), 'priority');
    rejects(() => requireTicketStatus('ticket_status', value), 'ticket_status');
  });
});

describe('requireTag', () => {
  it.each(['vip', 'refund-request', 'q3-2025', 'a'.repeat(64)])('accepts %j', (tag) => {
    expect(requireTag('add[0]', tag)).toBe(tag);
  });

  it.each(['', 'VIP', 'refund request', 'refund_request', '-vip', 'vip-', 'a--b', 'café', 'a'.repeat(65)])(
    'rejects %j',
    (tag) => rejects(() => requireTag('add[0]', tag), 'add[0]'),
  );
});

describe('requireAttachments', () => {
  const photo = { name: 'photo.png', contentType: 'image/png', sizeBytes: 1024, url: 'https://files.example/p.png' };

  it('copies valid attachments, dropping unknown properties', () => {
    const input = [{ ...photo, extra: 'x' }, { ...photo, contentType: 'text/plain; charset=utf-8', url: '', sizeBytes: 0 }];
    const copies = requireAttachments('attachments', input);
    expect(copies).toEqual([photo, { ...photo, contentType: 'text/plain; charset=utf-8', url: '', sizeBytes: 0 }]);
    expect(copies[0]).not.toBe(input[0]);
  });

  it('accepts exactly 25 MiB and at most 10 attachments', () => {
    expect(requireAttachments('attachments', Array(10).fill({ ...photo, sizeBytes: 25 * 1024 * 1024 }))).toHaveLength(10);
    rejects(() => requireAttachments('attachments', Array(11).fill(photo)), 'attachments');
  });

  it.each([
    [{ name: '' }, 'attachments[0].name'],
    [{ name: '  ' }, 'attachments[0].name'],
    [{ name: '../etc/passwd' }, 'attachments[0].name'],
    [{ name: 'a\u0000.png' }, 'attachments[0].name'],
    [{ contentType: '' }, 'attachments[0].content_type'],
    [{ contentType: 'png' }, 'attachments[0].content_type'],
    [{ sizeBytes: -1 }, 'attachments[0].size_bytes'],
    [{ sizeBytes: 1.5 }, 'attachments[0].size_bytes'],
    [{ sizeBytes: 25 * 1024 * 1024 + 1 }, 'attachments[0].size_bytes'],
    [{ url: 'javascript:alert(1)' }, 'attachments[0].url'],
    [{ url: 'not a url' }, 'attachments[0].url'],
  ])('rejects %j naming %s', (change, field) => {
    rejects(() => requireAttachments('attachments', [{ ...photo, ...change }]), field);
  });
});
