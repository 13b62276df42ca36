"""Reads a Lyssna feed with gPodder's podcastparser and with feedparser.

Usage: /usr/bin/python3 check_python.py FEED_URL [EXPECT_JSON]

Each parser must read the feed without error and find every field it knows
in every item; with EXPECT_JSON the values must equal the expected ones.
podcastparser does not read the podcast: namespace, so only feedparser is
asked about it. Exits 1 listing every problem.
"""

import io
import json
import sys
import urllib.request

import feedparser
import podcastparser

USER_AGENT = "lyssna-feed-consumers/1 (check_python.py)"


class Problems(list):
    def check(self, ok, parser, what):
        if not ok:
            self.append(f"{parser}: {what}")


def fetch(url):
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(req, timeout=30) as res:
        if res.status != 200:
            raise SystemExit(f"check_python: GET {url}: status {res.status}")
        return res.read()


def check_podcastparser(url, data, expect, p):
    name = "podcastparser"
    try:
        feed = podcastparser.parse(url, io.BytesIO(data))
    except Exception as exc:  # any parse failure fails the check
        p.append(f"{name}: cannot parse the feed: {exc!r}")
        return
    p.check(feed.get("title"), name, "no channel title")
    p.check(feed.get("type") in ("episodic", "serial"), name, f"itunes:type read as {feed.get('type')!r}")
    p.check((feed.get("itunes_owner") or {}).get("email"), name, "no itunes:owner email")
    episodes = feed.get("episodes") or []
    p.check(episodes, name, "no episodes")
    for i, ep in enumerate(episodes):
        where = f"episode {i} ({ep.get('title')!r})"
        p.check(ep.get("title"), name, f"{where}: no title")
        p.check(ep.get("guid"), name, f"{where}: no guid")
        p.check(ep.get("link"), name, f"{where}: no link")
        p.check(ep.get("published"), name, f"{where}: no pubDate")
        p.check((ep.get("total_time") or 0) > 0, name, f"{where}: no itunes:duration")
        encs = ep.get("enclosures") or []
        p.check(len(encs) == 1, name, f"{where}: {len(encs)} enclosures, want 1")
        for enc in encs:
            p.check(enc.get("url"), name, f"{where}: enclosure without url")
            p.check((enc.get("file_size") or 0) > 0, name, f"{where}: enclosure without length")
            p.check((enc.get("mime_type") or "").startswith("audio/"), name, f"{where}: enclosure type {enc.get('mime_type')!r}")
    if not expect:
        return
    p.check(feed.get("title") == expect["title"], name, f"title {feed.get('title')!r}, want {expect['title']!r}")
    p.check((feed.get("itunes_owner") or {}).get("email") == expect["owner_email"], name, "wrong itunes:owner email")
    p.check(len(episodes) == len(expect["items"]), name, f"{len(episodes)} episodes, want {len(expect['items'])}")
    for ep, want in zip(episodes, expect["items"]):
        enc = (ep.get("enclosures") or [{}])[0]
        got = {
            "guid": ep.get("guid"), "title": ep.get("title"), "link": ep.get("link"),
            "enclosure_url": enc.get("url"), "enclosure_length": enc.get("file_size"),
            "enclosure_type": enc.get("mime_type"), "duration": ep.get("total_time"),
        }
        for k, v in got.items():
            p.check(v == want[k], name, f"episode {want['guid']}: {k} {v!r}, want {want[k]!r}")


def check_feedparser(data, expect, p):
    name = "feedparser"
    d = feedparser.parse(data)
    if d.get("bozo"):
        p.append(f"{name}: the feed is not well-formed: {d.get('bozo_exception')!r}")
        return
    ch = d.feed
    p.check(ch.get("title"), name, "no channel title")
    p.check(ch.get("podcast_guid"), name, "no podcast:guid")
    p.check(isinstance(ch.get("podcast_locked"), dict) and ch["podcast_locked"].get("owner"), name, "no podcast:locked with an owner")
    p.check(isinstance(ch.get("podcast_person"), dict) and ch["podcast_person"].get("role") == "host", name, "no podcast:person host")
    p.check(d.entries, name, "no entries")
    for i, e in enumerate(d.entries):
        where = f"entry {i} ({e.get('title')!r})"
        p.check(e.get("title"), name, f"{where}: no title")
        p.check(e.get("id"), name, f"{where}: no guid")
        p.check(e.get("itunes_duration"), name, f"{where}: no itunes:duration")
        encs = e.get("enclosures") or []
        p.check(len(encs) == 1, name, f"{where}: {len(encs)} enclosures, want 1")
        for enc in encs:
            p.check(enc.get("href") and enc.get("length") and enc.get("type"), name, f"{where}: incomplete enclosure {dict(enc)}")
        # feedparser keeps the attributes of the last element of a kind only.
        for tag in ("podcast_transcript", "podcast_chapters"):
            p.check(isinstance(e.get(tag), dict) and e[tag].get("url"), name, f"{where}: no {tag.replace('_', ':', 1)} with a url")
        p.check(isinstance(e.get("podcast_person"), dict) and e["podcast_person"].get("role"), name, f"{where}: no podcast:person")
    if not expect:
        return
    p.check(ch.get("title") == expect["title"], name, f"title {ch.get('title')!r}, want {expect['title']!r}")
    p.check(ch.get("podcast_guid") == expect["podcast_guid"], name, f"podcast:guid {ch.get('podcast_guid')!r}, want {expect['podcast_guid']!r}")
    p.check(len(d.entries) == len(expect["items"]), name, f"{len(d.entries)} entries, want {len(expect['items'])}")
    for e, want in zip(d.entries, expect["items"]):
        enc = (e.get("enclosures") or [{}])[0]
        got = {
            "guid": e.get("id"), "title": e.get("title"), "link": e.get("link"),
            "enclosure_url": enc.get("href"), "enclosure_length": int(enc.get("length") or 0),
            "enclosure_type": enc.get("type"), "duration": int(e.get("itunes_duration") or 0),
            "chapters_url": (e.get("podcast_chapters") or {}).get("url"),
        }
        for k, v in got.items():
            p.check(v == want[k], name, f"entry {want['guid']}: {k} {v!r}, want {want[k]!r}")
    ns = expect.get("ns")
    if not ns:
        return
    # feedparser keeps an element's text, or the attributes of the last one
    # of a kind: compare those.
    got = {
        "medium": ch.get("podcast_medium"),
        "license_url": (ch.get("podcast_license") or {}).get("url"),
        "rrule": (ch.get("podcast_updatefrequency") or {}).get("rrule"),
        "chat_protocol": (ch.get("podcast_chat") or {}).get("protocol"),
        "last_block": (ch.get("podcast_block") or {}).get("id"),
        "publisher_guid": (ch.get("podcast_remoteitem") or {}).get("feedguid"),
        "last_image": [(ch.get("podcast_image") or {}).get(k) for k in ("href", "width", "height", "type", "purpose")],
    }
    want = {
        "medium": ns["medium"], "license_url": ns["license"]["url"], "rrule": ns["rrule"],
        "chat_protocol": ns["chat_protocol"], "last_block": ns["blocked"][-1], "publisher_guid": ns["publisher_guid"],
        "last_image": ns["images"][-1],
    }
    for k, v in got.items():
        p.check(v == want[k], name, f"channel {k} {v!r}, want {want[k]!r}")
    entry = next((e for e in d.entries if e.get("id") == ns["item"]["guid"]), None)
    p.check(entry is not None, name, f"no entry {ns['item']['guid']}")
    if entry is None:
        return
    bite = ns["item"]["soundbites"][-1]
    alt = ns["item"]["alternates"][-1]
    got = {
        "license_url": (entry.get("podcast_license") or {}).get("url"),
        "soundbite": [float((entry.get("podcast_soundbite") or {}).get("starttime") or -1), float((entry.get("podcast_soundbite") or {}).get("duration") or -1)],
        "alternate_lang": (entry.get("podcast_alternateenclosure") or {}).get("lang"),
        "source": (entry.get("podcast_source") or {}).get("uri"),
        "integrity": (entry.get("podcast_integrity") or {}).get("value"),
        "content_link": (entry.get("podcast_contentlink") or {}).get("href"),
    }
    want = {
        "license_url": ns["item"]["license_url"], "soundbite": [bite[0], bite[1]], "alternate_lang": alt[0],
        "source": alt[2], "integrity": alt[3], "content_link": ns["item"]["content_link"],
    }
    for k, v in got.items():
        p.check(v == want[k], name, f"entry {ns['item']['guid']}: {k} {v!r}, want {want[k]!r}")


def main(argv):
    if len(argv) not in (2, 3):
        raise SystemExit("usage: check_python.py FEED_URL [EXPECT_JSON]")
    url = argv[1]
    expect = None
    if len(argv) == 3:
        with open(argv[2], encoding="utf-8") as f:
            expect = json.load(f)
    data = fetch(url)
    p = Problems()
    check_podcastparser(url, data, expect, p)
    check_feedparser(data, expect, p)
    for line in p:
        print("check_python: " + line, file=sys.stderr)
    if p:
        return 1
    print(f"check_python: ok: podcastparser {podcastparser.__version__} and feedparser {feedparser.__version__} read {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
