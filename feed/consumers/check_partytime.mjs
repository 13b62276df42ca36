// Reads a Lyssna feed with the Podcast Index's parser, podcast-partytime.
//
// Usage: node check_partytime.mjs FEED_URL [EXPECT_JSON]
//
// The feed must parse, and every item must carry a title, guid, enclosure
// (url, length, type), duration, podcast:transcript, podcast:chapters and
// podcast:person; the channel podcast:guid and podcast:locked. With
// EXPECT_JSON the values must equal the expected ones. Exits 1 listing every
// problem.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const pt = require("podcast-partytime");
const version = require("podcast-partytime/package.json").version;

const [url, expectPath] = process.argv.slice(2);
if (!url || process.argv.length > 4) {
  console.error("usage: node check_partytime.mjs FEED_URL [EXPECT_JSON]");
  process.exit(2);
}
const expect = expectPath ? JSON.parse(readFileSync(expectPath, "utf8")) : null;

const problems = [];
const check = (ok, what) => {
  if (!ok) problems.push(what);
};
const same = (got, want, what) => check(JSON.stringify(got) === JSON.stringify(want), `${what}: ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);

const res = await fetch(url, { headers: { "user-agent": "lyssna-feed-consumers/1 (check_partytime.mjs)" } });
if (res.status !== 200) {
  console.error(`check_partytime: GET ${url}: status ${res.status}`);
  process.exit(1);
}
const xml = await res.text();
let feed;
try {
  feed = pt.parseFeed(xml, { allowMissingGuid: false });
} catch (err) {
  console.error(`check_partytime: cannot parse the feed: ${err}`);
  process.exit(1);
}
if (!feed) {
  console.error("check_partytime: the parser returned nothing: not a podcast feed it accepts");
  process.exit(1);
}

check(feed.title, "no channel title");
check(feed.guid, "no podcast:guid");
check(feed.locked === true, `podcast:locked read as ${feed.locked}`);
check(feed.podcastOwner, "no owner on podcast:locked");
check((feed.podcastPeople ?? []).some((p) => p.role?.toLowerCase() === "host"), "no podcast:person host");
check(feed.items?.length > 0, "no items");
for (const [i, it] of (feed.items ?? []).entries()) {
  const where = `item ${i} (${JSON.stringify(it.title)})`;
  check(it.title, `${where}: no title`);
  check(it.guid, `${where}: no guid`);
  check(it.duration > 0, `${where}: no duration`);
  check(it.enclosure?.url && it.enclosure.length > 0 && it.enclosure.type?.startsWith("audio/"), `${where}: incomplete enclosure ${JSON.stringify(it.enclosure)}`);
  check(it.podcastTranscripts?.length > 0 && it.podcastTranscripts.every((t) => t.url && t.type), `${where}: no podcast:transcript with url and type`);
  check(it.podcastChapters?.url && it.podcastChapters.type === "application/json+chapters", `${where}: no podcast:chapters ${JSON.stringify(it.podcastChapters)}`);
  check(it.podcastPeople?.length > 0, `${where}: no podcast:person`);
}

if (expect) {
  same(feed.title, expect.title, "title");
  same(feed.guid, expect.podcast_guid, "podcast:guid");
  same(feed.locked, expect.locked, "podcast:locked");
  same(feed.podcastOwner, expect.owner_email, "podcast:locked owner");
  same((feed.podcastPeople ?? []).filter((p) => p.role?.toLowerCase() === "host").map((p) => p.name), expect.hosts, "hosts");
  same(feed.items.length, expect.items.length, "items");
  feed.items.forEach((it, i) => {
    const want = expect.items[i];
    if (!want) return;
    const where = `item ${want.guid}`;
    same(it.guid, want.guid, `${where}: guid`);
    same(it.title, want.title, `${where}: title`);
    same(it.link, want.link, `${where}: link`);
    same(it.enclosure?.url, want.enclosure_url, `${where}: enclosure url`);
    same(it.enclosure?.length, want.enclosure_length, `${where}: enclosure length`);
    same(it.enclosure?.type, want.enclosure_type, `${where}: enclosure type`);
    same(it.duration, want.duration, `${where}: duration`);
    same((it.podcastTranscripts ?? []).map((t) => t.language).sort(), [...want.transcripts].sort(), `${where}: transcript languages`);
    same(it.podcastChapters?.url, want.chapters_url, `${where}: chapters url`);
    same((it.podcastPeople ?? []).filter((p) => p.role?.toLowerCase() === "guest").map((p) => p.name), want.guests, `${where}: guests`);
  });
}

// The rest of the Podcast Index namespace (issue 17), when the test sets it.
if (expect?.ns) {
  const ns = expect.ns;
  same(feed.medium, ns.medium, "podcast:medium");
  same(feed.license, { identifier: ns.license.identifier, url: ns.license.url }, "podcast:license");
  same((feed.podcastTxt ?? []).map((t) => [t.purpose ?? "", t.value]), ns.txt.map((t) => [t.purpose, t.text]), "podcast:txt");
  same((feed.podroll ?? []).map((r) => r.feedGuid), ns.podroll, "podcast:podroll feedGuids");
  same(Object.keys(feed.podcastBlockedPlatforms ?? {}).filter((k) => feed.podcastBlockedPlatforms[k]).sort(), ns.blocked, "podcast:block platforms");
  same(feed.podcastLocation?.name, ns.location, "podcast:location");
  same(feed.chat?.protocol, ns.chat_protocol, "podcast:chat protocol");
  same(feed.podcastPublisher?.feedGuid, ns.publisher_guid, "podcast:publisher feedGuid");
  // podcast-partytime (5.0) reads only the deprecated podcast:images
  // (srcset), not podcast:image: feedparser compares those.
  const it = feed.items.find((i) => i.guid === ns.item.guid);
  check(it, `no item ${ns.item.guid}`);
  if (it) {
    const where = `item ${ns.item.guid}`;
    same(it.license?.identifier, ns.item.license, `${where}: podcast:license`);
    same((it.podcastSoundbites ?? []).map((s) => [s.startTime, s.duration, s.title]), ns.item.soundbites, `${where}: podcast:soundbite`);
    same(it.podcastLocation?.name, ns.item.location, `${where}: podcast:location`);
    same((it.alternativeEnclosures ?? []).map((a) => [a.lang, a.type, a.source?.[0]?.uri, a.integrity?.value, a.default]), ns.item.alternates, `${where}: podcast:alternateEnclosure`);
    same((it.podcastTranscripts ?? []).filter((t) => t.rel === "captions").map((t) => t.language), ns.item.captions, `${where}: transcripts with rel captions`);
  }
}

for (const p of problems) console.error(`check_partytime: ${p}`);
if (problems.length > 0) process.exit(1);
console.log(`check_partytime: ok: podcast-partytime ${version} read ${url}`);
