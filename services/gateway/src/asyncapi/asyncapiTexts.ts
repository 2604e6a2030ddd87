import { CLOUDEVENTS_JSON } from '../webhooks/httpDelivery';

/* The prose of the AsyncAPI document: what an integrator needs beyond the schemas. */

export const INFO_DESCRIPTION = `Every fact the contact center records, for integrators (CRM, BI, bots), three ways:

* **NATS** (operators and trusted systems): JetStream stream \`CC_EVENTS\`, one subject per tenant, context and event type,
  \`cc.<tenant>.<context>.<EventType>\`; each message is a CloudEvent 1.0 in binary mode (\`ce-*\` headers, JSON data as the body).
  Replay with a consumer from any sequence; \`Nats-Msg-Id\` is the event id. Typing indicators are ephemeral, on core NATS.
* **Server-Sent Events**: \`GET /v1/events\` on the gateway with an API key (\`events:read\`), resumable with \`Last-Event-ID\`.
* **Webhooks**: each event POSTed as a structured CloudEvent (\`${CLOUDEVENTS_JSON}\`), signed as Standard Webhooks (\`webhook-id\`, \`webhook-timestamp\`, \`webhook-signature\`).

Event data is proto3 JSON of the message of the same name in \`proto/contactcenter/<context>/v1/events.proto\`:
lowerCamelCase field names, enums by name, timestamps as RFC 3339 strings, 64-bit integers as numbers (or decimal strings),
and **fields holding their default value ('', 0, false, [], unset) are omitted**. Fields may be added in later versions:
ignore the ones you do not know. Events of one conversation arrive in order (\`sequence\`); across conversations there is no order.

The REST API (API keys, webhooks) is described by the OpenAPI document at \`/openapi.json\` (browsable at \`/docs\`).`;

export const SSE_DESCRIPTION = `\`GET /v1/events\` with \`X-API-Key: cck_…\` (scope \`events:read\`): every event of the key's tenant, of every context, unredacted.
Each event is \`id: <position>\\nevent: <CloudEvent type>\\ndata: <JSON>\\n\\n\`. The stream opens with \`retry: 2000\` and an \`id:\` without data
(the position it starts after); \`: keepalive\` comments come every 15 s, and the stream ends when the key is revoked.
Resume with the standard \`Last-Event-ID\` header (an EventSource sends it by itself) or \`?after=<position>\`: every later event comes once, in order.
A position older than the stream keeps answers 410 \`position_expired\`; one beyond its end, 400. \`?types=a,b\` keeps only those types.

    curl -N -H 'X-API-Key: cck_…' 'https://<gateway>/v1/events?types=contactcenter.conversation.v1.MessagePosted'`;

export const WEBHOOK_DESCRIPTION = `Register a webhook with \`POST /v1/webhooks\` (\`{"url": "https://…", "eventTypes": ["contactcenter.conversation.v1.*"]}\`;
an admin token or an API key with \`webhooks:manage\`); the answer shows its secret (\`whsec_…\`) once.
Each matching event is POSTed to the URL as a structured CloudEvent (\`content-type: ${CLOUDEVENTS_JSON}\`). Answer 2xx within the timeout (5 s by default);
anything else (redirects included) is retried, by default after 1 s, 5 s, 30 s, 2 min and 10 min, then kept as failed for replay.
Delivery is at least once and unordered (retries overtake): deduplicate on \`Webhook-Id\`, order conversation events by \`sequence\`.

**Verify every request** before parsing it, as the Standard Webhooks spec says (https://www.standardwebhooks.com; its libraries do it all):
HMAC-SHA256 over \`<webhook-id>.<webhook-timestamp>.<raw body bytes>\`, keyed with the base64-decoded part of the \`whsec_<base64>\` secret,
base64-encoded, compared in constant time with each \`v1,<base64>\` of \`webhook-signature\`; reject timestamps more than 5 minutes from your clock.
\`POST /v1/webhooks/{id}/rotate-secret\` shows a new secret once; for 24 hours both secrets sign (\`v1,… v1,…\`), so either verifies.

    import { Webhook } from 'standardwebhooks';
    const event = new Webhook(secret).verify(rawBody, req.headers); // throws when the signature or timestamp is wrong`;
