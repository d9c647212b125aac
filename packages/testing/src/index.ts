export { startTestServer, spawnServer, waitFor, WEB_ROOT, LECTERN_BIN, type TestServer, type ServerProcess } from './server.js';
export { launchBrowser, useServerAndBrowser, remoteMedia, expectMediaFlowing, CHROMIUM_ARGS, CHROMIUM_PATH, type TestBrowser, type PeerMedia } from './browser.js';
export { createSession, joinByLink, remoteTileNames } from './app-driver.js';
export { runCommand, freeUdpPort, uclientSummary } from './tools.js';
