import { ValidationError } from '@contactcenter/infra';
import type { OutgoingHttpHeaders } from 'node:http';
import { decodeForwardedRequest, decodeForwardedResponse, encodeForwardedRequest, encodeForwardedResponse, endToEndHeaders } from './forwardedHttp';

describe('endToEndHeaders', () => {
  it('drops hop-by-hop headers, those Connection names, content-length and the names asked', () => {
    const sent: OutgoingHttpHeaders = { connection: 'keep-alive, x-hop', 'keep-alive': 'timeout=5', 'x-hop': '1', 'transfer-encoding': 'chunked', 'content-length': '12', upgrade: 'h2c', authorization: 'Bearer t', 'set-cookie': ['a=1', 'b=2'], 'x-cc-forwarded-from': 'us', 'x-count': 5 };
    const headers = endToEndHeaders(sent, ['x-cc-forwarded-from']);
    expect(headers).toEqual({ authorization: 'Bearer t', 'set-cookie': ['a=1', 'b=2'], 'x-count': '5' });
  });
});

describe('the wire format', () => {
  it('carries bodies as bytes, whatever they hold', () => {
    const body = Buffer.from([0, 0xff, 0xfe, 0x7b, 0x22]);
    const request = decodeForwardedRequest(encodeForwardedRequest('eu', { method: 'POST', url: '/v1/x?y=1', headers: { a: 'b' }, body, clientAddress: '203.0.113.9' }));
    expect(request).toEqual({ from: 'eu', method: 'POST', url: '/v1/x?y=1', headers: { a: 'b' }, body, clientAddress: '203.0.113.9' });
    const response = decodeForwardedResponse(encodeForwardedResponse({ status: 409, headers: { 'content-type': 'application/problem+json' }, body }));
    expect(response).toEqual({ status: 409, headers: { 'content-type': 'application/problem+json' }, body });
  });

  it.each([Buffer.from('not json'), Buffer.from('null'), Buffer.from('{"from":"eu","method":"GET","url":"http://elsewhere/","headers":{},"body":""}'), Buffer.from('{"from":"eu","method":"GET","url":"/","headers":{"a":1},"body":""}')])(
    'refuses what is not a forwarded request: %s',
    (bytes) => expect(() => decodeForwardedRequest(bytes)).toThrow(ValidationError),
  );

  it('refuses an answer without a real status', () => {
    expect(() => decodeForwardedResponse(Buffer.from('{"status":42,"headers":{},"body":""}'))).toThrow(ValidationError);
  });
});
