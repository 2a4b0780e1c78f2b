import { NativeConnection, Worker } from '@temporalio/worker';
import { DEFAULT_WORKER_CACHED_WORKFLOWS } from '../../src/config';
import { bareActivities } from './bare-activities';

/** The bare worker: the baseline workflow on its own task queue, with the same cache size as caseflow's. */
async function main(): Promise<void> {
  const connection = await NativeConnection.connect({
    address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  });
  // caseflow's own default when none is set: the SDK's default grows with the machine's memory (far
  // above 1,000 here), and a bare worker that never evicts is not the same comparison.
  const cache = Number(process.env.CASEFLOW_WORKER_CACHED_WORKFLOWS || DEFAULT_WORKER_CACHED_WORKFLOWS);
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: process.env.BENCH_BARE_TASK_QUEUE ?? 'bench-bare',
    workflowsPath: require.resolve('./bare-workflows'),
    activities: bareActivities,
    maxCachedWorkflows: cache,
  });
  console.log('bare worker polling');
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error('bare worker failed:', err);
  process.exit(1);
});
