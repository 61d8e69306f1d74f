import { LoggerModule } from 'nestjs-pino';
import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs (pino) for every process, one line per event, with the process role
 * in `name`. Request logging is off by default: the hot path logs only what goes wrong.
 */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level });
}

/** The same logger wired into Nest, so framework and application logs share one stream. */
export function nestLoggerModule(name: string, level: string) {
  return LoggerModule.forRoot({
    pinoHttp: { name, level, autoLogging: false, quietReqLogger: true },
  });
}
