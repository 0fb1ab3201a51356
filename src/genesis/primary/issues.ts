/** One thing a primary genesis cannot hold: the field it is in (with the validator's NodeID) and why. */
export interface GenesisIssue {
  field: string;
  message: string;
}

/**
 * The key and address parsers prefix their messages with the (possibly more precise) field they
 * were given, e.g. `….signer.publicKey: …` for a call labelled `….signer`; that field is kept as
 * the issue's, so the message does not name it twice.
 */
export function issueFrom(error: unknown, field: string): GenesisIssue {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith(field)) {
    const end = message.indexOf(': ', field.length);
    if (end >= 0) return { field: message.slice(0, end), message: message.slice(end + 2) };
  }
  return { field, message };
}

/** A parser that throws, as a rule that returns its issue: so it is collected with the others. */
export function issuesThrownBy(field: string, parse: () => unknown): GenesisIssue[] {
  try {
    parse();
    return [];
  } catch (error) {
    return [issueFrom(error, field)];
  }
}
