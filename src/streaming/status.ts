// The metav1.Status objects the remote command protocols (v4 and later) write on their error
// channel; client-go decodes them to decide kubectl's exit: Success → 0, NonZeroExitCode with
// an ExitCode cause → that code, anything else → an error message.

export interface StreamStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes: { reason?: string; message: string }[] };
}

export function successStatus(): StreamStatus {
  return { metadata: {}, status: 'Success' };
}

export function exitCodeStatus(exitCode: number, command: readonly string[]): StreamStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export function internalErrorStatus(message: string): StreamStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    code: 500,
    details: { causes: [{ message }] },
  };
}

export function encodeStatus(status: StreamStatus): Buffer {
  return Buffer.from(JSON.stringify(status), 'utf8');
}

export interface TerminalSize {
  width: number;
  height: number;
}

/** Parses a resize message, `{"Width":80,"Height":24}`; undefined when malformed. */
export function parseTerminalSize(text: string): TerminalSize | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const width: unknown = Reflect.get(value, 'Width');
  const height: unknown = Reflect.get(value, 'Height');
  if (typeof width !== 'number' || typeof height !== 'number' || width < 0 || height < 0) return undefined;
  return { width, height };
}
