"""Worker pipeline (decode -> Jimp sepia -> PNG) versus Pillow, in one invocation.

For each generated photo-like JPEG the two sides run alternately (the order flips every round so
neither always runs on a warmer cache), several rounds each; the table shows medians. Wall time
and peak RSS are the child process's own (wait4 rusage). Pillow's in-process time (decode, sepia,
encode, without the interpreter's start and imports) is shown too, and the speed-up is given both
ways. Finally both PNGs are decoded and compared pixel by pixel: the comparison is only fair if
both sides computed the same image.

usage: bench_worker.py WORKER_BINARY [--rounds-1mp N] [--rounds-12mp N]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import PIL
from PIL import Image, features

import benchlib
from benchlib import Figure, median, run_measured

IMAGES = {"1mp": (1152, 864), "12mp": (4000, 3000)}
TARGET_SPEEDUP = 3.0
TARGET_RSS_MIB = 64
TARGET_SIZE_RATIO = 1.15
MiB = 1024 * 1024


def decoded(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("worker")
    parser.add_argument("--rounds-1mp", type=int, default=7)
    parser.add_argument("--rounds-12mp", type=int, default=5)
    args = parser.parse_args()
    rounds = {"1mp": args.rounds_1mp, "12mp": args.rounds_12mp}

    work = benchlib.WORK / "worker"
    work.mkdir(parents=True, exist_ok=True)
    here = Path(__file__).resolve().parent
    python = sys.executable
    benchlib.run_measured([python, str(here / "make_images.py"), str(work)] + [f"photo-{k}={w}x{h}" for k, (w, h) in IMAGES.items()])

    # What starting the worker costs on its own (argument parsing, no image): the floor under every run.
    startup = median(run_measured([args.worker, "sepia", "--help"]).wall for _ in range(7))

    rows, figures, lines = [], [], []
    for key in IMAGES:
        src = work / f"photo-{key}.jpg"
        ours_out, pil_out = work / f"ours-{key}.png", work / f"pillow-{key}.png"
        ours, pil, pil_inner = [], [], []
        for i in range(rounds[key]):
            sides = ["ours", "pillow"] if i % 2 == 0 else ["pillow", "ours"]
            for side in sides:
                if side == "ours":
                    ours.append(run_measured([args.worker, "sepia", str(src), str(ours_out)]))
                else:
                    run = run_measured([python, str(here / "pillow_sepia.py"), str(src), str(pil_out)])
                    pil.append(run)
                    pil_inner.append(json.loads(run.stdout))
            print(f"  {key} round {i + 1}/{rounds[key]}: ours {ours[-1].wall:.3f} s, pillow {pil[-1].wall:.3f} s", flush=True)

        a, b = decoded(ours_out), decoded(pil_out)
        differing = int(np.count_nonzero(np.any(a != b, axis=-1))) if a.shape == b.shape else -1
        row = {
            "image": key, "src_bytes": src.stat().st_size, "rounds": rounds[key],
            "ours_wall": median(r.wall for r in ours), "ours_cpu": median(r.cpu for r in ours),
            "ours_rss": max(r.max_rss_kib for r in ours) * 1024, "ours_bytes": ours_out.stat().st_size,
            "pil_wall": median(r.wall for r in pil), "pil_cpu": median(r.cpu for r in pil),
            "pil_work": median(p["work"] for p in pil_inner),
            "pil_decode": median(p["decode"] for p in pil_inner), "pil_sepia": median(p["sepia"] for p in pil_inner),
            "pil_encode": median(p["encode"] for p in pil_inner),
            "pil_rss": max(r.max_rss_kib for r in pil) * 1024, "pil_bytes": pil_out.stat().st_size,
            "ours_walls": [round(r.wall, 3) for r in ours], "pil_walls": [round(r.wall, 3) for r in pil],
            "differing_pixels": differing, "shape": list(a.shape),
        }
        row["speedup"] = row["pil_wall"] / row["ours_wall"]
        row["speedup_vs_work"] = row["pil_work"] / row["ours_wall"]
        row["speedup_cpu"] = row["pil_cpu"] / row["ours_cpu"]
        row["size_ratio"] = row["ours_bytes"] / row["pil_bytes"]
        rows.append(row)

    info = benchlib.machine()
    versions = {
        "Pillow": PIL.__version__, "numpy": np.__version__,
        "Pillow libjpeg-turbo": str(features.version("libjpeg_turbo")), "Pillow zlib": str(features.version("zlib")),
        "worker": args.worker,
        "worker libjpeg-turbo / libpng / zlib": benchlib.command_output(
            ["dpkg-query", "-W", "-f=${Version} ", "libjpeg62-turbo", "libpng16-16", "zlib1g"]),
    }

    lines += ["# Worker pipeline vs Pillow (decode JPEG -> Jimp sepia -> PNG)", ""]
    lines += benchlib.machine_lines(info, versions)
    lines += [
        "command: make bench  (bench/bench_worker.py; alternating runs, medians; peak RSS = max over runs)",
        "ours:    imagery-worker sepia IN OUT  (release, whole process)",
        "pillow:  python bench/pillow_sepia.py IN OUT  (whole process; 'work' = in-process decode+sepia+encode)",
        f"worker process start alone (sepia --help): {startup * 1000:.1f} ms", "",
    ]
    header = f"{'image':<6} {'side':<7} {'wall s':>8} {'cpu s':>8} {'peak RSS MiB':>13} {'PNG bytes':>12}"
    lines.append(header)
    lines.append("-" * len(header))
    for r in rows:
        w, h, _ = r["shape"]
        lines.append(f"{r['image']:<6} {'ours':<7} {r['ours_wall']:>8.3f} {r['ours_cpu']:>8.3f} {r['ours_rss'] / MiB:>13.1f} {r['ours_bytes']:>12,}")
        lines.append(f"{'':<6} {'pillow':<7} {r['pil_wall']:>8.3f} {r['pil_cpu']:>8.3f} {r['pil_rss'] / MiB:>13.1f} {r['pil_bytes']:>12,}")
        lines.append(
            f"{'':<6} pillow in-process: decode {r['pil_decode']:.3f} + sepia {r['pil_sepia']:.3f} + encode {r['pil_encode']:.3f} = {r['pil_work']:.3f} s")
        lines.append(
            f"{'':<6} input {h}x{w} JPEG {r['src_bytes']:,} bytes, {r['rounds']} rounds; speed-up {r['speedup']:.2f}x wall "
            f"({r['speedup_vs_work']:.2f}x vs Pillow's in-process work, {r['speedup_cpu']:.2f}x CPU); "
            f"PNG size {r['size_ratio']:.3f}x Pillow's; pixels differing: {r['differing_pixels']}")
        lines.append(f"{'':<6} walls ours {r['ours_walls']} pillow {r['pil_walls']}")
        lines.append("")

        label = r["image"].upper().replace("MP", " MP")
        if r["image"] == "12mp":
            figures += [
                Figure(f"Worker {label}: speed-up vs Pillow (wall, whole process)",
                       f"{r['speedup']:.2f}x ({r['ours_wall']:.2f} s vs {r['pil_wall']:.2f} s)",
                       f">= {TARGET_SPEEDUP:g}x", r["speedup"] >= TARGET_SPEEDUP),
                Figure(f"Worker {label}: speed-up vs Pillow's in-process work",
                       f"{r['speedup_vs_work']:.2f}x (vs {r['pil_work']:.2f} s)", f">= {TARGET_SPEEDUP:g}x",
                       r["speedup_vs_work"] >= TARGET_SPEEDUP),
                Figure(f"Worker {label}: peak RSS", f"{r['ours_rss'] / MiB:.1f} MiB (Pillow {r['pil_rss'] / MiB:.0f} MiB)",
                       f"<= {TARGET_RSS_MIB} MiB", r["ours_rss"] <= TARGET_RSS_MIB * MiB),
                Figure(f"Worker {label}: PNG size vs Pillow", f"{r['size_ratio']:.3f}x ({r['ours_bytes']:,} vs {r['pil_bytes']:,} bytes)",
                       f"<= {TARGET_SIZE_RATIO}x", r["size_ratio"] <= TARGET_SIZE_RATIO),
            ]
        else:
            figures += [
                Figure(f"Worker {label}: wall (ours / Pillow)", f"{r['ours_wall'] * 1000:.0f} ms / {r['pil_wall'] * 1000:.0f} ms "
                       f"({r['speedup']:.1f}x; {r['speedup_vs_work']:.1f}x vs in-process)"),
                Figure(f"Worker {label}: peak RSS, PNG size ratio", f"{r['ours_rss'] / MiB:.1f} MiB, {r['size_ratio']:.3f}x"),
            ]
        figures.append(Figure(f"Worker {label}: same pixels as Pillow's output", f"{r['differing_pixels']} pixels differ",
                              "0", r["differing_pixels"] == 0))

    text = "\n".join(lines) + "\n"
    print(text)
    benchlib.write_results("worker", text, figures, info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
