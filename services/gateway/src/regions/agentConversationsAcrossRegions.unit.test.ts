import { mergeAgentConversations } from './agentConversationsAcrossRegions';

const REGIONS = ['eu', 'us'];

describe('mergeAgentConversations', () => {
  it('lists every answering region’s conversations, each with the region it lives in', () => {
    const merged = mergeAgentConversations('us', REGIONS, [
      { region: 'us', status: 'ok', answer: [{ conversationId: 'us_1' }, { conversationId: 'legacy-7' }] },
      { region: 'eu', status: 'ok', answer: [{ conversationId: 'eu_2' }] },
    ]);
    expect(merged).toEqual({
      region: 'us',
      complete: true,
      regions: [{ region: 'us', status: 'ok' }, { region: 'eu', status: 'ok' }],
      // An id from before regions lives where it was listed.
      conversations: [{ conversationId: 'us_1', homeRegion: 'us' }, { conversationId: 'legacy-7', homeRegion: 'us' }, { conversationId: 'eu_2', homeRegion: 'eu' }],
    });
  });

  it('names a region that did not answer, and still lists the others', () => {
    const merged = mergeAgentConversations('us', REGIONS, [
      { region: 'us', status: 'ok', answer: [{ conversationId: 'us_1' }] },
      { region: 'eu', status: 'unavailable', reason: 'region "eu" is unavailable (no responders)' },
    ]);
    expect(merged.complete).toBe(false);
    expect(merged.regions).toEqual([{ region: 'us', status: 'ok' }, { region: 'eu', status: 'unavailable', reason: 'region "eu" is unavailable (no responders)' }]);
    expect(merged.conversations.map((c) => c.conversationId)).toEqual(['us_1']);
  });

  it('keeps this region’s copy of a conversation two regions list', () => {
    const merged = mergeAgentConversations('eu', REGIONS, [
      { region: 'eu', status: 'ok', answer: [{ conversationId: 'eu_1', status: 'open' }] },
      { region: 'us', status: 'ok', answer: [{ conversationId: 'eu_1', status: 'resolved' }] },
    ]);
    expect(merged.conversations).toEqual([{ conversationId: 'eu_1', status: 'open', homeRegion: 'eu' }]);
  });
});
