// The NAT and firewall matrix: every host (both browsers and the server) in a network namespace
// this test creates, joined by veth pairs, with iptables NAT on the routers. Nothing is routed out
// of the namespaces and no address is added to the machine's own interfaces.
//
//   hA (10.1.0.2) ── rtA [NAT] 203.0.113.2 ── 203.0.113.1  srv  198.51.100.1 ── 198.51.100.2 [NAT] rtB ── hB (10.2.0.2)
//
// srv does not forward, so the browsers have no route to each other: only the relay joins them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { CHROMIUM_PATH, createSession, expectMediaFlowing, joinByLink, launchBrowser, remoteMedia, spawnServer, waitFor, type ServerProcess, type TestBrowser } from '@lectern/testing';

const TAG = `lct${process.pid}`;
const NS = { hA: `${TAG}-hA`, rtA: `${TAG}-rtA`, srv: `${TAG}-srv`, rtB: `${TAG}-rtB`, hB: `${TAG}-hB` } as const;
const SRV_A = '203.0.113.1';
const SRV_B = '198.51.100.1';

function sh(args: string[], allowFail = false): { ok: boolean; out: string } {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: 15_000 });
  const ok = r.status === 0;
  if (!ok && !allowFail) throw new Error(`${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return { ok, out: `${r.stdout}${r.stderr}` };
}
const inNs = (ns: string, ...args: string[]) => sh(['ip', 'netns', 'exec', ns, ...args]);

/** Why namespaces cannot be used here, or null when they can. */
function namespaceProblem(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  const probe = `${TAG}-probe`;
  const r = sh(['ip', 'netns', 'add', probe], true);
  sh(['ip', 'netns', 'del', probe], true);
  if (!r.ok) return `ip netns add failed: ${r.out.trim()}`;
  if (!sh(['iptables', '--version'], true).ok) return 'iptables is missing';
  return null;
}

function destroyLab(): void {
  for (const ns of Object.values(NS)) sh(['ip', 'netns', 'del', ns], true);
}

/** Removes namespaces left by an earlier run that was killed outright (its pid is gone). */
function removeStaleLabs(): void {
  for (const line of sh(['ip', 'netns', 'list'], true).out.split('\n')) {
    const m = /^(lct(\d+)-(?:hA|rtA|srv|rtB|hB|probe))\b/.exec(line.trim());
    if (!m || Number(m[2]) === process.pid) continue;
    let alive = true;
    try {
      process.kill(Number(m[2]), 0);
    } catch {
      alive = false;
    }
    if (!alive) sh(['ip', 'netns', 'del', m[1]!], true);
  }
}

/** A veth pair between two namespaces, with an address on each end. */
function link(a: string, aIf: string, aAddr: string, b: string, bIf: string, bAddr: string): void {
  sh(['ip', '-n', a, 'link', 'add', aIf, 'type', 'veth', 'peer', 'name', bIf, 'netns', b]);
  sh(['ip', '-n', a, 'addr', 'add', aAddr, 'dev', aIf]);
  sh(['ip', '-n', b, 'addr', 'add', bAddr, 'dev', bIf]);
  sh(['ip', '-n', a, 'link', 'set', aIf, 'up']);
  sh(['ip', '-n', b, 'link', 'set', bIf, 'up']);
}

function buildLab(): void {
  destroyLab();
  for (const ns of Object.values(NS)) {
    sh(['ip', 'netns', 'add', ns]);
    sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  }
  link(NS.hA, 'eth0', '10.1.0.2/24', NS.rtA, 'lan', '10.1.0.1/24');
  link(NS.rtA, 'wan', '203.0.113.2/24', NS.srv, 'ethA', `${SRV_A}/24`);
  link(NS.hB, 'eth0', '10.2.0.2/24', NS.rtB, 'lan', '10.2.0.1/24');
  link(NS.rtB, 'wan', '198.51.100.2/24', NS.srv, 'ethB', `${SRV_B}/24`);
  sh(['ip', '-n', NS.hA, 'route', 'add', 'default', 'via', '10.1.0.1']);
  sh(['ip', '-n', NS.hB, 'route', 'add', 'default', 'via', '10.2.0.1']);
  sh(['ip', '-n', NS.rtA, 'route', 'add', 'default', 'via', SRV_A]);
  sh(['ip', '-n', NS.rtB, 'route', 'add', 'default', 'via', SRV_B]);
  inNs(NS.srv, 'sysctl', '-qw', 'net.ipv4.ip_forward=0');
  for (const rt of [NS.rtA, NS.rtB]) inNs(rt, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
}

/** Router rules for one case: NAT always (symmetric: random ports), optionally no UDP at all. */
function setRouters(opts: { symmetric: boolean; blockUdp: boolean }): void {
  for (const rt of [NS.rtA, NS.rtB]) {
    inNs(rt, 'iptables', '-t', 'nat', '-F');
    inNs(rt, 'iptables', '-F', 'FORWARD');
    inNs(rt, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', ...(opts.symmetric ? ['--random'] : []));
    if (opts.blockUdp) inNs(rt, 'iptables', '-A', 'FORWARD', '-p', 'udp', '-j', 'DROP');
    sh(['ip', 'netns', 'exec', rt, 'conntrack', '-F'], true);
  }
}

/** Can `ns` open a TCP connection to host:port within a second? */
function tcpReachable(ns: string, host: string, port: number): boolean {
  const code = `const s=require('net').connect(${port},'${host}');s.setTimeout(1000);s.on('connect',()=>process.exit(0));s.on('timeout',()=>process.exit(1));s.on('error',e=>process.exit(e.code==='ECONNREFUSED'?0:1));`;
  return sh(['ip', 'netns', 'exec', ns, process.execPath, '-e', code], true).ok;
}

const problem = namespaceProblem();
let server: ServerProcess | null = null;
let work = '';
const browsers: TestBrowser[] = [];

function launcher(ns: string): string {
  const path = join(work, `chromium-${ns}`);
  writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM_PATH} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

async function turnCounters(page: Page): Promise<{ allocations: number; bytesRelayed: number }> {
  return page.evaluate(async () => ((await (await fetch('/healthz')).json()) as { turn: { allocations: number; bytesRelayed: number } }).turn);
}

/** Alice in hA and Bob in hB join one session through the server's two addresses. */
async function call(): Promise<{ alice: Page; bob: Page }> {
  const a = await launchBrowser([], { executablePath: launcher(NS.hA) });
  const b = await launchBrowser([], { executablePath: launcher(NS.hB) });
  browsers.push(a, b);
  const alice = await a.newPage();
  const bob = await b.newPage();
  const code = await createSession(alice, `https://${SRV_A}:${server!.port}/`, 'Alice');
  await joinByLink(bob, `https://${SRV_B}:${server!.port}/`, code, 'Bob');
  await expectMediaFlowing(alice, ['Bob'], 90_000);
  await expectMediaFlowing(bob, ['Alice'], 90_000);
  return { alice, bob };
}

async function hangUp(): Promise<void> {
  for (const b of browsers.splice(0)) await b.close();
}

describe('NAT and firewall matrix (network namespaces)', { skip: problem ? `network namespaces unavailable: ${problem}` : false }, () => {
  before(async () => {
    removeStaleLabs();
    process.on('exit', destroyLab); // also when a test fails or times out
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        destroyLab();
        process.exit(1);
      });
    }
    work = mkdtempSync(join(tmpdir(), 'lectern-nat-'));
    buildLab();
    server = await spawnServer(['--host', '0.0.0.0', '--port', '0', '--data-dir', join(work, 'data')], {}, ['ip', 'netns', 'exec', NS.srv]);
    // The browsers reach the server, and nothing else: not each other, not the other router.
    setRouters({ symmetric: true, blockUdp: false });
    assert.ok(tcpReachable(NS.hA, SRV_A, server.port), 'hA reaches the server');
    assert.ok(tcpReachable(NS.hB, SRV_B, server.port), 'hB reaches the server');
    assert.ok(!tcpReachable(NS.hA, '198.51.100.2', 9), 'hA has no route to rtB');
    assert.ok(!tcpReachable(NS.hA, '10.2.0.2', 9), 'hA has no route to hB');
    assert.ok(!tcpReachable(NS.hB, '10.1.0.2', 9), 'hB has no route to hA');
  });

  after(async () => {
    await hangUp();
    await server?.kill('SIGTERM');
    destroyLab();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('symmetric NAT on both sides (MASQUERADE --random): the call goes through the relay', async () => {
    setRouters({ symmetric: true, blockUdp: false });
    const { alice, bob } = await call();
    const a = (await remoteMedia(alice))[0]!;
    const b = (await remoteMedia(bob))[0]!;
    assert.ok(a.localCandidateType === 'relay' || b.localCandidateType === 'relay', `selected: ${a.localCandidateType} / ${b.localCandidateType}`);
    const before = await turnCounters(alice);
    assert.ok(before.allocations >= 1);
    await waitFor(async () => (await turnCounters(alice)).bytesRelayed > before.bytesRelayed + 50_000, { what: 'media through the relay', timeoutMs: 30_000 });
    await hangUp();
  });

  test('UDP blocked entirely: TURN over TCP (or TLS) carries the media', async () => {
    setRouters({ symmetric: false, blockUdp: true });
    const { alice, bob } = await call();
    for (const page of [alice, bob]) {
      const m = (await remoteMedia(page))[0]!;
      assert.equal(m.localCandidateType, 'relay');
      assert.ok(m.localRelayProtocol === 'tcp' || m.localRelayProtocol === 'tls', `relay protocol ${m.localRelayProtocol}`);
    }
    await hangUp();
  });
});
