// Logs that say what happened: one line per event, `<time> <level> <component>: <message>`,
// to stderr. The level comes from the CLI (`--log-level`) or K8TS_LOG_LEVEL.

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const order: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  child(component: string): Logger;
}

export function isLogLevel(s: string): s is LogLevel {
  return s in order;
}

export function createLogger(
  component: string,
  options: { level?: LogLevel; write?: (line: string) => void } = {},
): Logger {
  const envLevel = process.env['K8TS_LOG_LEVEL'] ?? '';
  const level: LogLevel = options.level ?? (isLogLevel(envLevel) ? envLevel : 'info');
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (l: LogLevel, message: string): void => {
    if (order[l] <= order[level]) write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${component}: ${message}`);
  };
  return {
    error: (m) => emit('error', m),
    warn: (m) => emit('warn', m),
    info: (m) => emit('info', m),
    debug: (m) => emit('debug', m),
    child: (c) => createLogger(`${component}/${c}`, { level, write }),
  };
}
