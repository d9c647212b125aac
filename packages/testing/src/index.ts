export { startTestServer, spawnServer, waitFor, WEB_ROOT, LECTERN_BIN, type TestServer, type ServerProcess } from './server.js';
export {
  launchBrowser,
  useServerAndBrowser,
  remoteMedia,
  expectMediaFlowing,
  expectScreenFlowing,
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  type TestBrowser,
  type PeerMedia,
} from './browser.js';
export {
  createSession,
  joinByLink,
  remoteTileNames,
  openChat,
  sendChat,
  chatMessages,
  type ShownChatMessage,
  callLayout,
  waitForLayout,
  screenStageOwner,
  ownParticipantId,
  expectStageFrames,
} from './app-driver.js';
export { twoInSession, recordFileProgress, fileProgress, fileTransfers } from './files.js';
export { runCommand, freeUdpPort, uclientSummary } from './tools.js';
export { relayOnlyCall } from './relay.js';
export { recordPeerConnections, screenSenderPlis } from './peer-connections.js';
