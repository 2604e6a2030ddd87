import { validationFieldOf } from '../../../../test/support/validation';
import { profileFields } from './customerProfiles';

describe('profileFields', () => {
  it('keeps names of any script, trimmed, with single spaces', () => {
    expect(profileFields({ name: '  Lucía   Fernández ' })).toEqual({ name: 'Lucía Fernández' });
    expect(profileFields({ name: "Seán O'Brien-Ó Dónaill" })).toEqual({ name: "Seán O'Brien-Ó Dónaill" });
    expect(profileFields({ name: '李小龍', email: ' ken@example.co.jp ' })).toEqual({ name: '李小龍', email: 'ken@example.co.jp' });
    expect(profileFields({})).toEqual({});
  });

  it('refuses what is no name or no email address: it would end up inside an agent\'s message', () => {
    for (const name of ['', '   ', 'visit https://evil.example', '{{agent.name}}', '<b>Ken</b>', 'Ken\u0000', 'x'.repeat(101), '42']) {
      expect([name, validationFieldOf(() => profileFields({ name }))]).toEqual([name, 'name']);
    }
    for (const email of ['ken', 'ken@', '@example.com', 'ken@example', 'a b@example.com', `${'k'.repeat(65)}@example.com`]) {
      expect([email, validationFieldOf(() => profileFields({ email }))]).toEqual([email, 'email']);
    }
  });
});
