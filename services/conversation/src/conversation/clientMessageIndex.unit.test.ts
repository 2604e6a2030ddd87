import { stateFromJSON, stateToJSON } from '../store/stateCodec';
import { ClientMessageIndex } from './clientMessageIndex';

describe('ClientMessageIndex', () => {
  it('older versions never see entries added after them', () => {
    const a = ClientMessageIndex.empty().with('c-1', 'm-1');
    const b = a.with('c-2', 'm-2');
    expect(a.get('c-2')).toBeUndefined();
    expect(a.size).toBe(1);
    expect(b.get('c-1')).toBe('m-1');
    expect(b.get('c-2')).toBe('m-2');
    expect([...b]).toEqual([['c-1', 'm-1'], ['c-2', 'm-2']]);
  });

  it('branching from an older version does not disturb the newer one', () => {
    const base = ClientMessageIndex.empty().with('c-1', 'm-1');
    const left = base.with('c-2', 'left');
    const right = base.with('c-2', 'right').with('c-3', 'm-3');
    expect(left.get('c-2')).toBe('left');
    expect(left.has('c-3')).toBe(false);
    expect(right.get('c-2')).toBe('right');
    expect([...left.keys()]).toEqual(['c-1', 'c-2']);
    expect([...right.values()]).toEqual(['m-1', 'right', 'm-3']);
    expect(base.size).toBe(1);
  });

  it('keeps the first message id for a client message id', () => {
    const index = ClientMessageIndex.empty().with('c-1', 'first').with('c-1', 'second');
    expect(index.get('c-1')).toBe('first');
    expect(index.size).toBe(1);
  });

  it('is built from a plain map and survives the snapshot codec as a map', () => {
    const index = ClientMessageIndex.from(new Map([['c-1', 'm-1'], ['c-2', 'm-2']]));
    expect(index.get('c-2')).toBe('m-2');
    const back = stateFromJSON<{ ids: Map<string, string> }>(JSON.parse(JSON.stringify(stateToJSON({ ids: index }))));
    expect([...back.ids]).toEqual([['c-1', 'm-1'], ['c-2', 'm-2']]);
    expect(ClientMessageIndex.from(back.ids).get('c-1')).toBe('m-1');
  });
});
