import {
  ErrorCodes,
  LecternError,
  normalizeSessionCode,
  type ClientMessage,
  type ClientMessageOf,
  type IceServer,
  type ParticipantInfo,
  type ServerMessage,
  type ServerMessageOf,
} from '@lectern/protocol';
import type { ClassRoomInfo, ClassRoomSettings, JoinCredentials } from './access.js';
import { Chat } from './chat.js';
import { TypedEmitter } from './emitter.js';
import type { HashFactory } from './files/io.js';
import { FileTransfers } from './files/transfers.js';
import { ActiveSpeakers } from './active-speakers.js';
import { DEFAULT_VIDEO_CONSTRAINTS, SFU_VIDEO_CONSTRAINTS, type LocalMediaEvents } from './local-media.js';
import { RemoteParticipant, SpeakingDetector, type LocalParticipantState } from './participant.js';
import {
  systemClock,
  type AudioLevelMeter,
  type AudioLevelMeterFactory,
  type Clock,
  type MediaDevicesPort,
  type PeerConnectionFactory,
  type SignalTransportFactory,
} from './ports.js';
import { Moderation } from './moderation.js';
import { RoomScreenShare } from './screen-share.js';
import { SignalClient } from './signal-client.js';
import { StateMachine } from './state.js';
import { MeshTopology, meshPeerConfig } from './topology/mesh.js';
import { PreparedOffer } from './topology/prepared-offer.js';
import { TopologyMigration } from './topology/migration.js';
import { SfuTopology } from './topology/sfu.js';
import type { LocalScreenTracks, LocalTracks, RemoteMediaStats, Topology } from './topology/topology.js';

/** Where a Room is in its life. */
export type RoomState = 'idle' | 'connecting' | 'connected' | 'joining' | 'waiting' | 'joined' | 'reconnecting' | 'left' | 'closed';

const TABLE: Record<RoomState, readonly RoomState[]> = {
  idle: ['connecting', 'closed'],
  connecting: ['connected', 'reconnecting', 'closed'],
  connected: ['joining', 'reconnecting', 'closed'],
  joining: ['waiting', 'joined', 'connected', 'reconnecting', 'closed'],
  // In the session's lobby, until a host admits (joined) or denies (connected).
  waiting: ['joined', 'connected', 'reconnecting', 'closed'],
  joined: ['reconnecting', 'left', 'closed'],
  reconnecting: ['connected', 'joined', 'left', 'closed'],
  left: ['closed'],
  closed: [],
};

/** Why a participant left: on their own, lost connection, heartbeat timeout, or removed by a host. */
export type LeaveReason = ServerMessageOf<'participant-left'>['reason'];

/** Events of {@link Room}: the single list. */
export type RoomEvents = {
  stateChanged: [state: RoomState, previous: RoomState];
  participantJoined: [participant: RemoteParticipant];
  participantLeft: [participant: RemoteParticipant, reason: LeaveReason];
  /** Name, mute, camera, stream, speaking, connection or shared screen of a participant changed. */
  participantUpdated: [participant: RemoteParticipant];
  /** The local participant's state changed (including starting or stopping a screen share). */
  localUpdated: [local: LocalParticipantState];
  /** Audio levels were sampled (about 5 times a second while joined). */
  audioLevels: [];
  /** Who is speaking now changed (see {@link Room.activeSpeakers}). */
  activeSpeakersChanged: [speakers: readonly string[]];
  /** A reconnect attempt is scheduled. */
  reconnectAttempt: [attempt: number, delayMs: number];
  /** The session could not be resumed after a reconnect; the room is now `left`. */
  sessionEnded: [error: LecternError];
  /** A non-fatal problem, for logs. */
  error: [error: LecternError];
};

/** The local media a Room sends: {@link LocalMedia} or anything shaped like it. */
export interface LocalMediaSource {
  readonly tracks: LocalTracks;
  readonly muted: boolean;
  readonly cameraOff: boolean;
  setMuted(muted: boolean): void;
  setCameraOff(off: boolean): Promise<void>;
  /** Changes the camera's size and rate (optional: a source without it keeps its own). */
  setVideoConstraints?(constraints: MediaTrackConstraints): Promise<void>;
  on<E extends keyof LocalMediaEvents>(event: E, listener: (...args: LocalMediaEvents[E]) => void): () => void;
}

/** Media handed to {@link Room.prepare} and the offer made ready with it. */
interface Preparing {
  media: LocalMediaSource;
  offer: PreparedOffer | null;
  off: () => void;
}

/** What a Room needs; `createBrowserRoom()` fills these in for browsers. */
export interface RoomOptions {
  /** WebSocket URL of the server's signaling endpoint, e.g. `wss://host:9000/ws`. */
  url: string;
  transport: SignalTransportFactory;
  peerConnectionFactory: PeerConnectionFactory;
  /** Measures the local microphone for the speaking indicator. */
  audioLevelMeter?: AudioLevelMeterFactory;
  /** `relay` forces every media path through TURN. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /**
   * The codec to send the camera in through the SFU: `h264` for devices that encode it in
   * hardware. The SFU forwards VP8 and H.264 (constrained baseline); by default the browser
   * chooses (VP8 in Chromium and Firefox).
   */
  videoCodec?: 'vp8' | 'h264';
  /** Where `getDisplayMedia` lives, for screen sharing; without it sharing is unsupported. */
  displayMedia?: Pick<MediaDevicesPort, 'getDisplayMedia'> | null;
  /** SHA-256 for file transfers; browsers hash in a worker. */
  fileHash?: HashFactory;
  /** How long a participant missing after a reconnect is kept before being dropped. */
  reconnectGraceMs?: number;
  /**
   * A {@link Room.identity} from an earlier Room: connect as that same participant (after a
   * reload, or "Rejoin"), keeping its role; refused with REMOVED if a host removed it.
   */
  identity?: string | null;
  clock?: Clock;
}

/**
 * A session, seen from one participant: connects to the server, creates or joins a session,
 * sends local media and tracks everyone else. Survives server restarts and network drops.
 */
export class Room extends TypedEmitter<RoomEvents> {
  readonly #sm: StateMachine<RoomState>;
  readonly #signal: SignalClient;
  readonly #clock: Clock;
  readonly #participants = new Map<string, RemoteParticipant>();
  readonly #detectors = new Map<string, SpeakingDetector>();
  readonly #graceTimers = new Map<string, unknown>();
  #topology: Topology | null = null;
  /** A topology being brought up during a move between mesh and SFU, and its watcher. */
  #migration: TopologyMigration | null = null;
  /** Streams the incoming topology has delivered, applied when it takes over. */
  #nextStreams = new Map<string, MediaStream>();
  /** Screens the incoming topology has delivered (or lost: null), applied when it takes over. */
  #nextScreens = new Map<string, { stream: MediaStream | null; streamId: string | null }>();
  #media: LocalMediaSource | null = null;
  readonly #speakers = new ActiveSpeakers();
  /** Shown video heights by participant, from {@link reportVideoSize}. */
  readonly #views = new Map<string, number>();
  #mediaOff: Array<() => void> = [];
  /** The media given to {@link prepare}, and the first connection made ready with it. */
  #preparing: Preparing | null = null;
  #meter: AudioLevelMeter | null = null;
  #meterTrack: MediaStreamTrack | null = null;
  #levelTimer: unknown = null;
  #resumeToken: string | null = null;
  /** A password that let us in, sent again on a rejoin (a token is not: the resume token replaces it). */
  #credentials: Pick<JoinCredentials, 'password'> = {};
  /** Host keys of sessions this room created (or a host link named), used on the first join only. */
  readonly #hostKeys = new Map<string, string>();
  /** ICE servers renewed by `ice-servers` since the last `welcome`. */
  #iceServers: IceServer[] | null = null;
  #localDetector = new SpeakingDetector();
  readonly #screens: RoomScreenShare;
  /** File transfers to and from the other participants, peer to peer. */
  readonly files: FileTransfers;
  /** The session this room is in (or rejoining). */
  code: string | null = null;
  /** The session's chat: history, order, and an outbox that survives reconnects. */
  readonly chat: Chat;
  /** Classroom controls: roles, host actions, lobby, raised hands, reactions, spotlight. */
  readonly moderation: Moderation;
  /** Cancels a join waiting in the lobby. */
  #joinAbort: AbortController | null = null;
  localParticipant: LocalParticipantState | null = null;

  constructor(private readonly options: RoomOptions) {
    super();
    this.#resumeToken = options.identity ?? null;
    this.#clock = options.clock ?? systemClock;
    this.#sm = new StateMachine<RoomState>('idle', TABLE, (to, from) => this.emit('stateChanged', to, from));
    this.#signal = new SignalClient({ url: options.url, transport: options.transport, clock: this.#clock, resumeToken: () => this.#resumeToken });
    this.chat = new Chat(
      {
        send: (m) => this.#sm.state === 'joined' && this.#signal.send(m),
        self: () => (this.localParticipant?.id ? { id: this.localParticipant.id, name: this.localParticipant.name } : null),
        nameOf: (id) => this.#participants.get(id)?.name ?? null,
      },
      () => this.#clock.now(),
    );
    this.moderation = new Moderation({
      send: (m) => this.#sm.state === 'joined' && this.#signal.send(m),
      self: () => (this.localParticipant?.id ? { id: this.localParticipant.id, role: this.localParticipant.role } : null),
      // A host turned our media off: do it (mesh relies on this; the SFU enforces it too).
      comply: (action) => (action === 'mute' ? this.setMuted(true) : action === 'camera-off' ? void this.setCameraOff(true).catch(() => {}) : this.stopScreenShare()),
      removed: (by) => this.#endSession(new LecternError(ErrorCodes.REMOVED, `You were removed from the session by ${by.name}`)),
    });
    this.files = new FileTransfers({ nameOf: (id) => this.#participants.get(id)?.name ?? 'someone', clock: this.#clock, hash: options.fileHash });
    this.#signal.on('message', (m) => this.#onMessage(m));
    this.#signal.on('retry', (n, ms) => this.emit('reconnectAttempt', n, ms));
    this.#signal.on('stateChanged', (s) => {
      if (s === 'reconnecting' && this.#sm.can('reconnecting')) this.#sm.transition('reconnecting');
    });
    this.#signal.on('welcome', (_w, again) => {
      this.#iceServers = null; // a new welcome carries fresh ones
      this.#prepareOffer();
      if (again) void this.#afterReconnect();
    });
    this.#screens = new RoomScreenShare({
      devices: () => options.displayMedia ?? null,
      topology: () => this.#topology,
      inSession: () => this.#sm.state === 'joined' || this.#sm.state === 'reconnecting',
      send: (m) => this.#signal.send(m),
      participant: (id) => this.#participants.get(id),
      localChanged: (screen) => {
        if (!this.localParticipant) return;
        this.localParticipant = { ...this.localParticipant, screen };
        this.emit('localUpdated', this.localParticipant);
      },
      participantChanged: (p) => this.emit('participantUpdated', p),
    });
  }

  get state(): RoomState {
    return this.#sm.state;
  }

  /** This participant's identity in its session (a server-signed token); see {@link RoomOptions.identity}. */
  get identity(): string | null {
    return this.#resumeToken;
  }

  /** How media flows now: `mesh` (peer to peer) or `sfu` (through the server); null when not in a session. */
  get topology(): 'mesh' | 'sfu' | null {
    return this.#topology?.kind ?? null;
  }

  /** Everyone else in the session. */
  get participants(): ReadonlyMap<string, RemoteParticipant> {
    return this.#participants;
  }

  /** Connects to the server; retries with backoff until it answers or the room is closed. */
  async connect(): Promise<void> {
    if (this.#sm.state !== 'idle') return;
    this.#sm.transition('connecting');
    await this.#signal.connect();
    if (this.#sm.can('connected')) this.#sm.transition('connected');
  }

  /**
   * Asks the server for a new session; returns its code. With `password`, everyone who joins
   * must give it (the creator too).
   */
  async createSession(options: { password?: string } = {}): Promise<string> {
    this.#requireState('connected', 'create a session');
    const created = await this.#request({ type: 'create', ...(options.password ? { password: options.password } : {}) }, 'created');
    // Joining with the key makes this client the session's host.
    this.#hostKeys.set(created.code, created.hostKey);
    return created.code;
  }

  /**
   * Stores a persistent class room on the server: a stable code (the student link) and a host
   * key (the host link), shown only in this answer. Throws LecternError SERVER_BUSY when the
   * server holds as many as it may.
   */
  async createClassRoom(settings: ClassRoomSettings): Promise<ClassRoomInfo> {
    this.#requireState('connected', 'create a class room');
    const { type: _type, ...info } = await this.#request({ type: 'create-class-room', ...settings }, 'class-room-created');
    return info;
  }

  /** Sends a request; resolves with its answer of type `answer` (the server's `error` rejects). */
  #request<T extends 'created' | 'class-room-created'>(message: ClientMessageOf<'create' | 'create-class-room'>, answer: T): Promise<ServerMessageOf<T>> {
    return this.#signal.request(message, (m): m is ServerMessageOf<T> => m.type === answer);
  }

  /**
   * Gets ready to join with `media` (optional; call it on a pre-join screen once the preview
   * runs): the connection to the first participant is made and its offer written before Join is
   * clicked, so media starts sooner after it. Costs one idle RTCPeerConnection until then;
   * `join` with other media, or `close`, discards it.
   */
  prepare(media: LocalMediaSource): void {
    if (this.#preparing?.media === media) return;
    this.#dropPrepared();
    const preparing: Preparing = {
      media,
      offer: null,
      off: media.on('tracksChanged', (tracks) => preparing.offer?.setTracks(tracks)),
    };
    this.#preparing = preparing;
    this.#prepareOffer();
  }

  /** Makes the prepared offer when there is media to prepare for and the server's ICE servers are known. */
  #prepareOffer(): void {
    const preparing = this.#preparing;
    const iceServers = this.#iceServers ?? this.#signal.welcome?.iceServers;
    if (!preparing || !iceServers || this.#topology || this.#sm.state === 'closed') return;
    preparing.offer?.close();
    const config = meshPeerConfig({ iceServers, iceTransportPolicy: this.options.iceTransportPolicy ?? 'all' });
    preparing.offer = new PreparedOffer(this.options.peerConnectionFactory, config, preparing.media.tracks);
  }

  #dropPrepared(): void {
    this.#preparing?.off();
    this.#preparing?.offer?.close();
    this.#preparing = null;
  }

  /**
   * Joins a session by code (any spelling a person might type) and starts sending `media`.
   * `credentials` answer a password, carry an LMS join token, or a host key (a class room's
   * host link). Throws LecternError: ROOM_NOT_FOUND, ROOM_FULL, PASSWORD_REQUIRED,
   * WRONG_PASSWORD, WRONG_HOST_KEY, RATE_LIMITED, TOKEN_* and the like.
   */
  async join(code: string, options: { name: string; media: LocalMediaSource } & JoinCredentials): Promise<void> {
    this.#requireState('connected', 'join');
    const canonical = normalizeSessionCode(code);
    if (!canonical) throw new LecternError(ErrorCodes.INVALID_CODE, 'that is not a session code (it looks like abc-defg-hjk)');
    this.#sm.transition('joining');
    this.code = canonical;
    this.#media = options.media;
    this.#credentials = options.password ? { password: options.password } : {};
    if (options.hostKey) this.#hostKeys.set(canonical, options.hostKey);
    this.localParticipant = {
      id: '',
      name: options.name.trim(),
      muted: options.media.muted,
      cameraOff: options.media.cameraOff,
      role: 'participant',
      audioLevel: 0,
      speaking: false,
      screen: null,
    };
    try {
      const joined = await this.#sendJoin(options.token);
      this.#sm.transition('joined');
      this.#applyJoined(joined, false);
      this.#dropPrepared(); // used by now, or of no use in this session
      this.#attachMedia(options.media);
      this.#startLevels();
      this.chat.flush();
    } catch (err) {
      this.code = null;
      this.#media = null;
      if (this.#sm.can('connected') && this.#signal.state === 'open') this.#sm.transition('connected');
      throw err;
    }
  }

  /** Mutes or unmutes the microphone; everyone sees it. */
  setMuted(muted: boolean): void {
    this.#media?.setMuted(muted);
  }

  /** Turns the camera off or on; everyone sees it. */
  async setCameraOff(off: boolean): Promise<void> {
    await this.#media?.setCameraOff(off);
  }

  /** Whether this browser can share its screen (most phones cannot). */
  get canShareScreen(): boolean {
    return typeof this.options.displayMedia?.getDisplayMedia === 'function';
  }

  /** Whether this session can carry shared screens (mesh and SFU both do). */
  get screenShareAvailable(): boolean {
    return this.#topology?.carriesScreens ?? true;
  }

  /** The screen this client shares (its stream and tracks), or null. */
  get localScreen(): LocalScreenTracks | null {
    return this.#screens.local;
  }

  /**
   * Shares the screen: the browser asks which screen, window or tab (call it from a click).
   * Everyone else sees it large; it stops with {@link stopScreenShare} or the browser's own
   * "Stop sharing" bar. Calling it while sharing picks another screen. Throws LecternError
   * SCREEN_SHARE_DENIED (picker cancelled or blocked), SCREEN_SHARE_UNSUPPORTED (phones),
   * SCREEN_SHARE_FAILED, or INVALID_STATE when not in a session.
   */
  shareScreen(): Promise<void> {
    return this.#screens.start();
  }

  /** Stops sharing the screen. No-op when not sharing. */
  stopScreenShare(): void {
    this.#screens.stop();
  }

  /**
   * Tells the SDK how large a participant's video is shown (its tile's height in device pixels;
   * 0 when it is not visible, e.g. on another page of the grid: the SFU then sends none). Through the SFU this picks the simulcast layer the server
   * forwards: small tiles get small pictures, an enlarged tile a sharp one. Call it when the
   * layout changes; it is cheap and throttled.
   */
  reportVideoSize(participantId: string, height: number): void {
    this.#views.set(participantId, Math.max(0, height));
    for (const t of this.#topologies()) t.setVideoViews(this.#views);
  }

  /**
   * Who is speaking now, most recent first (participant ids, the local one included): anyone
   * heard within the last two seconds. Changes come as `activeSpeakersChanged`.
   */
  get activeSpeakers(): readonly string[] {
    return this.#speakers.list;
  }

  /** Receive-side media numbers for one participant (frames decoded, packets, candidate type). */
  getStats(participantId: string): Promise<RemoteMediaStats | null> {
    return this.#topology?.stats(participantId) ?? Promise.resolve(null);
  }

  /** Leaves the session (or its lobby); others see you go at once. */
  leave(): void {
    if (this.#sm.state === 'waiting') {
      this.#signal.send({ type: 'leave' });
      this.#joinAbort?.abort(); // join() rejects and goes back to `connected`
      return;
    }
    if (this.#sm.state !== 'joined' && this.#sm.state !== 'reconnecting') return;
    this.#signal.send({ type: 'leave' });
    this.#teardownSession();
    this.#sm.transition('left');
  }

  /** Leaves and disconnects for good. Idempotent. */
  close(): void {
    if (this.#sm.state === 'closed') return;
    if (this.#sm.state === 'joined') this.#signal.send({ type: 'leave' });
    this.#dropPrepared();
    this.#teardownSession();
    this.#signal.close();
    this.files.close();
    this.#sm.transition('closed');
    this.removeAllListeners();
  }

  #requireState(state: RoomState, what: string): void {
    if (this.#sm.state !== state) throw new LecternError(ErrorCodes.INVALID_STATE, `cannot ${what} while ${this.#sm.state}`);
  }

  #sendJoin(token?: string): Promise<ServerMessageOf<'joined'>> {
    const media = this.#media!;
    const hostKey = this.#hostKeys.get(this.code!);
    // Only the first join carries the key: a member coming back keeps the role it has now.
    const join: ClientMessageOf<'join'> = {
      type: 'join',
      code: this.code!,
      name: this.localParticipant!.name,
      media: { muted: media.muted, cameraOff: media.cameraOff },
      ...this.#credentials,
      ...(token ? { token } : {}),
      ...(hostKey ? { hostKey } : {}),
    };
    this.#joinAbort = new AbortController();
    return this.#signal
      .request(
        join,
        (m): m is ServerMessageOf<'joined'> | ServerMessageOf<'join-error'> => m.type === 'joined' || m.type === 'join-error',
        { waitOn: (m) => m.type === 'lobby-waiting', signal: this.#joinAbort.signal },
      )
      .then((reply) => {
        if (reply.type === 'join-error') throw new LecternError(reply.code, reply.message);
        return reply;
      });
  }

  #applyJoined(joined: ServerMessageOf<'joined'>, rejoin: boolean): void {
    this.#resumeToken = joined.resumeToken;
    this.code = joined.code;
    this.#hostKeys.delete(joined.code);
    // The server may have fixed the name (a join token names the person).
    this.localParticipant = { ...this.localParticipant!, id: joined.self.id, name: joined.self.name, role: joined.self.role };
    if (!this.#topology || rejoin) {
      // After a reconnect every peer rebuilds its links to us, so we start afresh too.
      this.#cancelMigration();
      this.#topology?.close();
      this.#topology = this.#createTopology(joined.self.id, joined.topology);
      this.files.attach(this.#topology);
    }
    const present = new Set(joined.participants.map((p) => p.id));
    // The connection prepared before joining (if it was for this media) carries the first offer.
    const preparing = !rejoin && this.#topology.kind === 'mesh' && this.#preparing?.media === this.#media ? this.#preparing : null;
    for (const info of joined.participants) {
      const p = this.#upsert(info);
      this.#clearGrace(p.id);
      if (rejoin) this.#setConnection(p, 'connecting');
      // The newcomer makes the offers: its first one was written before it joined.
      this.#topology.addPeer(info.id, true, preparing?.offer?.take() ?? null);
    }
    if (rejoin) {
      for (const p of this.#participants.values()) {
        if (present.has(p.id)) continue;
        // Probably reconnecting too; keep the tile for a while.
        this.#setConnection(p, 'reconnecting');
        this.#startGrace(p.id);
      }
    }
    this.emit('localUpdated', this.localParticipant!);
  }

  #createTopology(selfId: string, kind: 'mesh' | 'sfu'): Topology {
    const options = {
      iceServers: this.#iceServers ?? this.#signal.welcome?.iceServers ?? [],
      iceTransportPolicy: this.options.iceTransportPolicy ?? 'all',
      ...(this.options.videoCodec ? { videoCodec: this.options.videoCodec } : {}),
    };
    const send = (m: ClientMessage) => void this.#signal.send(m);
    const tracks = this.#media?.tracks ?? { audio: null, video: null };
    const topology: Topology =
      kind === 'sfu'
        ? new SfuTopology(options, this.options.peerConnectionFactory, send, tracks)
        : new MeshTopology(selfId, options, this.options.peerConnectionFactory, send, this.#clock);
    if (this.#media) topology.setLocalTracks(this.#media.tracks);
    // Through the SFU the camera goes up once, as simulcast layers up to 720p; in mesh once per peer, at 360p.
    void this.#media?.setVideoConstraints?.(kind === 'sfu' ? SFU_VIDEO_CONSTRAINTS : DEFAULT_VIDEO_CONSTRAINTS);
    topology.setVideoViews(this.#views);
    topology.setLocalScreen(this.#screens.local);
    topology.on('remoteScreen', (id, stream, streamId) => {
      if (topology === this.#topology) this.#screens.received(id, stream, streamId);
      else this.#nextScreens.set(id, { stream, streamId });
    });
    topology.on('remoteStream', (id, stream) => {
      if (topology !== this.#topology) {
        this.#nextStreams.set(id, stream);
        return;
      }
      const p = this.#participants.get(id);
      if (!p) return;
      p.stream = stream;
      this.emit('participantUpdated', p);
    });
    topology.on('connectionState', (id, state) => {
      const p = this.#participants.get(id);
      if (!p || topology !== this.#topology) return;
      const map: Record<RTCPeerConnectionState, RemoteParticipant['connection']> = {
        new: 'connecting',
        connecting: 'connecting',
        connected: 'connected',
        disconnected: 'unstable',
        failed: 'failed',
        closed: 'failed',
      };
      this.#setConnection(p, map[state]);
    });
    topology.on('error', (id, e) => this.emit('error', new LecternError(ErrorCodes.INTERNAL, `media with ${id}: ${e.message}`, { cause: e })));
    return topology;
  }

  /** A new topology with every current participant in it, for a session already under way. */
  #topologyWithEveryone(selfId: string, kind: 'mesh' | 'sfu'): Topology {
    const next = this.#createTopology(selfId, kind);
    // Everyone hears of the change at once; the smaller id of each pair makes the mesh offer.
    for (const p of this.#participants.values()) next.addPeer(p.id, selfId < p.id);
    return next;
  }

  /**
   * The session moved between mesh and SFU: bring the new media path up beside the old one,
   * and switch over once it carries everyone's media (or after a timeout), so video never
   * stops during the move.
   */
  #migrate(kind: 'mesh' | 'sfu'): void {
    const selfId = this.localParticipant?.id;
    if (!selfId || !this.#topology || this.#sm.state !== 'joined') return;
    if (this.#migration?.next.kind === kind) return;
    this.#cancelMigration();
    if (this.#topology.kind === kind) return;
    const next = this.#topologyWithEveryone(selfId, kind);
    this.#migration = new TopologyMigration(
      next,
      () => [...this.#participants.values()].map((p) => ({ id: p.id, sendsVideo: !p.cameraOff })),
      this.#clock,
      () => this.#completeMigration(),
    );
  }

  /**
   * The server's SFU worker for this session was restarted: the old SFU connections lead
   * nowhere, so they are replaced at once (the media path was already broken). A move to the
   * SFU that was under way starts over, while the mesh keeps carrying media.
   */
  #restartSfu(): void {
    const selfId = this.localParticipant?.id;
    if (!selfId || !this.#topology || this.#sm.state !== 'joined') return;
    if (this.#migration?.next.kind === 'sfu') {
      this.#cancelMigration();
      this.#migrate('sfu');
      return;
    }
    if (this.#topology.kind !== 'sfu') return;
    const old = this.#topology;
    const next = this.#topologyWithEveryone(selfId, 'sfu');
    this.#topology = next;
    this.files.attach(next);
    old.close();
  }

  #completeMigration(): void {
    const migration = this.#migration;
    if (!migration) return;
    this.#migration = null;
    const old = this.#topology;
    this.#topology = migration.next;
    this.files.attach(migration.next);
    for (const [id, stream] of this.#nextStreams) {
      const p = this.#participants.get(id);
      if (!p) continue;
      p.stream = stream;
      this.emit('participantUpdated', p);
    }
    this.#nextStreams.clear();
    // Screens from the old path are gone with it; the new path's (if any) take their place.
    for (const id of this.#participants.keys()) {
      const next = this.#nextScreens.get(id);
      this.#screens.received(id, next?.stream ?? null, next?.streamId ?? null);
    }
    this.#nextScreens.clear();
    old?.close();
    // A topology that cannot carry screens ends a share rather than leave others waiting for it.
    if (!migration.next.carriesScreens) this.#screens.stop();
  }

  #cancelMigration(): void {
    this.#migration?.cancel();
    this.#migration?.next.close();
    this.#migration = null;
    this.#nextStreams.clear();
    this.#nextScreens.clear();
  }

  /** Every topology in use: the current one, and the one being moved to. */
  #topologies(): Topology[] {
    return [this.#topology, this.#migration?.next].filter((t): t is Topology => !!t);
  }

  #attachMedia(media: LocalMediaSource): void {
    this.#topology?.setLocalTracks(media.tracks);
    this.#mediaOff.push(
      media.on('tracksChanged', (tracks) => {
        for (const t of this.#topologies()) t.setLocalTracks(tracks);
      }),
      media.on('stateChanged', ({ muted, cameraOff }) => {
        this.#signal.send({ type: 'media-state', muted, cameraOff });
        if (this.localParticipant) {
          this.localParticipant = { ...this.localParticipant, muted, cameraOff };
          this.emit('localUpdated', this.localParticipant);
        }
      }),
    );
  }

  async #afterReconnect(): Promise<void> {
    if (this.#sm.state !== 'reconnecting') return;
    if (!this.code || !this.#media) {
      if (this.#sm.can('connected')) this.#sm.transition('connected');
      return;
    }
    try {
      const joined = await this.#sendJoin();
      if (this.#sm.state !== 'reconnecting') return;
      this.#sm.transition('joined');
      this.#applyJoined(joined, true);
      // Tell everyone our current mic/camera state (it may have changed while offline).
      this.#signal.send({ type: 'media-state', muted: this.#media.muted, cameraOff: this.#media.cameraOff });
      this.chat.flush();
      if (this.#screens.local) this.#screens.announce();
    } catch (err) {
      const e = err instanceof LecternError ? err : new LecternError(ErrorCodes.INTERNAL, String(err));
      if (e.code === ErrorCodes.SERVER_UNREACHABLE) return; // dropped again; the next welcome retries
      if (this.#sm.state !== 'reconnecting') return;
      this.#endSession(e);
    }
  }

  #onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'participant-joined': {
        const known = this.#participants.has(m.participant.id);
        const p = this.#upsert(m.participant);
        this.#clearGrace(p.id);
        this.#setConnection(p, 'connecting');
        if (known) this.#screens.forget(p.id); // its media connection is rebuilt below
        // The newcomer offers (its first offer is usually made before it joined), so we wait.
        // While moving, only the new path connects to newcomers (they are on it already); both
        // sides may offer there, which perfect negotiation settles.
        if (this.#migration) this.#migration.next.addPeer(p.id, true);
        else this.#topology?.addPeer(p.id, false);
        if (known) this.emit('participantUpdated', p);
        return;
      }
      case 'participant-left':
        this.#drop(m.participantId, m.reason);
        return;
      case 'offer':
      case 'answer':
      case 'ice-candidate':
        // Mesh media, or (marked `dataLink`) an on-demand data connection for files in SFU mode.
        if (this.#participants.has(m.from)) this.#topologies().find((t) => t.kind === (m.dataLink ? 'sfu' : 'mesh'))?.handleSignal(m);
        return;
      case 'sfu-publish-answer':
      case 'sfu-subscribe-offer':
      case 'sfu-candidate':
      case 'sfu-slots':
      case 'sfu-layers':
        this.#topologies().find((t) => t.kind === 'sfu')?.handleSfuSignal(m);
        return;
      case 'topology':
        this.#migrate(m.topology);
        return;
      case 'sfu-restart':
        this.#restartSfu();
        return;
      case 'media-state': {
        const p = this.#participants.get(m.from);
        if (!p) return;
        p.muted = m.muted;
        p.cameraOff = m.cameraOff;
        this.emit('participantUpdated', p);
        return;
      }
      case 'screen-share': {
        const p = this.#participants.get(m.from);
        if (p) this.#screens.announced(p, m.screen);
        return;
      }
      case 'role':
        this.#roleChanged(m.participantId, m.role);
        return;
      case 'resume-token':
        this.#resumeToken = m.resumeToken; // our role is about to change; this one carries it
        return;
      case 'lobby-waiting':
        if (this.#sm.state === 'joining') this.#sm.transition('waiting');
        return;
      case 'room-state':
      case 'moderation':
      case 'reaction':
        this.moderation.handle(m);
        return;
      case 'chat':
      case 'chat-history':
      case 'chat-error':
        this.chat.handle(m);
        return;
      case 'error':
        this.emit('error', new LecternError(m.code, m.message));
        return;
      case 'ice-servers':
        // Renewed TURN credentials: new connections use them, live ones get them for ICE restarts.
        this.#iceServers = m.iceServers;
        for (const t of this.#topologies()) t.setIceServers(m.iceServers);
        this.#prepareOffer(); // before joining: an offer whose relay credentials stay valid
        return;
      default:
        return; // replies are consumed by requests; others are not for the room
    }
  }

  /** The session is over for us (after a failed resume, or removal by a host). */
  #endSession(e: LecternError): void {
    if (this.#sm.state !== 'joined' && this.#sm.state !== 'reconnecting') return;
    this.#teardownSession();
    this.#sm.transition('left');
    this.emit('sessionEnded', e);
  }

  #roleChanged(id: string, role: ParticipantInfo['role']): void {
    if (this.localParticipant && id === this.localParticipant.id) {
      this.localParticipant = { ...this.localParticipant, role };
      this.emit('localUpdated', this.localParticipant);
      return;
    }
    const p = this.#participants.get(id);
    if (!p) return;
    p.role = role;
    this.emit('participantUpdated', p);
  }

  #upsert(info: ParticipantInfo): RemoteParticipant {
    let p = this.#participants.get(info.id);
    if (p) {
      p.update(info);
      this.#screens.announced(p, info.screen ?? null);
      return p;
    }
    p = new RemoteParticipant(info.id, info.name, info.muted, info.cameraOff, info.role);
    p.screen = info.screen ?? null;
    this.#participants.set(p.id, p);
    this.#detectors.set(p.id, new SpeakingDetector());
    this.emit('participantJoined', p);
    return p;
  }

  #drop(id: string, reason: LeaveReason): void {
    const p = this.#participants.get(id);
    this.#clearGrace(id);
    for (const t of this.#topologies()) t.removePeer(id);
    this.#nextStreams.delete(id);
    this.#nextScreens.delete(id);
    this.#views.delete(id);
    if (this.#speakers.remove(id)) this.emit('activeSpeakersChanged', this.#speakers.list);
    this.#topology?.removePeer(id);
    this.files.peerGone(id);
    if (!p) return;
    this.#participants.delete(id);
    this.#detectors.delete(id);
    this.#screens.forget(id);
    this.emit('participantLeft', p, reason);
  }

  #setConnection(p: RemoteParticipant, connection: RemoteParticipant['connection']): void {
    if (p.connection === connection) return;
    p.connection = connection;
    this.emit('participantUpdated', p);
  }

  #startGrace(id: string): void {
    this.#clearGrace(id);
    this.#graceTimers.set(id, this.#clock.setTimeout(() => this.#drop(id, 'disconnected'), this.options.reconnectGraceMs ?? 15_000));
  }

  #clearGrace(id: string): void {
    const t = this.#graceTimers.get(id);
    if (t !== undefined) this.#clock.clearTimeout(t);
    this.#graceTimers.delete(id);
  }

  #startLevels(): void {
    if (this.#levelTimer !== null) return;
    this.#levelTimer = this.#clock.setInterval(() => this.#sampleLevels(), 200);
  }

  #sampleLevels(): void {
    const now = this.#clock.now();
    for (const p of this.#participants.values()) {
      p.audioLevel = p.muted ? 0 : (this.#topology?.audioLevel(p.id) ?? 0);
      const speaking = this.#detectors.get(p.id)?.update(p.audioLevel, now) ?? false;
      if (speaking !== p.speaking) {
        p.speaking = speaking;
        this.emit('participantUpdated', p);
      }
    }
    const local = this.localParticipant;
    const track = this.#media?.tracks.audio ?? null;
    if (track !== this.#meterTrack) {
      this.#meter?.close();
      this.#meter = track && this.options.audioLevelMeter ? this.options.audioLevelMeter(track) : null;
      this.#meterTrack = track;
    }
    if (local) {
      const level = local.muted ? 0 : (this.#meter?.level() ?? 0);
      const speaking = this.#localDetector.update(level, now);
      if (speaking !== local.speaking || Math.abs(level - local.audioLevel) > 0.01) {
        this.localParticipant = { ...local, audioLevel: level, speaking };
        if (speaking !== local.speaking) this.emit('localUpdated', this.localParticipant);
      }
    }
    const speaking = [...this.#participants.values()].filter((p) => p.speaking).map((p) => p.id);
    if (this.localParticipant?.speaking) speaking.push(this.localParticipant.id);
    if (this.#speakers.update(speaking, now)) this.emit('activeSpeakersChanged', this.#speakers.list);
    this.emit('audioLevels');
  }

  #teardownSession(): void {
    // Keep `code` so the app can offer to rejoin; forget what would make us rejoin by ourselves.
    this.#media = null;
    this.#resumeToken = null;
    for (const off of this.#mediaOff) off();
    this.#mediaOff = [];
    for (const id of [...this.#graceTimers.keys()]) this.#clearGrace(id);
    if (this.#levelTimer !== null) this.#clock.clearInterval(this.#levelTimer);
    this.#levelTimer = null;
    this.#meter?.close();
    this.#meter = null;
    this.#meterTrack = null;
    this.#screens.close();
    if (this.localParticipant?.screen) this.localParticipant = { ...this.localParticipant, screen: null };
    this.#cancelMigration();
    this.files.detach();
    this.#topology?.close();
    this.#topology = null;
    this.#participants.clear();
    this.#detectors.clear();
    this.chat.reset();
    this.moderation.reset();
  }
}
