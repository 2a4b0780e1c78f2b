import type { UpdateDefinition } from '@temporalio/common';
import {
  ApplicationFailure,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Decision, ElevationRecord, ElevationView } from '../domain/elevation';
import type { Notice } from '../domain/notifications';
import { elevationSearchAttributes } from '../temporal/search-attributes';
import { ELEVATION_FORBIDDEN, ELEVATION_REFUSED } from './elevation.messages';
import { elevationCurrentDetails } from '../domain/web-ui-texts';

/*
 * What both elevation workflows (the lease one and the one kept for older cases) do the same way:
 * refuse a command with its reason, answer every update with the elevation as it is afterwards,
 * keep the search attributes current, and count notices still being delivered.
 */

/** An update validator's refusal: forbidden (the API's 403) or not allowed now (409). */
export function refuseUnless(decision: Decision): void {
  if (!decision.ok) {
    throw ApplicationFailure.create({
      type: decision.forbidden ? ELEVATION_FORBIDDEN : ELEVATION_REFUSED,
      message: decision.reason,
      nonRetryable: true,
    });
  }
}

/** An update validated by a domain decision, answered with the elevation's view once it ran. */
export function handleElevationUpdate<I>(
  def: UpdateDefinition<ElevationView, [I]>,
  view: () => ElevationView,
  validate: (i: I) => Decision,
  run: (i: I) => Promise<void> | void,
): void {
  setHandler(
    def,
    async (i: I) => {
      await run(i);
      return view();
    },
    { validator: (i: I) => refuseUnless(validate(i)) },
  );
}

/** Upserts the attributes when they changed since `published`; returns what is published now. */
/** The Web UI's "Current details" of an elevation (no command: free to call on every change). */
export function describeElevation(r: ElevationRecord): void {
  setCurrentDetails(elevationCurrentDetails({ status: r.status, deviceSerial: r.request.deviceSerial }));
}

export function publishElevation(r: ElevationRecord, published: string): string {
  describeElevation(r);
  const attributes = elevationSearchAttributes(r);
  const fingerprint = JSON.stringify(attributes);
  if (fingerprint !== published) upsertSearchAttributes(attributes);
  return fingerprint;
}

/** Fire-and-forget notices, counted so the workflow can wait for them before it returns. */
export function noticeSender(notify: (n: Notice) => Promise<unknown>) {
  let inFlight = 0;
  const send = (notice: Notice): void => {
    inFlight++;
    void notify(notice)
      .catch(() => undefined)
      .finally(() => inFlight--);
  };
  return { send, inFlight: () => inFlight };
}
