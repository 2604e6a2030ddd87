import { conversationDecider } from '../services/conversation/src/conversation';
import { command, startData } from '../services/conversation/src/conversation/conversationFixtures';
import { AuthorKind } from '@contactcenter/proto/conversation/v1';

async function main() {
  const build = (i: number) => {
    const id = `conv-${i}`;
    let state = conversationDecider.initialState();
    const apply = (c: Parameters<typeof conversationDecider.decide>[0]) => {
      for (const e of conversationDecider.decide(c, state)) state = conversationDecider.evolve(state, e);
    };
    apply(command('StartConversation', { ...startData, conversationId: id }));
    apply(command('QueueConversation', { conversationId: id, queueId: 'support', teamId: '' } as never));
    for (let m = 0; m < 6; m++) apply(command('PostMessage', { conversationId: id, authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER, authorId: '', text: `message ${m} with some ordinary words in it`, attachments: [], clientMessageId: `c-${i}-${m}`, language: 'en' }, { newId: `m-${i}-${m}` }));
    return state;
  };
  global.gc!();
  const before = process.memoryUsage().heapUsed;
  const keep: unknown[] = [];
  for (let i = 0; i < 20_000; i++) keep.push(build(i));
  global.gc!();
  const after = process.memoryUsage().heapUsed;
  console.log(`per state ${Math.round((after - before) / keep.length)} bytes (${keep.length})`);
}
main();
