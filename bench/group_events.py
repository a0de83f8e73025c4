"""Posts signed group events to a running fission as fast as a few threads can.

usage: group_events.py BASE TOKEN SECRET SLUG EVENTS BATCH THREADS
Creates a group and EVENTS seed participants, then sends one member_joined event per
participant in batches of BATCH over THREADS keep-alive connections; prints events/s.
"""
import hashlib, hmac, http.client, json, sys, threading, time, urllib.parse

base, token, secret, slug = sys.argv[1:5]
events_total, batch, threads = (int(v) for v in sys.argv[5:8])
url = urllib.parse.urlparse(base)

def call(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status >= 300:
        raise SystemExit(f"{method} {path}: {resp.status} {data[:300]!r}")
    return json.loads(data) if data else None

admin = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
conn = http.client.HTTPConnection(url.hostname, url.port)
png = open(sys.argv[8], "rb").read() if len(sys.argv) > 8 else None
boundary = "fissionbench"
form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"qr.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode() + png + f"\r\n--{boundary}--\r\n".encode()
asset = call(conn, "POST", "/api/v1/assets", form, {"Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
group = call(conn, "POST", f"/api/v1/campaigns/{slug}/groups", json.dumps({"name": "bench", "capacity": 100000, "qr_asset": asset["id"]}), admin)
codes = []
while len(codes) < events_total:
    n = min(1000, events_total - len(codes))
    codes += [p["code"] for p in call(conn, "POST", f"/api/v1/campaigns/{slug}/seeds", json.dumps({"channel": "bench", "count": n}), admin)]

batches = [codes[i:i + batch] for i in range(0, len(codes), batch)]
run = str(time.time_ns())
accepted = [0]
lock = threading.Lock()

def worker(mine):
    c = http.client.HTTPConnection(url.hostname, url.port)
    for chunk in mine:
        events = [{"id": f"{run}-{code}", "type": "member_joined", "group_id": group["id"], "participant_code": code, "at": "2026-11-22T10:00:00Z"} for code in chunk]
        body = json.dumps({"events": events})
        ts = str(int(time.time()))
        sig = hmac.new(secret.encode(), f"{ts}.{body}".encode(), hashlib.sha256).hexdigest()
        out = call(c, "POST", "/hooks/v1/group-events", body, {"Content-Type": "application/json", "X-Fission-Timestamp": ts, "X-Fission-Signature": f"sha256={sig}"})
        with lock:
            accepted[0] += out["accepted"]

start = time.perf_counter()
pool = [threading.Thread(target=worker, args=(batches[i::threads],)) for i in range(threads)]
for t in pool: t.start()
for t in pool: t.join()
elapsed = time.perf_counter() - start
print(f"{accepted[0]} events in {len(batches)} requests of {batch}: {accepted[0] / elapsed:,.0f} events/s ({elapsed:.2f} s, {threads} connections)")
