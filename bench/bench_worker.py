"""Worker pipeline (decode -> Jimp sepia -> PNG) versus Pillow, per kind of content, and throughput.

1. One image at a time, per kind of 12 MP content (bench/make_images.py: smooth, noisy, texture) and a
   1 MP smooth image: `imagery-worker sepia IN OUT` and `python pillow_sepia.py IN OUT` run
   alternately (the order flips every round), several rounds; medians of wall and CPU (user +
   system) seconds, peak RSS (max over runs), output size. The worker may use every idle core for
   one image (its PNG encoder compresses chunks in parallel); Pillow uses one. Both PNGs are
   decoded with Pillow and compared pixel by pixel: same pixels, and a PNG Pillow reads.
2. Throughput: N images (the kinds in turn) uploaded through imagery-server to moto, then the
   real `imagery-worker run` (concurrency = cores) processes the queue; against the same N files
   through pillow_sepia.py in as many processes at a time as cores. Images per CPU-second of the
   worker process (moto's and the server's CPU not counted, shown apart) and of the Pillow processes.

Timings are only meaningful on an otherwise idle machine: the 1-minute load average is recorded
before each kind and shown next to the figures.

usage: bench_worker.py WORKER_BINARY [SERVER_BINARY] [--rounds N] [--rounds-1mp N] [--throughput N]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import PIL
from PIL import Image, features

import benchlib
from benchlib import Figure, median, run_measured

# name -> (make_images kind, width, height)
IMAGES = {
    "smooth-1mp": ("smooth", 1152, 864),
    "smooth-12mp": ("smooth", 4000, 3000),
    "noisy-12mp": ("noisy", 4000, 3000),
    "texture-12mp": ("texture", 4000, 3000),
}
TARGET_SPEEDUP = 4.0
TARGET_CPU_SHARE = 1 / 3
TARGET_RSS_MIB = 64
TARGET_SIZE_RATIO = 1.15
MiB = 1024 * 1024
HERE = Path(__file__).resolve().parent


def decoded(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        image.load()
        return np.asarray(image.convert("RGB"))


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def single_images(worker: str, work: Path, rounds: dict[str, int]) -> list[dict]:
    python = sys.executable
    rows = []
    for key, (kind, width, height) in IMAGES.items():
        src = work / f"{key}.jpg"
        ours_out, pil_out = work / f"ours-{key}.png", work / f"pillow-{key}.png"
        load_before = load()
        ours, pil, pil_inner = [], [], []
        for i in range(rounds[key]):
            sides = ["ours", "pillow"] if i % 2 == 0 else ["pillow", "ours"]
            for side in sides:
                if side == "ours":
                    ours.append(run_measured([worker, "sepia", str(src), str(ours_out)]))
                else:
                    run = run_measured([python, str(HERE / "pillow_sepia.py"), str(src), str(pil_out)])
                    pil.append(run)
                    pil_inner.append(json.loads(run.stdout))
            print(f"  {key} round {i + 1}/{rounds[key]}: ours {ours[-1].wall:.3f} s ({ours[-1].cpu:.3f} CPU-s), "
                  f"pillow {pil[-1].wall:.3f} s ({pil[-1].cpu:.3f} CPU-s)", flush=True)
        a, b = decoded(ours_out), decoded(pil_out)
        differing = int(np.count_nonzero(np.any(a != b, axis=-1))) if a.shape == b.shape else -1
        row = {
            "image": key, "kind": kind, "src_bytes": src.stat().st_size, "rounds": rounds[key], "load_before": load_before,
            "ours_wall": median(r.wall for r in ours), "ours_cpu": median(r.cpu for r in ours),
            "ours_rss": max(r.max_rss_kib for r in ours) * 1024, "ours_bytes": ours_out.stat().st_size,
            "pil_wall": median(r.wall for r in pil), "pil_cpu": median(r.cpu for r in pil),
            "pil_work": median(p["work"] for p in pil_inner),
            "pil_decode": median(p["decode"] for p in pil_inner), "pil_sepia": median(p["sepia"] for p in pil_inner),
            "pil_encode": median(p["encode"] for p in pil_inner),
            "pil_rss": max(r.max_rss_kib for r in pil) * 1024, "pil_bytes": pil_out.stat().st_size,
            "ours_walls": [round(r.wall, 3) for r in ours], "pil_walls": [round(r.wall, 3) for r in pil],
            "ours_cpus": [round(r.cpu, 3) for r in ours],
            "differing_pixels": differing, "shape": list(a.shape), "load_after": load(),
        }
        row["speedup"] = row["pil_wall"] / row["ours_wall"]
        row["speedup_vs_work"] = row["pil_work"] / row["ours_wall"]
        row["cpu_share"] = row["ours_cpu"] / row["pil_cpu"]
        row["size_ratio"] = row["ours_bytes"] / row["pil_bytes"]
        rows.append(row)
    return rows


def throughput(worker: str, server: str, work: Path, count: int, cores: int) -> dict:
    """N uploads through the server, then the worker drains the queue; the same N files through Pillow."""
    from bench_server import Processes, cpu_seconds, curl_upload, deploy_stack, http, start_moto, start_server, vm_kib

    kinds = [k for k in IMAGES if k.endswith("12mp")]
    files = [work / f"{kinds[i % len(kinds)]}.jpg" for i in range(count)]
    (benchlib.WORK / "server").mkdir(parents=True, exist_ok=True)  # the server's spool (see start_server)
    procs = Processes()
    try:
        endpoint = start_moto(procs, work / "throughput-moto.log")
        moto = procs.children[-1]
        outputs = deploy_stack(endpoint)
        server_proc, base = start_server(procs, server, endpoint, outputs, work / "throughput-server.log")
        ids = []
        for path in files:
            status, body = http("POST", f"{base}/image")
            if status != 201:
                raise RuntimeError(f"POST /image: {status} {body!r}")
            image_id = json.loads(body)["id"]
            code, _ = curl_upload(base, image_id, path)
            if code != 200:
                raise RuntimeError(f"upload answered {code}; see {work / 'throughput-server.log'}")
            ids.append(image_id)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "IMAGERY_QUEUE_URL": outputs["QueueUrl"], "IMAGERY_BUCKET": outputs["BucketName"],
            "IMAGERY_TABLE": outputs["TableName"], "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true",
            "IMAGERY_WORKER_CONCURRENCY": str(cores), "IMAGERY_WAIT_TIME_SECONDS": "1", "TMPDIR": str(work),
        })
        moto_before, server_before = cpu_seconds(moto.pid), cpu_seconds(server_proc.pid)
        start = time.perf_counter()
        worker_proc = procs.start([worker, "run"], env=env, stdout=(work / "throughput-worker.log").open("w"),
                                  stderr=subprocess.STDOUT)
        # Progress from the worker's own log ("image ID processed: ..."), so that watching costs moto
        # and the server nothing while the worker runs; the states are checked through the API after.
        log = work / "throughput-worker.log"
        pending = set(ids)
        deadline = time.monotonic() + 600
        worker_cpu, worker_hwm = 0.0, 0
        while pending:
            if worker_proc.poll() is not None:
                raise RuntimeError(f"imagery-worker exited {worker_proc.returncode}; see {log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(pending)} images not processed after 600 s; see {log}")
            time.sleep(0.05)
            text = log.read_text(errors="replace")
            pending = {i for i in pending if f"image {i} processed" not in text}
            worker_cpu, worker_hwm = cpu_seconds(worker_proc.pid), vm_kib(worker_proc.pid, "VmHWM")
        wall = time.perf_counter() - start
        moto_cpu, server_cpu = cpu_seconds(moto.pid) - moto_before, cpu_seconds(server_proc.pid) - server_before
        # How much of the compression went to idle cores while two jobs shared two cores.
        chunks = [tuple(map(int, m)) for m in re.findall(r"(\d+) chunks, (\d+) on idle cores", log.read_text(errors="replace"))]
        for image_id in ids:
            status, body = http("GET", f"{base}/image/{image_id}")
            if status != 200 or json.loads(body).get("state") != "processed":
                raise RuntimeError(f"image {image_id}: {status} {body!r}")
    finally:
        procs.stop_all()

    # Pillow: the same files, `cores` processes at a time, each measured on its own (GNU time).
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=cores) as pool:
        runs = list(pool.map(lambda item: run_measured(
            [sys.executable, str(HERE / "pillow_sepia.py"), str(item[1]), str(work / f"tp-pillow-{item[0]}.png")]),
            enumerate(files)))
    pil_wall = time.perf_counter() - start
    pil_cpu = sum(r.cpu for r in runs)
    return {
        "count": count, "cores": cores, "ours_wall": wall, "ours_cpu": worker_cpu, "ours_hwm_kib": worker_hwm,
        "moto_cpu": moto_cpu, "server_cpu": server_cpu, "pil_wall": pil_wall, "pil_cpu": pil_cpu,
        "pil_rss_kib": max(r.max_rss_kib for r in runs),
        "ours_per_cpu": count / worker_cpu if worker_cpu else 0, "pil_per_cpu": count / pil_cpu,
        "ours_per_s": count / wall, "pil_per_s": count / pil_wall,
        "chunks": sum(c for c, _ in chunks), "helper_chunks": sum(h for _, h in chunks),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("worker")
    parser.add_argument("server", nargs="?", help="imagery-server binary, for the throughput run")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per 12 MP kind")
    parser.add_argument("--rounds-1mp", type=int, default=5)
    parser.add_argument("--throughput", type=int, default=6, help="images in the throughput run (0: skip)")
    args = parser.parse_args()
    rounds = {k: (args.rounds_1mp if k.endswith("1mp") else args.rounds) for k in IMAGES}
    cores = os.cpu_count() or 1

    work = benchlib.WORK / "worker"
    work.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    benchlib.run_measured([python, str(HERE / "make_images.py"), str(work)]
                          + [f"{kind}:{key}={w}x{h}" for key, (kind, w, h) in IMAGES.items()], timeout=900)

    # What starting the worker costs on its own (argument parsing, no image): the floor under every run.
    startup = median(run_measured([args.worker, "sepia", "--help"]).wall for _ in range(7))
    rows = single_images(args.worker, work, rounds)
    tp = throughput(args.worker, args.server, work, args.throughput, cores) if args.server and args.throughput > 0 else None

    info = benchlib.machine()
    versions = {
        "Pillow": PIL.__version__, "numpy": np.__version__,
        "Pillow libjpeg-turbo": str(features.version("libjpeg_turbo")), "Pillow zlib": str(features.version("zlib")),
        "worker": args.worker,
        "worker libjpeg-turbo / libpng / zlib": benchlib.command_output(
            ["dpkg-query", "-W", "-f=${Version} ", "libjpeg62-turbo", "libpng16-16", "zlib1g"]),
    }
    lines = ["# Worker pipeline vs Pillow (decode JPEG -> Jimp sepia -> PNG)", ""]
    lines += benchlib.machine_lines(info, versions)
    lines += [
        "command: make bench-worker  (bench/bench_worker.py; alternating runs, medians; peak RSS = max over runs)",
        "ours:    imagery-worker sepia IN OUT  (release, whole process; PNG chunks compressed on idle cores)",
        "pillow:  python bench/pillow_sepia.py IN OUT  (whole process, one core; 'work' = in-process decode+sepia+encode)",
        f"worker process start alone (sepia --help): {startup * 1000:.1f} ms",
        "load: 1-minute load average before each kind (2 cores; anything well above 0 means the timings are shared)", "",
    ]
    header = f"{'image':<13} {'side':<7} {'wall s':>8} {'cpu s':>8} {'peak RSS MiB':>13} {'PNG bytes':>12}"
    lines += [header, "-" * len(header)]
    figures = []
    for r in rows:
        h, w, _ = r["shape"]
        lines.append(f"{r['image']:<13} {'ours':<7} {r['ours_wall']:>8.3f} {r['ours_cpu']:>8.3f} {r['ours_rss'] / MiB:>13.1f} {r['ours_bytes']:>12,}")
        lines.append(f"{'':<13} {'pillow':<7} {r['pil_wall']:>8.3f} {r['pil_cpu']:>8.3f} {r['pil_rss'] / MiB:>13.1f} {r['pil_bytes']:>12,}")
        lines.append(f"{'':<13} pillow in-process: decode {r['pil_decode']:.3f} + sepia {r['pil_sepia']:.3f} + encode {r['pil_encode']:.3f} = {r['pil_work']:.3f} s")
        lines.append(
            f"{'':<13} input {w}x{h} JPEG {r['src_bytes']:,} bytes, {r['rounds']} rounds, load {r['load_before']:.2f} -> {r['load_after']:.2f}; "
            f"speed-up {r['speedup']:.2f}x wall ({r['speedup_vs_work']:.2f}x vs Pillow's in-process work); CPU {r['cpu_share']:.3f} of Pillow's; "
            f"PNG size {r['size_ratio']:.3f}x Pillow's; pixels differing: {r['differing_pixels']}")
        lines.append(f"{'':<13} walls ours {r['ours_walls']} pillow {r['pil_walls']}; CPU ours {r['ours_cpus']}")
        lines.append("")
        label = f"Worker {r['image']}"
        load_note = f"; load {r['load_before']:.1f} -> {r['load_after']:.1f}"
        if r["image"].endswith("12mp"):
            figures += [
                Figure(f"{label}: speed-up vs Pillow (wall, one image)",
                       f"{r['speedup']:.2f}x ({r['ours_wall']:.2f} s vs {r['pil_wall']:.2f} s{load_note})",
                       f">= {TARGET_SPEEDUP:g}x", r["speedup"] >= TARGET_SPEEDUP),
                Figure(f"{label}: CPU per image vs Pillow",
                       f"{r['cpu_share']:.3f} ({r['ours_cpu']:.2f} vs {r['pil_cpu']:.2f} CPU-s)",
                       "<= 1/3", r["cpu_share"] <= TARGET_CPU_SHARE),
                Figure(f"{label}: peak RSS", f"{r['ours_rss'] / MiB:.1f} MiB (Pillow {r['pil_rss'] / MiB:.0f} MiB)",
                       f"<= {TARGET_RSS_MIB} MiB", r["ours_rss"] <= TARGET_RSS_MIB * MiB),
                Figure(f"{label}: PNG size vs Pillow", f"{r['size_ratio']:.3f}x ({r['ours_bytes']:,} vs {r['pil_bytes']:,} bytes)",
                       f"<= {TARGET_SIZE_RATIO}x", r["size_ratio"] <= TARGET_SIZE_RATIO),
            ]
        else:
            figures.append(Figure(f"{label}: wall, CPU, peak RSS, PNG size (ours / Pillow)",
                                  f"{r['ours_wall'] * 1000:.0f} / {r['pil_wall'] * 1000:.0f} ms ({r['speedup']:.1f}x), "
                                  f"CPU {r['cpu_share']:.2f}, {r['ours_rss'] / MiB:.1f} MiB, {r['size_ratio']:.3f}x"))
        figures.append(Figure(f"{label}: same pixels as Pillow's output (decoded by Pillow)", f"{r['differing_pixels']} pixels differ",
                              "0", r["differing_pixels"] == 0))
    if tp is not None:
        lines += [
            f"## Throughput: {tp['count']} 12 MP images (kinds in turn), {tp['cores']} cores", "",
            f"ours:   imagery-worker run, concurrency {tp['cores']}, queue filled through imagery-server on moto first: "
            f"{tp['ours_wall']:.2f} s wall, worker {tp['ours_cpu']:.2f} CPU-s (moto {tp['moto_cpu']:.2f}, server {tp['server_cpu']:.2f} "
            f"CPU-s meanwhile, not counted), worker peak RSS {tp['ours_hwm_kib'] / 1024:.1f} MiB; "
            f"{tp['helper_chunks']} of {tp['chunks']} PNG chunks compressed on a core no job was using",
            f"pillow: pillow_sepia.py, {tp['cores']} processes at a time: {tp['pil_wall']:.2f} s wall, {tp['pil_cpu']:.2f} CPU-s, "
            f"peak RSS {tp['pil_rss_kib'] / 1024:.0f} MiB per process",
            f"images per CPU-second: ours {tp['ours_per_cpu']:.2f}, pillow {tp['pil_per_cpu']:.3f} "
            f"({tp['ours_per_cpu'] / tp['pil_per_cpu']:.1f}x); images per second: ours {tp['ours_per_s']:.2f}, pillow {tp['pil_per_s']:.3f}", "",
        ]
        figures.append(Figure(f"Worker throughput ({tp['count']} x 12 MP, concurrency {tp['cores']}, via moto): images per CPU-second",
                              f"{tp['ours_per_cpu']:.2f} vs Pillow {tp['pil_per_cpu']:.3f} ({tp['ours_per_cpu'] / tp['pil_per_cpu']:.1f}x); "
                              f"{tp['ours_per_s']:.2f} vs {tp['pil_per_s']:.3f} images/s wall"))

    text = "\n".join(lines) + "\n"
    print(text)
    benchlib.write_results("worker", text, figures, info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
