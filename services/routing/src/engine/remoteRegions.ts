import type { Logger } from '@contactcenter/infra';
import { UnavailableError } from '@contactcenter/infra/errors';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Requirement } from '../domain/eligibility';
import type { RegionStanding } from '../domain/followTheSun';
import type { ChannelName } from '../domain/policy';

/**
 * Follow-the-sun between routing services of different regions: request/reply
 * on `region.<name>.routing` (not under `cc.>`, which a region's event stream
 * captures). The home region asks; the other region judges with its own agents
 * and its own presence's capacity rules, and answers. Nothing of the
 * conversation is written there: the home region assigns and records.
 *
 * @example
 *   const remote = new NatsRemoteRegions(nc);
 *   const s = await remote.standing('us', { tenantId, requirement, at: Date.now() });
 *   const r = await remote.reserve('us', { tenantId, conversationId, homeRegion: 'eu', requirement });
 *   // or, with only one other region, both in one round trip:
 *   const { standing, reserved } = await remote.reserveIfChosen('us', { tenantId, conversationId, homeRegion: 'eu', requirement, at, home });
 *   // r: { agentId: 'ann', agentRegion: 'us', reason: 'ann in us: most spare capacity, held 0 of 2' }
 *   await remote.release('us', { tenantId, conversationId, agentId: r.agentId });
 */
export interface RemoteRegions {
  /** How the region stands for the requirement at `at`; undefined when it does not answer (down, no routing there). */
  standing(region: string, ask: StandingAsk): Promise<RegionStanding | undefined>;
  /** Reserves a slot of one of its eligible agents on shift; undefined when none could take it. @throws RegionUnavailableError */
  reserve(region: string, ask: ReserveAsk): Promise<RemoteReservation | undefined>;
  /**
   * One round trip for the common case of one other region: the region judges
   * with `chooseRegion` (the home's standing and its own) and, if it is the one
   * chosen, reserves as `reserve` does. Its standing comes back either way.
   * @throws RegionUnavailableError
   */
  reserveIfChosen(region: string, ask: ChosenAsk): Promise<ChosenAnswer>;
  /**
   * Holds a slot of a named agent for a conversation given to them outside
   * routing (a transfer): 'unknown' when the agent does not work there.
   * @throws RegionUnavailableError
   */
  hold(region: string, ask: HoldAsk): Promise<HoldAnswer>;
  /**
   * Asks a conversation's home region which agent holds it ('' for none);
   * undefined while it cannot say yet (its routing is still catching up, an
   * assignment is in flight). @throws RegionUnavailableError
   */
  holder(region: string, ask: HolderAsk): Promise<string | undefined>;
  /** Releases the slot an assignment held (the conversation ended or was transferred). @throws RegionUnavailableError */
  release(region: string, ask: ReleaseAsk): Promise<void>;
}

/** What answers a region's routing requests: the routing of that region (RegionDesk). */
export interface RegionAnswers {
  standing(ask: StandingAsk): Promise<RegionStanding>;
  reserve(ask: ReserveAsk): Promise<RemoteReservation | undefined>;
  reserveIfChosen(ask: ChosenAsk): Promise<ChosenAnswer>;
  hold(ask: HoldAsk): Promise<HoldAnswer>;
  /** undefined: cannot say yet. */
  holder(ask: HolderAsk): Promise<string | undefined>;
  release(ask: ReleaseAsk): Promise<void>;
}

/** The requirement as it travels (the primary language is worked out again on arrival). */
export type WireRequirement = Omit<Requirement, 'primaryLanguage'>;

export interface StandingAsk {
  tenantId: string;
  requirement: WireRequirement;
  /** Epoch ms the standing is judged at (the home region's clock). */
  at: number;
}

export interface ReserveAsk {
  tenantId: string;
  conversationId: string;
  homeRegion: string;
  requirement: WireRequirement;
}

/** A reservation asked with the home region's standing, so that the answering region can judge alone. */
export interface ChosenAsk extends ReserveAsk {
  /** Epoch ms the standings are judged at (the home region's clock). */
  at: number;
  /** The home region's standing at `at`. */
  home: RegionStanding;
}

export interface ChosenAnswer {
  standing: RegionStanding;
  /** Absent when the region was not the one chosen, or none of its agents could take it. */
  reserved?: RemoteReservation;
}

export interface HoldAsk {
  tenantId: string;
  conversationId: string;
  agentId: string;
  channel: ChannelName;
  homeRegion: string;
}

/** 'refused': the agent works there but presence refused the slot (away, at capacity); the assignment stands uncounted. */
export type HoldAnswer = 'held' | 'refused' | 'unknown';

export interface HolderAsk {
  tenantId: string;
  conversationId: string;
}

export interface ReleaseAsk {
  tenantId: string;
  conversationId: string;
  agentId: string;
}

export interface RemoteReservation {
  agentId: string;
  agentRegion: string;
  reason: string;
}

/** Another region's routing did not answer (no responders, timeout, NATS down). */
export class RegionUnavailableError extends UnavailableError {
  constructor(
    readonly region: string,
    cause?: unknown,
  ) {
    super(`routing of region ${region} did not answer`, { cause });
  }
}

export const routingSubject = (region: string) => `region.${region}.routing`;

type Request =
  | ({ op: 'standing' } & StandingAsk)
  | ({ op: 'reserve' } & ReserveAsk)
  | ({ op: 'reserveIfChosen' } & ChosenAsk)
  | ({ op: 'hold' } & HoldAsk)
  | ({ op: 'holder' } & HolderAsk)
  | ({ op: 'release' } & ReleaseAsk);
type Reply = { ok: true; value: unknown } | { ok: false; error: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The asking side, over NATS request/reply. */
export class NatsRemoteRegions implements RemoteRegions {
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 3_000,
  ) {}

  async standing(region: string, ask: StandingAsk): Promise<RegionStanding | undefined> {
    try {
      return (await this.ask(region, { op: 'standing', ...ask })) as RegionStanding;
    } catch (err) {
      if (err instanceof RegionUnavailableError) return undefined;
      throw err;
    }
  }

  async reserve(region: string, ask: ReserveAsk): Promise<RemoteReservation | undefined> {
    return ((await this.ask(region, { op: 'reserve', ...ask })) as RemoteReservation | null) ?? undefined;
  }

  async reserveIfChosen(region: string, ask: ChosenAsk): Promise<ChosenAnswer> {
    const { standing, reserved } = (await this.ask(region, { op: 'reserveIfChosen', ...ask })) as { standing: RegionStanding; reserved: RemoteReservation | null };
    return reserved ? { standing, reserved } : { standing };
  }

  async hold(region: string, ask: HoldAsk): Promise<HoldAnswer> {
    return (await this.ask(region, { op: 'hold', ...ask })) as HoldAnswer;
  }

  async holder(region: string, ask: HolderAsk): Promise<string | undefined> {
    const answer = (await this.ask(region, { op: 'holder', ...ask })) as { agentId: string } | null;
    return answer ? answer.agentId : undefined;
  }

  async release(region: string, ask: ReleaseAsk): Promise<void> {
    await this.ask(region, { op: 'release', ...ask });
  }

  private async ask(region: string, request: Request): Promise<unknown> {
    let reply: Reply;
    try {
      const msg = await this.nc.request(routingSubject(region), encoder.encode(JSON.stringify(request)), { timeout: this.timeoutMs });
      reply = JSON.parse(decoder.decode(msg.data)) as Reply;
    } catch (err) {
      throw new RegionUnavailableError(region, err);
    }
    if (!reply.ok) throw new RegionUnavailableError(region, new Error(reply.error));
    return reply.value;
  }
}

/**
 * The answering side: every routing replica of `region` subscribes in one
 * queue group, so each request is answered once. A failure is answered as an
 * error (the asker treats the region as unavailable and waits at home).
 */
export function serveRegionRouting(nc: NatsConnection, region: string, answers: RegionAnswers, logger: Logger): Subscription {
  return nc.subscribe(routingSubject(region), {
    queue: 'routing',
    callback: (_err, msg) => {
      void (async () => {
        let reply: Reply;
        try {
          const request = JSON.parse(decoder.decode(msg.data)) as Request;
          const { op, ...ask } = request;
          const value = await answer(answers, op, ask);
          reply = value === undefined ? { ok: false, error: `unknown operation ${JSON.stringify(op)}` } : { ok: true, value };
        } catch (err) {
          logger.warn({ err, subject: msg.subject }, 'cross-region routing request failed');
          reply = { ok: false, error: err instanceof Error ? err.message : String(err) };
        }
        msg.respond(encoder.encode(JSON.stringify(reply)));
      })();
    },
  });
}

/** The answer to one request as it travels (null for "nothing"); undefined for an unknown operation. */
async function answer(answers: RegionAnswers, op: Request['op'], ask: unknown): Promise<unknown> {
  switch (op) {
    case 'standing':
      return answers.standing(ask as StandingAsk);
    case 'reserve':
      return (await answers.reserve(ask as ReserveAsk)) ?? null;
    case 'reserveIfChosen': {
      const { standing, reserved } = await answers.reserveIfChosen(ask as ChosenAsk);
      return { standing, reserved: reserved ?? null };
    }
    case 'hold':
      return answers.hold(ask as HoldAsk);
    case 'holder': {
      const agentId = await answers.holder(ask as HolderAsk);
      return agentId === undefined ? null : { agentId };
    }
    case 'release':
      return (await answers.release(ask as ReleaseAsk), null);
    default:
      return undefined;
  }
}
