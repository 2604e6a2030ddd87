import { describe, expect, it } from '@jest/globals';
import { fillPlaceholders, firstNameOf } from './placeholders';

describe('canned-response placeholders', () => {
  it('fills the values it knows', () => {
    expect(fillPlaceholders('Hi {{customer.first_name}}, I am {{ agent.name }}.', { 'customer.first_name': 'Ken', 'agent.name': 'Priya Shah' })).toBe('Hi Ken, I am Priya Shah.');
  });

  it('uses the fallback, or nothing, for a value it does not know', () => {
    expect(fillPlaceholders('Hi {{customer.name | there}}!', {})).toBe('Hi there!');
    expect(fillPlaceholders('Hi {{customer.name}}!', { 'customer.name': '  ' })).toBe('Hi !');
  });

  it('inserts values as text, never as further placeholders', () => {
    expect(fillPlaceholders('Hi {{customer.name}}', { 'customer.name': '{{agent.name}}', 'agent.name': 'Tom' })).toBe('Hi {{agent.name}}');
  });

  it('takes the first word of a name', () => {
    expect(firstNameOf(' Ana María López ')).toBe('Ana');
    expect(firstNameOf('  ')).toBeUndefined();
  });
});
