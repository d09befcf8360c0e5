/** Options every offers rule accepts. */
export interface RuleOptions {
  /**
   * Called between two writes of a rule with the name of the step just done. Tests throw from it to prove
   * that a rule interrupted half-way leaves nothing behind (its transaction rolls back).
   */
  afterStep?: (step: string) => void;
}
