import { requireTenantId, type Logger } from '@contactcenter/infra';
import { isDomainError, UnavailableError } from '@contactcenter/infra/errors';
import { followKv, isLostRace, jsonOf, openStateBucket } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FaqEntry } from '../domain/faq';
import type { QueuePolicy, Team } from '../domain/policy';
import type { OfferRecord } from '../domain/offer';

export const DEFAULT_ROUTING_BUCKET = 'cc_routing';

export type Versioned<V> = { value: V; revision: number };

/** The kinds of definition kept beside the offers (`<tenant>.<kind>.<id>`). */
const DEFINITION_KINDS = ['queue', 'team', 'faq'] as const;

/**
 * Routing state shared by every routing replica, in one NATS KV bucket:
 * `<tenant>.queue.<id>`, `<tenant>.team.<id>`, `<tenant>.faq.<id>` (the
 * tenant's definitions; a queue's KV revision is its policy version) and
 * `<tenant>.offer.<conversationId>`, the claim on a waiting conversation.
 * Offers are written only with compare-and-set (`create`, `update` and
 * `delete` on the revision read), so two replicas never both act on one
 * conversation: the loser of a race sees `undefined` and backs off.
 */
export class RoutingStore {
  private constructor(
    private readonly nc: NatsConnection,
    readonly kv: KV,
  ) {}

  static async open(nc: NatsConnection, bucket = DEFAULT_ROUTING_BUCKET): Promise<RoutingStore> {
    return new RoutingStore(nc, await openStateBucket(nc, bucket, 'routing'));
  }

  async putQueue(tenantId: string, queue: Omit<QueuePolicy, 'revision'>): Promise<QueuePolicy> {
    const revision = await this.put(key(tenantId, 'queue', queue.queueId), queue);
    return { ...queue, revision };
  }

  async getQueue(tenantId: string, queueId: string): Promise<QueuePolicy | undefined> {
    const found = await this.get<Omit<QueuePolicy, 'revision'>>(key(tenantId, 'queue', queueId));
    return found && { ...found.value, revision: found.revision };
  }

  async listQueues(tenantId: string): Promise<QueuePolicy[]> {
    return (await this.list<Omit<QueuePolicy, 'revision'>>(tenantId, 'queue')).map((v) => ({ ...v.value, revision: v.revision }));
  }

  async putTeam(tenantId: string, team: Team): Promise<Team> {
    await this.put(key(tenantId, 'team', team.teamId), team);
    return team;
  }

  async getTeam(tenantId: string, teamId: string): Promise<Team | undefined> {
    return (await this.get<Team>(key(tenantId, 'team', teamId)))?.value;
  }

  async listTeams(tenantId: string): Promise<Team[]> {
    return (await this.list<Team>(tenantId, 'team')).map((v) => v.value);
  }

  async putFaq(tenantId: string, entry: FaqEntry): Promise<FaqEntry> {
    await this.put(key(tenantId, 'faq', entry.entryId), entry);
    return entry;
  }

  async listFaq(tenantId: string): Promise<FaqEntry[]> {
    return (await this.list<FaqEntry>(tenantId, 'faq')).map((v) => v.value);
  }

  /** Tenants that have at least one queue. */
  async tenants(): Promise<string[]> {
    const out = new Set<string>();
    for await (const k of await this.attempt(() => this.kv.keys('*.queue.*'))) out.add(k.split('.')[0]!);
    return [...out];
  }

  getOffer(tenantId: string, conversationId: string): Promise<Versioned<OfferRecord> | undefined> {
    return this.get<OfferRecord>(key(tenantId, 'offer', conversationId));
  }

  /** Claims a conversation; undefined when another claim exists. */
  async createOffer(offer: OfferRecord): Promise<number | undefined> {
    return this.lostRaceAsUndefined(() => this.kv.create(key(offer.tenantId, 'offer', offer.conversationId), JSON.stringify(offer)));
  }

  /** Replaces the offer read at `revision`; undefined when someone changed it since. */
  async updateOffer(offer: OfferRecord, revision: number): Promise<number | undefined> {
    return this.lostRaceAsUndefined(() => this.kv.update(key(offer.tenantId, 'offer', offer.conversationId), JSON.stringify(offer), revision));
  }

  /** Deletes the offer read at `revision`; false when someone changed it since. */
  async deleteOffer(tenantId: string, conversationId: string, revision: number): Promise<boolean> {
    const done = await this.lostRaceAsUndefined(async () => {
      await this.kv.delete(key(tenantId, 'offer', conversationId), { previousSeq: revision });
      return 1;
    });
    return done !== undefined;
  }

  /** Every offer now and each change after, for a replica's local view (deletes arrive as `undefined`). */
  async watchOffers(onChange: (tenantId: string, conversationId: string, offer: Versioned<OfferRecord> | undefined) => void, logger: Logger): Promise<() => void> {
    // Re-opened after a failure and the moment NATS reconnects; the replay of current values (deletes included) catches up.
    const watch = followKv(this.nc, this.kv, { key: '*.offer.*', name: 'routing offers', logger }, (e) => {
      const [tenantId, , conversationId] = e.key.split('.');
      onChange(tenantId!, conversationId!, jsonOf<OfferRecord>(e));
    });
    await watch.opened;
    return () => void watch.stop();
  }

  /** Calls back on every change of a queue, team or FAQ definition (to drop cached copies). */
  async watchDefinitions(onChange: (tenantId: string) => void, logger: Logger): Promise<() => void> {
    // One key filter per watch (nats-server 2.9 has no multi-subject consumers), and one watch per kind:
    // a single '>' would also bring every offer claim and its deletion, two per assignment, only to drop them.
    const watches = DEFINITION_KINDS.map((kind) =>
      followKv(
        this.nc,
        this.kv,
        {
          key: `*.${kind}.*`,
          include: 'updates',
          name: `routing ${kind} definitions`,
          logger,
          // Changes while the watch was away are not replayed: drop every tenant's cached copies.
          onReopen: () => void this.tenants().then((tenants) => tenants.forEach(onChange), () => undefined),
        },
        (e) => onChange(e.key.split('.')[0]!),
      ),
    );
    await Promise.all(watches.map((w) => w.opened));
    return () => watches.forEach((w) => void w.stop());
  }

  private async put(k: string, value: unknown): Promise<number> {
    return this.attempt(() => this.kv.put(k, JSON.stringify(value)));
  }

  private async get<V>(k: string): Promise<Versioned<V> | undefined> {
    return jsonOf<V>(await this.attempt(() => this.kv.get(k)));
  }

  private async list<V>(tenantId: string, kind: string): Promise<Versioned<V>[]> {
    const keys: string[] = [];
    for await (const k of await this.attempt(() => this.kv.keys(`${requireTenantId(tenantId)}.${kind}.*`))) keys.push(k);
    const found = await Promise.all(keys.sort().map((k) => this.get<V>(k)));
    return found.filter((v): v is Versioned<V> => v !== undefined);
  }

  private async lostRaceAsUndefined(write: () => Promise<number>): Promise<number | undefined> {
    try {
      return await write();
    } catch (err) {
      if (isLostRace(err)) return undefined;
      throw unavailable(err);
    }
  }

  private async attempt<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw unavailable(err);
    }
  }
}

const key = (tenantId: string, kind: 'queue' | 'team' | 'faq' | 'offer', id: string) => `${requireTenantId(tenantId)}.${kind}.${id}`;

function unavailable(err: unknown): Error {
  if (isDomainError(err)) return err;
  return new UnavailableError(`routing KV: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
