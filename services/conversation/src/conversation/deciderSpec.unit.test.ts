import { IllegalStateError, NotFoundError, ValidationError } from '@contactcenter/infra/errors';
import { conversationDecider } from './conversationDecider';
import { assigned, command, resolved, started } from './conversationFixtures';
import { DeciderSpecification } from './deciderSpec';

// The spec helper must fail loudly, or every spec built on it proves nothing.
describe('DeciderSpecification', () => {
  const spec = DeciderSpecification.for(conversationDecider);
  const resolve = command('ResolveConversation', {});

  it('fails when the events differ', () => {
    expect(() => spec.given([started()]).when(resolve).then([])).toThrow();
    expect(() => spec.given([started()]).when(resolve).thenNothingHappens()).toThrow();
  });

  it('fails when nothing is thrown, or something else is', () => {
    expect(() => spec.given([started()]).when(resolve).thenThrows(IllegalStateError)).toThrow(/expected IllegalStateError/);
    expect(() => spec.given([started(), resolved()]).when(resolve).thenThrows(NotFoundError)).toThrow();
    expect(() => spec.given([started(), resolved()]).when(resolve).thenThrows(IllegalStateError, 'not this')).toThrow();
  });

  it('checks the field of a ValidationError', () => {
    const assign = command('AssignAgent', { agentId: '', reason: '' });
    expect(() => spec.given([started()]).when(assign).thenRejectsField('agent_id')).not.toThrow();
    expect(() => spec.given([started()]).when(assign).thenRejectsField('reason')).toThrow();
    expect(() => spec.given([started(), assigned()]).when(resolve).thenRejectsField('x')).toThrow();
    expect(() => spec.given([started()]).when(assign).thenThrows(ValidationError, /^agent_id: /)).not.toThrow();
  });
});
