import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DevicePolicy, DeviceRecord, DeviceView, LeaseRequest } from '../domain/device-account';

export { deviceWorkflowIdOf } from '../domain/device-account';

export interface DeviceAccountInput {
  serial: string;
  policy: DevicePolicy;
  /** Set only by continue-as-new: the state the previous run handed over. */
  resume?: DeviceRecord;
}

/** An elevation asks for a lease (sent with signal-with-start, so the owner starts on demand). */
export const leaseRequested = defineSignal<[LeaseRequest]>('leaseRequested');
/** The holder's access ended (release, revoke, window end, case over, grant given up). */
export const leaseEnd = defineSignal<[{ leaseId: string; reason: string }]>('leaseEnd');
/** A re-approved extension: the lease runs until endsAtMs (the password still rotates on time). */
export const leaseExtend = defineSignal<[{ leaseId: string; endsAtMs: number }]>('leaseExtend');

export const getDevice = defineQuery<DeviceView>('getDevice');
