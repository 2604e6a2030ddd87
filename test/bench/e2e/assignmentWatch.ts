/** AgentAssigned frames seen on the agents' sockets, and the set-up steps waiting for them. */
export class AssignmentWatch {
  private readonly assignedTo = new Map<string, string>();
  /** conversationId → resolve(agentId). */
  private readonly waiters = new Map<string, (agentId: string) => void>();

  onAssigned(conversationId: string, agentId: string): void {
    this.assignedTo.set(conversationId, agentId);
    this.waiters.get(conversationId)?.(agentId);
  }

  /** The agent routing assigned `conversationId` to, once it did (or at once if it already has); rejects after `timeoutMs`. */
  agentOf(conversationId: string, timeoutMs: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const done = (agentId: string) => {
        this.waiters.delete(conversationId);
        clearTimeout(timer);
        resolve(agentId);
      };
      const timer = setTimeout(() => reject(new Error(`conversation ${conversationId} not assigned within ${timeoutMs / 1000} s`)), timeoutMs);
      const already = this.assignedTo.get(conversationId);
      if (already) return done(already);
      this.waiters.set(conversationId, done);
    });
  }
}
