export const bareActivities = {
  async noop(): Promise<void> {
    // Nothing: the benchmark's baseline activity.
  },
};
export type BareActivities = typeof bareActivities;
