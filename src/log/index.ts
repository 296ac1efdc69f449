/**
 * Logging and redaction. `createLogger` gives the process its pino logger (JSON by default,
 * pretty for terminals); the redaction helpers are the single place that decides what is secret.
 */
export { createLogger, silentLogger, REDACTED_PATHS, type Logger, type LogFormat, type LoggerConfig } from './logger.js';
export { MASK, isCredentialKey, stripUrlCredentials, maskSecretObject, scrubSecrets } from './redact.js';
