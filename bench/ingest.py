"""Collect throughput against a no-op endpoint on the same server, and import_events speed.

    .venv/bin/python bench/ingest.py [--seconds 15] [--connections 64] [--import-events 1000000]

Starts gunicorn (the production server, bench.settings = prod settings plus /bench/noop) and the
drainer on loopback, drives both endpoints with wrk (realistic bodies, user agents, referrers and
one client IP per request through X-Forwarded-For, so the per-IP limiter does its real work), and
prints events/s, p50/p99 latency and errors for each, their ratio, and rows stored against 202s.
Then imports N generated events with the import_events pipeline in this process and prints
events/s. Uses its own database (BENCH_DATABASE_URL) and Redis database (BENCH_REDIS_URL).
"""

import argparse
import json
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, USER_AGENTS, bench_env, django_setup, random_event

LUA = """
local bodies = %(bodies)s
local agents = %(agents)s
local threads = {}
local next_seed = 1
accepted, other = 0, 0

function setup(thread)
  thread:set("seed", next_seed)
  next_seed = next_seed + 1
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(seed * 7919)
end

function request()
  local ip = math.random(1, 223) .. "." .. math.random(0, 255) .. "." ..
             math.random(0, 255) .. "." .. math.random(1, 254)
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = ip,
    ["User-Agent"] = agents[math.random(#agents)],
    ["Origin"] = "https://bench.example",
  }
  return wrk.format("POST", nil, headers, bodies[math.random(#bodies)])
end

function response(status, headers, body)
  if status == 202 then accepted = accepted + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local a, o = 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("accepted")
    o = o + thread:get("other")
  end
  io.write(string.format("STATUS accepted=%%d other=%%d\\n", a, o))
  io.write(string.format("LAT p50=%%.3f p99=%%.3f\\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def lua_list(values: list[str]) -> str:
    return "{" + ",".join(json.dumps(value) for value in values) + "}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url_port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", url_port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> dict:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    status = re.search(r"STATUS accepted=(\d+) other=(\d+)", output)
    latency = re.search(r"LAT p50=([\d.]+) p99=([\d.]+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": requests,
        "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0),
        "accepted": int(status.group(1)),
        "p50": float(latency.group(1)),
        "p99": float(latency.group(2)),
    }


EXACT_CLIENTS = 8
EXACT_EVENTS_PER_CLIENT = 1000


def wait_drained(client, stream: str) -> None:
    deadline = time.monotonic() + 60
    while client.xlen(stream) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # the batch being stored when the stream emptied


def exact_run(port: int, bodies: list[str]) -> dict:
    """Every request answered before the count is taken: 202s can be compared with rows."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    def client(number: int) -> tuple[int, int]:
        accepted = other = 0
        rng = random.Random(number)
        for _ in range(EXACT_EVENTS_PER_CLIENT):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            ip = ".".join(str(rng.randint(1, 223)) for _ in range(4))
            connection.request(
                "POST",
                "/api/v1/collect",
                body=rng.choice(bodies),
                headers={
                    "Content-Type": "application/json",
                    "X-Forwarded-For": ip,
                    "User-Agent": rng.choice(USER_AGENTS),
                },
            )
            status = connection.getresponse().status
            connection.close()
            accepted += status == 202
            other += status != 202
        return accepted, other

    with ThreadPoolExecutor(EXACT_CLIENTS) as pool:
        results = list(pool.map(client, range(EXACT_CLIENTS)))
    return {
        "sent": EXACT_CLIENTS * EXACT_EVENTS_PER_CLIENT,
        "accepted": sum(accepted for accepted, _ in results),
        "other": sum(other for _, other in results),
    }


def collect_benchmark(website, seconds: int, connections: int, workers: int) -> None:
    from ingest.buffer import buffer_client, events_stream
    from ingest.models import Event

    rng = random.Random(7)
    bodies = [json.dumps(random_event(rng, str(website.id), website.domain)) for _ in range(500)]
    script = Path(tempfile.mkdtemp()) / "collect.lua"
    script.write_text(LUA % {"bodies": lua_list(bodies), "agents": lua_list(USER_AGENTS)})

    port = free_port()
    env = {**bench_env(), "TRAILMARK_NUM_PROXIES": "1", "DATABASE_CONN_MAX_AGE": "600"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "analytics_site.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    drainer = subprocess.Popen([sys.executable, "manage.py", "drain_events"], cwd=ROOT, env=env)
    try:
        wait_for(port)
        base = f"http://127.0.0.1:{port}"
        run_wrk(f"{base}/api/v1/collect", script, 3, connections)  # warm-up: caches, connections
        time.sleep(2)  # requests still queued in gunicorn when wrk stopped
        while buffer_client().xlen(events_stream()):
            time.sleep(0.2)
        before = Event.objects.filter(website=website).count()
        noop = run_wrk(f"{base}/bench/noop", script, seconds, connections)
        collect = run_wrk(f"{base}/api/v1/collect", script, seconds, connections)
        time.sleep(2)  # wrk stops with requests in flight: they are answered, and stored
        wait_drained(buffer_client(), events_stream())
        before = Event.objects.filter(website=website).count()
        exact = exact_run(port, bodies)
        wait_drained(buffer_client(), events_stream())
        stored = Event.objects.filter(website=website).count() - before
    finally:
        server.terminate()
        drainer.terminate()
        server.wait()
        drainer.wait()

    print(
        f"collect benchmark: gunicorn {workers} sync workers, "
        f"wrk 2 threads x {connections} connections, {seconds}s each"
    )
    for name, figures in (("no-op POST", noop), ("collect", collect)):
        print(
            f"  {name:<11} {figures['rps']:8.0f} req/s   p50 {figures['p50']:6.2f} ms   "
            f"p99 {figures['p99']:6.2f} ms   errors {figures['errors']}"
        )
    print(f"  ratio collect / no-op: {collect['rps'] / noop['rps']:.2f}")
    print(
        f"  exact run ({exact['sent']} events from {EXACT_CLIENTS} clients): "
        f"202 responses {exact['accepted']}, other {exact['other']}, "
        f"rows stored after drain {stored}"
    )


def import_benchmark(website, count: int) -> None:
    from ingest.importer import events_import
    from ingest.models import Event

    rng = random.Random(11)
    start = datetime.now(UTC) - timedelta(days=30)
    source = Path(tempfile.mkdtemp()) / "events.ndjson"
    with source.open("w") as out:
        for index in range(count):
            event = random_event(rng, str(website.id), website.domain)
            offset = timedelta(seconds=index * 30 * 86400 / count)
            event["timestamp"] = (start + offset).isoformat()
            event["ip"] = ".".join(str(rng.randint(1, 223)) for _ in range(4))
            event["user_agent"] = rng.choice(USER_AGENTS)
            out.write(json.dumps(event) + "\n")
    before = Event.objects.filter(website=website).count()
    began = time.perf_counter()
    with source.open("rb") as lines:
        *_, result = events_import(lines)
    elapsed = time.perf_counter() - began
    stored = Event.objects.filter(website=website).count() - before
    print(
        f"import_events: {count} events in {elapsed:.1f}s = {count / elapsed:,.0f} events/s "
        f"(imported {result.imported}, dropped {result.dropped}, invalid {result.invalid}, "
        f"stored {stored})"
    )
    source.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--import-events", type=int, default=1_000_000)
    parser.add_argument("--skip-collect", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    django_setup()
    from accounts.services import account_get_or_create
    from ingest.buffer import buffer_client
    from websites.models import Website
    from websites.services import website_create

    buffer_client().flushdb()
    account = account_get_or_create(name="Bench")
    website = Website.objects.filter(
        account=account, domain="bench.example"
    ).first() or website_create(account=account, domain="bench.example")
    if not args.skip_collect:
        collect_benchmark(website, args.seconds, args.connections, args.workers)
    if args.import_events:
        import_benchmark(website, args.import_events)


if __name__ == "__main__":
    main()
