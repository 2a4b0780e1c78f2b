import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEscalationDeliveryActivities,
  type EscalationDelivery,
  EscalationDeliveryError,
  hasDestination,
  IN_APP_INBOX,
  parseTargetEndpoints,
  type TargetEndpoints,
} from '../../src/activities/escalation-delivery';
import {
  EVENT_HEADER,
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  verifySignature,
} from '../../src/domain/webhook-signature';
import { type PartyServer, startPartyServer } from '../support/party-server';

const vendorSecret = 'vendor-secret-for-tests-8d2e1f';

const openParties: PartyServer[] = [];

afterEach(async () => {
  await Promise.all(openParties.splice(0).map((party) => party.close()));
});

async function startVendor(): Promise<PartyServer> {
  const party = await startPartyServer({ secret: vendorSecret, name: 'acme' });
  openParties.push(party);
  return party;
}

function deliverer(endpoints: TargetEndpoints, options: { timeoutMs?: number } = {}) {
  return createEscalationDeliveryActivities({ endpoints, timeoutMs: options.timeoutMs ?? 2_000 });
}

function vendorAt(party: PartyServer, secret = vendorSecret): TargetEndpoints {
  return { vendor: { url: `${party.url}/escalations`, secret } };
}

const escalation: EscalationDelivery = {
  escalationId: 'esc:c-42:1',
  target: 'vendor',
  payload: {
    caseId: 'c-42',
    title: 'Dockningsstationen laddar inte',
    requestType: 'incident',
    severity: 'C',
    device: { serial: 'PF3XK9Z' },
  },
};

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** Runs fn inside a real activity context; spelled out because `run` cannot infer the result type. */
function runAsActivity<T>(env: MockActivityEnvironment, fn: () => Promise<T>): Promise<T> {
  return env.run<[], T, () => Promise<T>>(fn);
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('deliverEscalation', () => {
  it('posts the escalation as signed JSON with idempotency, event and agent headers', async () => {
    const party = await startVendor();

    await deliverer(vendorAt(party)).deliverEscalation(escalation);

    expect(party.received).toHaveLength(1);
    const [request] = party.received;
    expect(request?.signatureValid).toBe(true);
    expect(JSON.parse(request?.body ?? '')).toEqual({
      escalationId: 'esc:c-42:1',
      target: 'vendor',
      ...escalation.payload,
      callback: {
        path: '/v1/callbacks/vendor/esc%3Ac-42%3A1',
        signatureCovers: '<t>.vendor.esc:c-42:1.<raw body>',
      },
    });
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['user-agent']).toBe('caseflow-escalations');
    expect(request?.headers[IDEMPOTENCY_HEADER]).toBe('esc:c-42:1');
    expect(request?.headers[EVENT_HEADER]).toBe('escalation');

    const signature = request?.headers[SIGNATURE_HEADER] as string;
    const nowSeconds = Math.floor(Date.now() / 1000);
    expect(verifySignature(vendorSecret, signature, request?.body ?? '', nowSeconds).ok).toBe(true);
    expect(verifySignature('another-partys-secret', signature, request?.body ?? '', nowSeconds).ok).toBe(
      false,
    );
  });

  it('signs with the time from now()', async () => {
    const party = await startVendor();
    const nowMs = 1_767_225_600_750;
    const activities = createEscalationDeliveryActivities({ endpoints: vendorAt(party), now: () => nowMs });

    // The party checks against its own clock, so this old timestamp is refused as stale there.
    await expect(activities.deliverEscalation(escalation)).rejects.toThrow(/HTTP 401/);
    const request = party.received[0];
    expect(request?.headers[SIGNATURE_HEADER]).toMatch(/^t=1767225600,v1=[0-9a-f]{64}$/);
    expect(
      verifySignature(
        vendorSecret,
        request?.headers[SIGNATURE_HEADER] as string,
        request?.body ?? '',
        1767225600,
      ),
    ).toEqual({ ok: true, timestamp: 1767225600 });
  });

  it("returns the party's ticket as the external reference, and where it went", async () => {
    const party = await startVendor();

    const receipt = await deliverer(vendorAt(party)).deliverEscalation(escalation);

    // The receiver's name, never its URL (URLs may carry access tokens).
    expect(receipt).toEqual({
      deliveredTo: 'vendor',
      status: 201,
      externalReference: 'acme-T0001',
      attempt: 1,
    });
    expect(party.tickets).toEqual(new Map([['esc:c-42:1', 'acme-T0001']]));
  });

  it('keeps the envelope authoritative over same-named payload fields', async () => {
    const party = await startVendor();

    await deliverer(vendorAt(party)).deliverEscalation({
      ...escalation,
      payload: {
        ...escalation.payload,
        escalationId: 'spoofed',
        target: 'service-ops',
        callback: { path: '/elsewhere' },
      },
    });

    expect(JSON.parse(party.received[0]?.body ?? '')).toMatchObject({
      escalationId: 'esc:c-42:1',
      target: 'vendor',
      callback: { path: '/v1/callbacks/vendor/esc%3Ac-42%3A1' },
    });
  });

  it('fails with a retryable error naming only origin, path and status when the party answers 503', async () => {
    const party = await startVendor();
    party.failNext(1);
    const endpoints = {
      vendor: { url: `${party.url}/escalations?token=query-token-xyz`, secret: vendorSecret },
    };

    const error = await rejectionOf(deliverer(endpoints).deliverEscalation(escalation));

    expect(error).toBeInstanceOf(EscalationDeliveryError);
    expect((error as ApplicationFailure).nonRetryable).toBe(false);
    const message = (error as Error).message;
    expect(message).toContain(`${party.url}/escalations`);
    expect(message).toContain('HTTP 503');
    expect(message).not.toContain(vendorSecret);
    expect(message).not.toContain('query-token-xyz');
    expect(message).not.toContain('temporarily unavailable');
    expect(message).not.toContain('Dockningsstationen');
    expect(party.tickets.size).toBe(0);
  });

  it('succeeds once the party stops failing, after retries that created no ticket', async () => {
    const party = await startVendor();
    const activities = deliverer(vendorAt(party));
    party.failNext(2);

    await expect(activities.deliverEscalation(escalation)).rejects.toThrow(/HTTP 503/);
    await expect(activities.deliverEscalation(escalation)).rejects.toThrow(/HTTP 503/);
    const receipt = await activities.deliverEscalation(escalation);

    expect(receipt.externalReference).toBe('acme-T0001');
    expect(party.received.map((r) => r.status)).toEqual([503, 503, 201]);
    expect(party.received.every((r) => r.signatureValid)).toBe(true);
    expect(party.tickets.size).toBe(1);
  });

  it('creates one ticket when the same escalation is delivered twice', async () => {
    const party = await startVendor();
    const activities = deliverer(vendorAt(party));

    const first = await activities.deliverEscalation(escalation);
    const again = await activities.deliverEscalation(escalation);
    const other = await activities.deliverEscalation({ ...escalation, escalationId: 'esc:c-43:1' });

    expect(first.externalReference).toBe('acme-T0001');
    expect(again.externalReference).toBe('acme-T0001');
    expect(other.externalReference).toBe('acme-T0002');
    expect(party.received).toHaveLength(3);
    expect(party.tickets.size).toBe(2);
  });

  it('reports a party that is down as a network error, and delivers once it is back on the same URL', async () => {
    const party = await startVendor();
    const activities = deliverer(vendorAt(party));
    await activities.deliverEscalation({ ...escalation, escalationId: 'esc:warm-up:1' });

    await party.down();
    const error = await rejectionOf(activities.deliverEscalation(escalation));
    expect(error).toBeInstanceOf(EscalationDeliveryError);
    expect((error as Error).message).toMatch(/\/escalations failed: network error/);
    expect((error as Error).message).not.toContain(vendorSecret);

    await party.up();
    const receipt = await activities.deliverEscalation(escalation);
    expect(receipt.deliveredTo).toBe('vendor');
    expect(receipt.externalReference).toBe('acme-T0002');
  });

  it('gives up on a slow party after the timeout, and the retry finds the ticket already open', async () => {
    const party = await startVendor();
    party.slow(1_000);

    const error = await rejectionOf(
      deliverer(vendorAt(party), { timeoutMs: 150 }).deliverEscalation(escalation),
    );

    expect(error).toBeInstanceOf(EscalationDeliveryError);
    expect((error as Error).message).toMatch(/\/escalations failed: no answer within 150 ms/);
    expect(party.tickets.size).toBe(1);

    party.slow(0);
    const receipt = await deliverer(vendorAt(party)).deliverEscalation(escalation);
    expect(receipt.externalReference).toBe('acme-T0001');
    expect(party.tickets.size).toBe(1);
  });

  it('is refused by the party when signed with the wrong secret', async () => {
    const party = await startVendor();

    await expect(
      deliverer(vendorAt(party, 'not-the-vendor-secret-at-all')).deliverEscalation(escalation),
    ).rejects.toThrow(/HTTP 401/);
    expect(party.received[0]?.signatureValid).toBe(false);
    expect(party.tickets.size).toBe(0);
  });

  it('fails without retries, sending nothing, when the target has no endpoint', async () => {
    const party = await startVendor();

    const error = await rejectionOf(
      deliverer(vendorAt(party)).deliverEscalation({ ...escalation, target: 'microsoft-channel' }),
    );

    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).type).toBe('EscalationTargetMissing');
    expect((error as Error).message).toContain('CASEFLOW_ESCALATION_TARGETS');
    expect((error as Error).message).toContain('microsoft-channel');
    expect(party.received).toHaveLength(0);
  });

  it('delivers service-ops escalations to the in-app inbox when service-ops has no endpoint, sending nothing', async () => {
    const party = await startVendor();

    const receipt = await deliverer(vendorAt(party)).deliverEscalation({
      ...escalation,
      target: 'service-ops',
    });

    expect(receipt).toMatchObject({ deliveredTo: IN_APP_INBOX, externalReference: null });
    expect(party.received).toHaveLength(0);
    expect(hasDestination({}, 'service-ops')).toBe(true);
    expect(hasDestination({}, 'vendor')).toBe(false);
  });

  it('sends service-ops escalations to their endpoint once one is configured', async () => {
    const party = await startVendor();
    const endpoints = { 'service-ops': { url: `${party.url}/escalations`, secret: vendorSecret } };

    const receipt = await createEscalationDeliveryActivities({ endpoints }).deliverEscalation({
      ...escalation,
      target: 'service-ops',
    });

    expect(receipt.deliveredTo).not.toBe(IN_APP_INBOX);
    expect(party.received).toHaveLength(1);
  });

  it('does not take a target name from Object.prototype for an endpoint', async () => {
    const unknownTarget = { ...escalation, target: '__proto__' } as unknown as EscalationDelivery;

    const error = await rejectionOf(deliverer({}).deliverEscalation(unknownTarget));

    expect((error as ApplicationFailure).type).toBe('EscalationTargetMissing');
  });

  it('fails without retries on an escalation id that cannot travel as a header', async () => {
    const party = await startVendor();

    const error = await rejectionOf(
      deliverer(vendorAt(party)).deliverEscalation({ ...escalation, escalationId: 'a b\r\nx-injected: 1' }),
    );

    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).type).toBe('InvalidEscalation');
    expect(party.received).toHaveLength(0);
  });

  it('treats a redirect as a failure, and a 2xx without a usable reference as success without one', async () => {
    const answers = [
      new Response(null, { status: 307, headers: { location: 'https://elsewhere.example/x' } }),
      new Response(null, { status: 204 }),
      new Response('not json', { status: 200 }),
      new Response(JSON.stringify({ reference: 42 }), { status: 202 }),
    ];
    const activities = createEscalationDeliveryActivities({
      endpoints: { vendor: { url: 'https://vendor.example/escalations', secret: vendorSecret } },
      fetchImpl: () => Promise.resolve(answers.shift() ?? new Response(null, { status: 500 })),
    });

    await expect(activities.deliverEscalation(escalation)).rejects.toThrow(
      'escalation delivery to vendor at https://vendor.example/escalations failed: HTTP 307',
    );
    for (const status of [204, 200, 202]) {
      expect(await activities.deliverEscalation(escalation)).toMatchObject({
        status,
        externalReference: null,
      });
    }
  });

  it('reports the attempt number from the activity context', async () => {
    const party = await startVendor();
    const activities = deliverer(vendorAt(party));

    const receipt = await runAsActivity(new MockActivityEnvironment({ attempt: 4 }), () =>
      activities.deliverEscalation(escalation),
    );

    expect(receipt.attempt).toBe(4);
  });

  it('ends as cancelled, not as a retryable failure, when the activity is cancelled', async () => {
    const party = await startVendor();
    party.slow(30_000);
    const env = new MockActivityEnvironment();
    const activities = deliverer(vendorAt(party), { timeoutMs: 30_000 });

    const running = runAsActivity(env, () => activities.deliverEscalation(escalation));
    await waitFor(() => party.received.length === 1);
    env.cancel();

    expect(await rejectionOf(running)).toBeInstanceOf(CancelledFailure);
  });
});

describe('parseTargetEndpoints', () => {
  it('parses an endpoint per target', () => {
    const value = JSON.stringify({
      vendor: { url: 'https://support.vendor.example/api/escalations', secret: 'vendor-secret-0123456789' },
      'service-ops': { url: 'http://127.0.0.1:8080/escalations', secret: 'ops-secret-0123456789' },
    });

    expect(parseTargetEndpoints(value)).toEqual({
      vendor: { url: 'https://support.vendor.example/api/escalations', secret: 'vendor-secret-0123456789' },
      'service-ops': { url: 'http://127.0.0.1:8080/escalations', secret: 'ops-secret-0123456789' },
    });
  });

  it('treats an unset, blank or empty value as no targets', () => {
    expect(parseTargetEndpoints(undefined)).toEqual({});
    expect(parseTargetEndpoints('  ')).toEqual({});
    expect(parseTargetEndpoints('{}')).toEqual({});
  });

  const secret = 'super-secret-value-do-not-log';
  const ok = { url: 'https://ok.example/escalations', secret };

  it.each([
    ['invalid JSON', `{"vendor": {"url": "https://x.example", "secret": "${secret}"`, /is not valid JSON/],
    ['an array', JSON.stringify([ok]), /must be a JSON object/],
    ['an unknown target', JSON.stringify({ oem: ok }), /unknown target "oem"/],
    [
      'an endpoint that is not an object',
      JSON.stringify({ vendor: secret }),
      /target vendor must be an object/,
    ],
    ['a missing url', JSON.stringify({ vendor: { secret } }), /target vendor needs a url/],
    [
      'a url that is not a URL',
      JSON.stringify({ vendor: { ...ok, url: 'vendor.example' } }),
      /target vendor has a url/,
    ],
    [
      'another scheme',
      JSON.stringify({ vendor: { ...ok, url: 'ftp://vendor.example/x' } }),
      /target vendor must have an http or https url/,
    ],
    [
      'credentials in the url',
      JSON.stringify({ vendor: { ...ok, url: `https://u:${secret}@vendor.example/x` } }),
      /target vendor must not have credentials/,
    ],
    [
      'a missing secret',
      JSON.stringify({ vendor: { url: ok.url } }),
      /target vendor needs a secret of at least 16/,
    ],
    [
      'a short secret',
      JSON.stringify({ 'microsoft-channel': { ...ok, secret: 'short-secret' } }),
      /target microsoft-channel needs a secret of at least 16/,
    ],
  ])('rejects %s, naming CASEFLOW_ESCALATION_TARGETS and never the secret', (_label, value, why) => {
    let message = '';
    try {
      parseTargetEndpoints(value);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^CASEFLOW_ESCALATION_TARGETS: /);
    expect(message).toMatch(why);
    expect(message).not.toContain(secret);
    expect(message).not.toContain('short-secret');
  });
});
