#!/usr/bin/env python3
"""Upload then download a large file through ServerKit's admin endpoints
(PUT/GET /admin/files/...) and through a file column (multipart POST to the
blog's createPost, GET of the row's file URL), on local disk; compares each
with `cp` of the same file on the same disk in the same run, and samples the
server's RSS to report its peak growth during each transfer.

    SERVERKIT_BIN=target/release/serverkit SIZE_MIB=1024 python3 bench/files/run.py

With S3=1 the files go to an S3-protocol server (examples/s3_server.rs,
s3s-fs over a folder on the same disk) started here; S3_SERVER_BIN names its
binary (default: the release build's examples/s3_server).
"""
import hashlib, http.client, json, os, shutil, socket, subprocess, sys, tempfile, threading, time, uuid

BIN = os.environ.get("SERVERKIT_BIN", "target/release/serverkit")
S3 = os.environ.get("S3") == "1"
S3_BIN = os.environ.get("S3_SERVER_BIN", os.path.join(os.path.dirname(BIN), "examples", "s3_server"))
SIZE = int(os.environ.get("SIZE_MIB", "1024")) * 1024 * 1024
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHUNK = 1024 * 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Rss(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def now(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def run(self):
        while self.running:
            self.peak = max(self.peak, self.now())
            time.sleep(0.02)


def request(port, method, path, body=None, headers=None, sink=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    if sink is None:
        data = resp.read()
        conn.close()
        return resp.status, data
    digest = hashlib.sha256()
    while True:
        chunk = resp.read(CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        sink.write(chunk)
    conn.close()
    return resp.status, digest.hexdigest()


def gql(port, token, query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}})
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    status, data = request(port, "POST", "/graphql", body, headers)
    answer = json.loads(data)
    if answer.get("errors"):
        sys.exit(f"GraphQL error: {answer['errors']}")
    return answer["data"]


def measure(server_rss, action):
    rss = Rss(server_rss)
    base = rss.now()
    rss.start()
    started = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - started
    rss.running = False
    rss.join()
    return elapsed, (rss.peak - base) / 1024 / 1024, result


def multipart_stream(path, boundary, fields):
    """The multipart body as a file-like generator read in 1 MiB pieces."""
    head = "".join(f"--{boundary}\r\ncontent-disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n" for k, v in fields.items())
    head += f"--{boundary}\r\ncontent-disposition: form-data; name=\"cover\"; filename=\"big.png\"\r\ncontent-type: image/png\r\n\r\n"
    tail = f"\r\n--{boundary}--\r\n"
    length = len(head) + os.path.getsize(path) + len(tail)

    def chunks():
        yield head.encode()
        with open(path, "rb") as f:
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                yield chunk
        yield tail.encode()

    return chunks(), length


def main():
    work = tempfile.mkdtemp(prefix="sk-files-bench-", dir=os.environ.get("BENCH_DIR", "/tmp"))
    source = os.path.join(work, "source.bin")
    with open(source, "wb") as f:
        for _ in range(SIZE // CHUNK):
            f.write(os.urandom(CHUNK))
    digest = hashlib.sha256(open(source, "rb").read(64 * CHUNK)).hexdigest()  # warm the page cache partly
    full = hashlib.sha256()
    with open(source, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            full.update(chunk)
    expected = full.hexdigest()

    started = time.perf_counter()
    shutil.copyfile(source, os.path.join(work, "copy.bin"))
    os.sync()
    cp_seconds = time.perf_counter() - started
    os.remove(os.path.join(work, "copy.bin"))

    port = free_port()
    env = dict(os.environ, SERVERKIT_LISTEN=f"127.0.0.1:{port}", SERVERKIT_DATA_DIR=os.path.join(work, "data"),
               SERVERKIT_ADMIN_EMAIL="bench@example.com", SERVERKIT_ADMIN_PASSWORD="bench password 123", SERVERKIT_LOG="warn")
    s3 = None
    if S3:
        s3 = subprocess.Popen([S3_BIN, os.path.join(work, "s3"), "bench", "bench-key", "bench-secret-key"], stdout=subprocess.PIPE, text=True)
        endpoint = s3.stdout.readline().split()[-1]
        env.update(SERVERKIT_STORAGE_URL="s3://bench", SERVERKIT_STORAGE_OPTIONS__ENDPOINT=endpoint, SERVERKIT_STORAGE_OPTIONS__ALLOW_HTTP="true",
                   SERVERKIT_STORAGE_OPTIONS__ACCESS_KEY_ID="bench-key", SERVERKIT_STORAGE_OPTIONS__SECRET_ACCESS_KEY="bench-secret-key",
                   SERVERKIT_STORAGE_OPTIONS__REGION="us-east-1")
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                if request(port, "GET", "/readyz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        cookie_conn = http.client.HTTPConnection("127.0.0.1", port)
        cookie_conn.request("POST", "/graphql", json.dumps({"query": "mutation { login(email: \"bench@example.com\", password: \"bench password 123\") { id } }"}),
                            {"content-type": "application/json"})
        resp = cookie_conn.getresponse()
        cookie = resp.getheader("set-cookie").split(";")[0]
        resp.read()
        created = cookie_conn.request("POST", "/graphql", json.dumps({"query": "mutation { createApiToken(input: { name: \"bench\" }) { token } }"}),
                                      {"content-type": "application/json", "cookie": cookie})
        token = json.loads(cookie_conn.getresponse().read())["data"]["createApiToken"]["token"]
        auth = {"authorization": f"Bearer {token}"}
        limit = SIZE + 1024 * 1024
        gql(port, token, f"mutation {{ updateEnvironment(slug: \"test\", input: {{ limits: {{ maxFileBytes: {limit}, fileQuotaBytes: 0, requestTimeoutMs: 600000 }} }}) {{ slug }} }}")
        blog = json.load(open(os.path.join(ROOT, "examples", "blog.json")))
        for table in blog["tables"]:
            for column in table["columns"]:
                if column["type"] == "file":
                    column["maxBytes"] = limit
        gql(port, token, "mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", {"d": blog})
        gql(port, token, "mutation { refresh(environment: \"test\", runTests: false) { revision } }")
        status, signed = request(port, "POST", "/env/test/auth/signup", json.dumps({"email": "u@example.com", "password": "end user password"}),
                                 {"content-type": "application/json"})
        user = json.loads(signed)["token"]

        rows = []

        def admin_put():
            with open(source, "rb") as f:
                return request(port, "PUT", "/admin/files/test/bench/big.bin", f, dict(auth, **{"content-length": str(SIZE), "content-type": "application/octet-stream"}))

        def admin_get():
            with open(os.devnull, "wb") as sink:
                return request(port, "GET", "/admin/files/test/bench/big.bin", None, auth, sink)

        boundary = uuid.uuid4().hex

        def column_post():
            body, length = multipart_stream(source, boundary, {"title": "big", "published": "true"})
            return request(port, "POST", "/env/test/posts", body,
                           {"authorization": f"Bearer {user}", "content-type": f"multipart/form-data; boundary={boundary}", "content-length": str(length)})

        url = {}

        def column_get():
            with open(os.devnull, "wb") as sink:
                return request(port, "GET", url["cover"], None, {}, sink)

        for name, action in [("admin PUT", admin_put), ("admin GET", admin_get), ("column POST", column_post), ("column GET", column_get)]:
            seconds, growth, result = measure(server.pid, action)
            status, payload = result
            if name == "column POST":
                url["cover"] = json.loads(payload)["cover"]["url"]
            ok = status in (200, 201)
            if name.endswith("GET"):
                ok = ok and payload == expected
            rows.append((name, seconds, growth, ok, status))
        mib = SIZE / 1024 / 1024
        print(f"file: {mib:.0f} MiB; store: {'S3 (s3s-fs on loopback, same disk)' if S3 else 'local disk'}; cp on the same disk: {cp_seconds:.2f} s ({mib / cp_seconds:.0f} MiB/s)")
        print(f"{'transfer':<12} {'seconds':>8} {'MiB/s':>8} {'x cp':>6} {'peak RSS growth MiB':>20}  intact")
        for name, seconds, growth, ok, status in rows:
            print(f"{name:<12} {seconds:8.2f} {mib / seconds:8.0f} {cp_seconds / seconds:6.2f} {growth:20.1f}  {'yes' if ok else f'NO ({status})'}")
    finally:
        server.terminate()
        server.wait()
        if s3:
            s3.terminate()
            s3.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
