export { startServer, type LecternServer } from './server.js';
export { loadConfig, DEFAULTS, helpText, ConfigError, envName, type LecternConfig } from './config.js';
export { createLogger } from './logger.js';
export { RoomRegistry } from './rooms/registry.js';
export { Room } from './rooms/room.js';
export { Participant } from './rooms/participant.js';
export { ResumeTokens } from './signaling/resume-token.js';
export { CloseCodes } from './signaling/connection.js';
