// The outbound address policy: every connection a service makes to an address a tenant gave (webhooks, identity providers, mailboxes) is checked here.
export * from './addressPolicy';
export * from './addressRanges';
export * from './networkList';
