import { describe, expect, it } from '@jest/globals';
import { missesLiveFeed } from './otherRegions';

const us = { region: 'us', regions: ['us', 'eu'] };

describe('missesLiveFeed', () => {
  it('misses another region’s conversation, by the list’s home region or the id’s prefix', () => {
    expect(missesLiveFeed(us, 'eu_3f0c', 'eu')).toBe(true);
    expect(missesLiveFeed(us, 'eu_3f0c')).toBe(true);
  });

  it('carries this region’s conversations, and ids without a region prefix (served here)', () => {
    expect(missesLiveFeed(us, 'us_3f0c')).toBe(false);
    expect(missesLiveFeed(us, 'legacy-7')).toBe(false);
    expect(missesLiveFeed(us, 'apac_1')).toBe(false); // not a region of this deployment: an id of its own
  });

  it('carries everything with one region', () => {
    expect(missesLiveFeed(undefined, 'eu_3f0c', 'eu')).toBe(false);
  });
});
