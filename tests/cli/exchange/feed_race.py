#!/usr/bin/env python3
"""Follows the change feed while concurrent writers commit: the events a
reader collects page by page (resuming from each page's cursor) must be
exactly the events in the feed afterwards — a reader that follows the feed
never skips a late commit and never sees one twice.

usage: feed_race.py URL KEY PIN... ; prints "ok ..." / "not ok ..." lines."""
import json, sys, threading, urllib.request

url, key, pins = sys.argv[1], sys.argv[2], sys.argv[3:]
H = {"Authorization": "ApiKey " + key, "Content-Type": "application/json"}


def call(method, path, body=None):
    req = urllib.request.Request(url + path, data=body, headers=H, method=method)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


start = call("GET", "/api/v1/feed?after=0&limit=1000")
cursor = start["next"]
while start["more"]:
    start = call("GET", f"/api/v1/feed?after={cursor}&limit=1000")
    cursor = start["next"]
base = cursor
done = threading.Event()
errors = []


def writer(i):
    try:
        for n in range(15):
            pin = pins[(i + n) % len(pins)]
            call("PUT", f"/api/v1/agency/attributes/{pin}/bhyt_number",
                 json.dumps({"value": f"RACE{i:02d}{n:03d}"}).encode())
    except Exception as e:  # noqa: BLE001
        errors.append(repr(e))


seen = []


def reader():
    global cursor
    while True:
        last = done.is_set()
        page = call("GET", f"/api/v1/feed?after={cursor}&limit=50")
        seen.extend(e["seq"] for e in page["events"])
        cursor = page["next"]
        if last and not page["more"]:
            return


ws = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
r = threading.Thread(target=reader)
r.start()
for w in ws:
    w.start()
for w in ws:
    w.join()
done.set()
r.join()
full, c = [], base
while True:
    page = call("GET", f"/api/v1/feed?after={c}&limit=1000")
    full.extend(e["seq"] for e in page["events"])
    c = page["next"]
    if not page["more"]:
        break
ok = lambda cond, msg: print(("ok " if cond else "not ok ") + msg)
ok(not errors, "feed race: writers succeeded " + "; ".join(errors[:2]))
ok(len(full) == 90, f"feed race: 90 events written ({len(full)})")
ok(len(seen) == len(set(seen)), "feed race: no event seen twice")
ok(sorted(seen) == sorted(full), f"feed race: the live reader saw every event (missed {len(set(full) - set(seen))})")
ok(seen == sorted(seen), "feed race: the live reader saw them in seq order")
