"""Posts leads from many threads until told to stop, and writes every phone whose lead
was answered 201 (the server said it is stored) to a file, one per line, as it goes.
usage: kill9.py BASE SLUG THREADS OUTFILE PREFIX  (stops when the server goes away)"""
import http.client, json, sys, threading, urllib.parse

base, slug, threads, out, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
url = urllib.parse.urlparse(base)
lock = threading.Lock()
sink = open(out, "w", buffering=1)

def worker(t):
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    n = 0
    while True:
        phone = f"{prefix}{t:02d}{n:06d}"
        n += 1
        body = json.dumps({"phone": phone, "consent": True, "channel": "kill9"})
        try:
            conn.request("POST", f"/api/v1/public/campaigns/{slug}/participants", body,
                         {"content-type": "application/json", "x-forwarded-for": f"10.9.{t}.{n % 250}"})
            resp = conn.getresponse()
            resp.read()
        except Exception:
            return  # the server is gone
        if resp.status == 201:
            with lock:
                sink.write(phone + "\n")

ts = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
for t in ts: t.start()
for t in ts: t.join()
