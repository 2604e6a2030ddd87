import { firstNameOf, PLACEHOLDERS, placeholderProblem, placeholdersIn, renderPlaceholders } from './placeholders';

describe('renderPlaceholders', () => {
  const values = { 'customer.name': 'Ken Abe', 'customer.first_name': 'Ken', 'agent.name': 'Priya Nair', 'agent.first_name': 'Priya', 'conversation.id': 'c-42' } as const;

  it('fills in every known placeholder, spaces inside the braces allowed', () => {
    expect(renderPlaceholders('Hi {{customer.first_name}}, {{ agent.name }} here (ref {{conversation.id}}).', values)).toBe('Hi Ken, Priya Nair here (ref c-42).');
    expect(renderPlaceholders('{{customer.name}} / {{customer.name}}', values)).toBe('Ken Abe / Ken Abe');
  });

  it('uses the fallback when the value is unknown or blank, and nothing without one', () => {
    expect(renderPlaceholders('Hi {{customer.first_name | there}}!', {})).toBe('Hi there!');
    expect(renderPlaceholders('Hi {{customer.first_name|there}}!', { 'customer.first_name': '  ' })).toBe('Hi there!');
    expect(renderPlaceholders('Hi {{customer.first_name | there}}!', values)).toBe('Hi Ken!');
    expect(renderPlaceholders('Mail: {{customer.email}}.', {})).toBe('Mail: .');
    expect(renderPlaceholders('{{customer.name | dear customer | friend}}', {})).toBe('dear customer | friend');
  });

  it('inserts values as text, once: a value that looks like a placeholder is never evaluated', () => {
    expect(renderPlaceholders('Hi {{customer.name}}', { 'customer.name': '{{agent.name}}' })).toBe('Hi {{agent.name}}');
    expect(renderPlaceholders('Hi {{customer.name}}', { 'customer.name': "$& $' $1 ${x}" })).toBe("Hi $& $' $1 ${x}");
    expect(renderPlaceholders('Hi {{customer.name}}', { 'customer.name': '<script>alert(1)</script>' })).toBe('Hi <script>alert(1)</script>');
  });

  it('leaves unknown placeholders and stray braces as written', () => {
    expect(renderPlaceholders('{{customer.nmae}} {{constructor}} {{__proto__}} {x} {{ }} }}', values)).toBe('{{customer.nmae}} {{constructor}} {{__proto__}} {x} {{ }} }}');
    expect(renderPlaceholders('no placeholders at all', values)).toBe('no placeholders at all');
  });
});

describe('placeholderProblem', () => {
  it('accepts every known placeholder, with or without a fallback', () => {
    for (const name of PLACEHOLDERS) {
      expect(placeholderProblem(`a {{${name}}} b {{ ${name} | x y }}`)).toBeUndefined();
    }
    expect(placeholderProblem('plain text, {single braces} too')).toBeUndefined();
  });

  it('names an unknown placeholder and lists the known ones', () => {
    expect(placeholderProblem('Hi {{customer.nmae}}')).toMatch(/^unknown placeholder \{\{customer\.nmae\}\}; known: \{\{customer\.name\}\}, /);
    expect(placeholderProblem('Hi {{Customer.Name}}')).toMatch(/unknown placeholder/);
    expect(placeholderProblem('Hi {{}}')).toMatch(/unknown placeholder \{\{\}\}/);
    expect(placeholderProblem('{{constructor}}')).toMatch(/unknown placeholder/);
  });

  it('refuses braces outside a placeholder, which would reach the customer as written', () => {
    expect(placeholderProblem('Hi {{customer.name}')).toMatch(/"\{\{" outside a placeholder/);
    expect(placeholderProblem('Hi customer.name}}')).toMatch(/"\}\}" outside a placeholder/);
    expect(placeholderProblem('Hi {{customer.name | {{agent.name}} }}')).toBeDefined();
  });

  it('refuses a fallback longer than 100 characters', () => {
    expect(placeholderProblem(`{{customer.name | ${'x'.repeat(100)}}}`)).toBeUndefined();
    expect(placeholderProblem(`{{customer.name | ${'x'.repeat(101)}}}`)).toMatch(/fallback of \{\{customer\.name\}\} is longer than 100/);
  });
});

describe('placeholdersIn and firstNameOf', () => {
  it('lists the known placeholders a text uses, once each', () => {
    expect([...placeholdersIn('{{agent.name}} {{ agent.name | x }} {{nope}} {{conversation.id}}')].sort()).toEqual(['agent.name', 'conversation.id']);
  });

  it('takes the first word of a name', () => {
    expect(firstNameOf('Ana María López')).toBe('Ana');
    expect(firstNameOf('  Ken ')).toBe('Ken');
    expect(firstNameOf('   ')).toBeUndefined();
    expect(firstNameOf(undefined)).toBeUndefined();
  });
});
